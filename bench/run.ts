// `npm run bench [-- --models a,b --batch 1,8 --quick --runs N --cold N --runtimes … --skip-kernels --out DIR]`:
// webvit against its peers in one headless Chromium session (and Firefox, for the `…@firefox` runtimes) on localhost, and every kernel against the
// adapter's roofs. `--report` measures nothing: it rewrites the .md files and the README's generated
// sections from the JSON results.
//
//  1. kernels: one page measures the adapter's roofs (best matmul GFLOP/s, copy GB/s, the cost of a
//     dispatch and of a submit), then profiles each model's fused, one-kernel-FFN and unfused
//     schedules: every dispatch of every .wgsl timed at the shapes the models use;
//  2. models: for each model and runtime a fresh page (cross-origin isolated, so wasm threads work),
//     in Chromium, and in Firefox for the WebGPU runtimes named `…@firefox` (headless firefox-esr
//     through puppeteer-core, when it is installed; its adapter is the one Firefox offers):
//     webvit fused (float32 and half matrix weights) and unfused; onnxruntime-web's WebGPU EP in both flavours it ships (JSEP, and the
//     native one in "onnxruntime-web/webgpu") and its wasm EP with 1 and 2 threads; then
//     onnxruntime-node's CPU EP in this process. All run the same weights: the golden script's
//     PyTorch model, as a .pth for webvit and exported to ONNX for onnxruntime. Every runtime's
//     logits are checked against PyTorch's before its times count.
//     Cold start is measured on --cold (≥ 3) fresh pages per runtime.
//  3. results: bench/results/{models,kernels}.{json,md} (each with its provenance: bench/provenance.ts),
//     and the README's generated sections (between its bench:… markers) rewritten from them; with
//     --out elsewhere, only the results are written there.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { bundle } from '../scripts/build.ts';
import { REPO_ROOT, startServer } from '../scripts/serve.ts';
import { launchChromium, readyPage, type EvaluatingPage } from '../test/helpers/chromium.ts';
import { firefoxAvailable, launchFirefox, readyFirefoxPage } from '../test/helpers/firefox.ts';
import { goldenCases, logitsError, type GoldenCase } from '../test/helpers/golden.ts';
import { MODELS } from '../src/models/registry.ts';
import { median } from '../src/util/median.ts';
import type { ProfileReport } from '../src/profile/profile.ts';
import type { Roofs } from '../src/profile/roofs.ts';
import { measure, type MeasureResult } from './measure.js';
import { kernelResults, kernelTable, type KernelResults } from './report-kernels.ts';
import { modelsTable, type ModelResults, type RuntimeRow } from './report-models.ts';
import { provenance } from './provenance.ts';
import { updateReadme } from './report-readme.ts';
import { runtimeOf, runtimesWhere, type RuntimeName } from './runtimes.ts';

const inFirefox = (r: string) => runtimeOf(r).engine === 'firefox';
/** The runtimes measured by default: all, the Firefox ones where Firefox is installed. */
const DEFAULT_RUNTIMES = runtimesWhere((r) => r.engine !== 'firefox' || firefoxAvailable());

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: Object.keys(MODELS).join(',') },
    batch: { type: 'string', default: '1,8' },
    runtimes: { type: 'string', default: DEFAULT_RUNTIMES.join(',') },
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    cold: { type: 'string', default: '3' },
    'skip-kernels': { type: 'boolean', default: false },
    out: { type: 'string' },
    /** the models results' file name: NAME.json and NAME.md (default models; any other name but families leaves the README alone) */
    name: { type: 'string', default: 'models' },
    report: { type: 'boolean', default: false },
  },
});
const models = args.models!.split(',');
for (const m of models) if (!Object.hasOwn(MODELS, m)) throw new Error(`unknown model ${m}; one of ${Object.keys(MODELS).join(', ')}`);
const batches = [...new Set(args.batch.split(',').map(Number))].sort((a, b) => a - b);
if (batches[0] !== 1 || !batches.every((b) => Number.isInteger(b) && b >= 1)) throw new Error(`--batch must list positive integers and include 1, got ${args.batch}`);
const runtimes = args.runtimes.split(',') as RuntimeName[];
for (const r of runtimes) runtimeOf(r);
const RES = 224;
const timing = args.quick
  ? { runs: 5, minRuns: 3, budgetMs: 10_000, skipBatchAboveMs: 1_000, profileRuns: 3 }
  : { runs: 20, minRuns: 3, budgetMs: 30_000, skipBatchAboveMs: 1_000, profileRuns: 7 };
if (args.runs !== undefined) {
  const n = Number(args.runs);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
  Object.assign(timing, { runs: n, minRuns: Math.min(timing.minRuns, n), profileRuns: Math.min(timing.profileRuns, n) });
}
const coldPages = Number(args.cold);
if (!Number.isInteger(coldPages) || coldPages < 3) throw new Error(`--cold must be an integer ≥ 3 (fresh pages per cold start, for its spread), got ${args.cold}`);

const here = path.dirname(fileURLToPath(import.meta.url));
const PEERS = path.join(here, 'peers');
const DEFAULT_RESULTS = path.join(here, 'results');
const RESULTS = args.out ? path.resolve(args.out) : DEFAULT_RESULTS;

/** onnxruntime-web and -node, pinned in bench/peers/package-lock.json, installed on first use (CPU only). */
function ensurePeers(): void {
  if (existsSync(path.join(PEERS, 'node_modules/onnxruntime-web/package.json')) && existsSync(path.join(PEERS, 'node_modules/onnxruntime-node/package.json'))) return;
  console.error('bench: installing the peers (onnxruntime-web, onnxruntime-node) into bench/peers …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
}

const log = (s: string) => process.stderr.write(s);

async function main() {
  if (args.report) return report();
  const needsOrt = runtimes.some((r) => r.startsWith('ort-'));
  if (needsOrt) ensurePeers();
  log(`bench: golden cases and ONNX exports for ${models.length} model(s) …\n`);
  const cases = goldenCases(models.flatMap((m) => batches.map((b) => `${m}:${RES}:${b}`)), { onnx: true });
  await bundle();
  const server = await startServer(REPO_ROOT, 0, { isolated: true });
  const browser = await launchChromium({ profiling: true, extraArgs: ['--disable-gpu-shader-disk-cache'] });
  // Mesa keeps lavapipe's compiled shaders on disk (~/.cache/mesa_shader_cache): off, so that every fresh page's cold start compiles, as in Chromium.
  const firefox = runtimes.some(inFirefox) ? await launchFirefox({ env: { MESA_SHADER_CACHE_DISABLE: 'true' } }) : null;
  const pageUrl = `${server.url}bench/pages/bench.html`;
  const urls = new Map<string, string>();
  for (const c of cases) {
    urls.set(`${c.model}.pth`, server.put(`/mem/${c.model}.pth`, c.pth));
    urls.set(`${c.model}.onnx`, server.put(`/mem/${c.model}.onnx`, readFileSync(c.onnxFile!)));
    urls.set(`${c.model}:${c.batch}`, server.put(`/mem/${c.model}_b${c.batch}.f32`, new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength)));
  }
  const firefoxVersion = firefox ? (await firefox.version()).replace(/^firefox\//i, '') : undefined;
  const meta = { date: new Date().toISOString(), args: { ...args, ...timing, cold: coldPages } };
  try {
    let roofs: Roofs | null = null;
    if (!args['skip-kernels']) {
      const k = await kernels(browser, pageUrl, urls);
      roofs = k.roofs;
      writeResults('kernels', k, kernelTable(k));
    }
    const rows: RuntimeRow[] = [];
    let adapter: ModelResults['adapter'] | null = null;
    for (const model of models) {
      const mine = cases.filter((c) => c.model === model);
      for (const runtime of runtimes) {
        log(`bench: ${model} on ${runtime} … `);
        const row = await measureOne(browser, firefox, pageUrl, urls, runtime, model, mine);
        rows.push(row);
        if (!inFirefox(runtime)) adapter ??= row.adapter ?? null;
        log(row.error ? `FAILED: ${row.error.split('\n')[0]}\n` : `${row.batches[0]?.medianMs?.toFixed(1) ?? '—'} ms\n`);
      }
    }
    const prov = provenance({ chromium: browser.version(), firefox: firefoxVersion, adapter, peers: needsOrt, date: meta.date });
    const results: ModelResults = { schema: 'webvit-bench-models/1', ...meta, provenance: prov, adapter, roofs, res: RES, rows };
    writeResults(args.name!, results, modelsTable(results, args.name));
    if (RESULTS === DEFAULT_RESULTS && (args.name === 'models' || args.name === 'families')) updateReadme(DEFAULT_RESULTS);
    else log(`bench: results in ${RESULTS}; the README is rewritten only from bench/results\n`);
  } finally {
    await browser.close();
    await firefox?.close();
    await server.close();
  }
}

/** The roofs, then each model's profile in its three schedules (one page: the profiler keeps the roofs it measured). */
async function kernels(browser: Browser, pageUrl: string, urls: Map<string, string>): Promise<KernelResults> {
  log('bench: roofs and kernel profiles … ');
  const page = await readyPage(browser, pageUrl);
  try {
    const r = await page.evaluate((spec) => (window as any).bench.kernels(spec), {
      models: models.map((name) => ({ name, weightsUrl: urls.get(`${name}.pth`)! })),
      schedules: ['fused', 'fused-ffn', 'unfused'], runs: timing.profileRuns,
    }) as { roofs: Roofs; adapter: NonNullable<ModelResults['adapter']>; fallback: boolean; tuning: unknown; userAgent: string; profiles: ProfileReport[] };
    log(`${r.roofs.gflops.toFixed(2)} GFLOP/s, ${r.roofs.gbs.toFixed(2)} GB/s\n`);
    const shaders = readdirSync(path.join(REPO_ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl')).sort();
    const { profiles, ...rest } = r, date = new Date().toISOString();
    const prov = provenance({ chromium: browser.version(), adapter: r.adapter, date });
    return kernelResults({ date, provenance: prov, ...rest, shaders }, profiles);
  } finally {
    await page.close();
  }
}

async function measureOne(browser: Browser, firefox: FirefoxBrowser | null, pageUrl: string, urls: Map<string, string>, runtime: RuntimeName, model: string, cases: GoldenCase[]): Promise<RuntimeRow> {
  const onnx = runtime.startsWith('ort-');
  const engine = runtimeOf(runtime).engine;
  const threads = runtime === 'ort-wasm-2' ? 2 : engine === 'node' ? availableParallelism() : 1;
  const base = runtime.replace(/@firefox$/, '');
  const spec = {
    runtime: base.startsWith('ort-wasm') ? 'ort-wasm' : base, model, res: RES, threads,
    weightsUrl: urls.get(`${model}.${onnx ? 'onnx' : 'pth'}`)!,
    cases: cases.map((c) => ({ batch: c.batch, inputUrl: urls.get(`${model}:${c.batch}`)! })),
    ...timing,
  };
  try {
    // The first fresh page measures everything; the others only the cold start again.
    let adapter: RuntimeRow['adapter'];
    const raws: MeasureResult[] = [];
    const measurePage = async (i: number) => {
      const s = i === 0 ? spec : { ...spec, coldOnly: true };
      if (engine === 'node') {
        raws.push(await ortNode(s, cases));
        return;
      }
      // Chromium's and Firefox's pages both take evaluate(fn, arg).
      const page: EvaluatingPage & { close(): Promise<void> } = engine === 'firefox' ? await readyFirefoxPage(firefox!, pageUrl) : await readyPage(browser, pageUrl);
      try {
        if (!(await page.evaluate(() => (window as any).bench.crossOriginIsolated, null))) throw new Error('the benchmark page is not cross-origin isolated (wasm threads need it)');
        raws.push(await page.evaluate((x) => (window as any).bench.run(x), s) as MeasureResult);
        // Firefox names no adapter (all fields empty): say so, and whether it is a CPU fallback; and whether it has shader-f16 (webvit's f16 path reads halves natively there).
        adapter ??= await page.evaluate(async () => {
          const a = await navigator.gpu?.requestAdapter();
          if (!a) return undefined;
          const i = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
          const named = Boolean(i.vendor || i.architecture || i.device || i.description);
          return { vendor: i.vendor, architecture: i.architecture, device: i.device, description: named ? i.description : `not named by the browser${i.isFallbackAdapter ? ', a CPU fallback' : ''}`, shaderF16: a.features.has('shader-f16') };
        }, null) as RuntimeRow['adapter'];
      } finally {
        await page.close();
      }
    };
    await measurePage(0);
    // A failure on a later page costs only that cold start: the first page's measurement stands, and the row says why it has fewer cold starts.
    let coldError: string | undefined;
    for (let i = 1; i < coldPages && coldError === undefined; i++) {
      try {
        await measurePage(i);
      } catch (e) {
        coldError = `fresh page ${i + 1} of ${coldPages}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    return { ...toRow(runtime, model, threads, raws, cases, adapter!), ...(coldError === undefined ? {} : { coldError }) };
  } catch (e) {
    return { model, runtime, threads, error: e instanceof Error ? e.message : String(e), batches: [] };
  }
}

/** onnxruntime-node's CPU EP on the same ONNX file, measured the same way (no GPU counters). */
async function ortNode(spec: { threads: number; cases: { batch: number }[]; coldOnly?: boolean } & typeof timing & { runtime: string; model: string; res: number }, cases: GoldenCase[]): Promise<MeasureResult> {
  const ort = createRequire(path.join(PEERS, 'package.json'))('onnxruntime-node');
  const weights = readFileSync(cases[0].onnxFile!);
  const zeros = () => ({ live: 0, peak: 0, buffers: 0, dispatches: 0, submits: 0 });
  return measure(spec, cases.map((c) => c.input), async () => {
    const session = await ort.InferenceSession.create(weights, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: spec.threads });
    return {
      run: async (x: Float32Array, b: number) => (await session.run({ input: new ort.Tensor('float32', x, [b, 3, RES, RES]) })).logits.data,
      gpuMs: async () => null, describe: async () => null, memory: () => null, dispose: () => session.release(),
    };
  }, zeros);
}

const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]; };

/** The first page's measurement, with every page's cold start (its median, and each). */
function toRow(runtime: RuntimeName, model: string, threads: number, raws: MeasureResult[], cases: GoldenCase[], adapter: RuntimeRow['adapter']): RuntimeRow {
  const r = raws[0];
  // Half weights are held to the f16 tolerance, 1e-2·max(1, max|y|); every other runtime to 1e-4·max(1, max|y|).
  const scale = runtimeOf(runtime).weights === 'f16' ? 100 : 1;
  const check = (got: number[], want: Float32Array) => {
    const e = logitsError(Float32Array.from(got), want), tolerance = scale * e.tolerance;
    return { maxDiff: e.maxDiff, tolerance, logitsOk: e.maxDiff <= tolerance };
  };
  const firstOk = raws.every((x) => check(x.firstLogits, cases[0].logits).logitsOk);
  const coldRuns = raws.map((x) => x.coldMs);
  return {
    model, runtime, threads, adapter,
    coldMs: median(coldRuns), coldRuns, firstLogitsOk: firstOk, gpuBytes: r.gpuBytes, memory: r.memory,
    batches: r.cases.map((c) => {
      if ('skipped' in c) return { batch: c.batch, skipped: c.skipped };
      const want = cases.find((g) => g.batch === c.batch)!.logits;
      const med = median(c.times);
      return {
        batch: c.batch, runs: c.times.length, reduced: c.reduced,
        medianMs: med, minMs: Math.min(...c.times), p90Ms: quantile(c.times, 0.9), imagesPerSec: (1000 * c.batch) / med,
        gpuMedianMs: c.gpuTimes.length ? median(c.gpuTimes) : null,
        flops: c.graph?.flops ?? null, pipelines: c.graph?.pipelines ?? null,
        perRun: c.perRun, ...check(c.logits, want), times: c.times, gpuTimes: c.gpuTimes,
      };
    }),
  };
}

function writeResults(name: string, json: unknown, md: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify(json, null, 1) + '\n');
  writeFileSync(path.join(RESULTS, `${name}.md`), md);
  log(`bench: wrote ${path.relative(REPO_ROOT, path.join(RESULTS, name))}.json and ${name}.md\n`);
}

/** --report: the .md files and the README's generated sections again from the JSON results, measuring nothing. */
function report(): void {
  const read = (name: string) => JSON.parse(readFileSync(path.join(RESULTS, `${name}.json`), 'utf8'));
  if (existsSync(path.join(RESULTS, 'kernels.json'))) writeFileSync(path.join(RESULTS, 'kernels.md'), kernelTable(read('kernels') as KernelResults));
  for (const name of new Set(['models', args.name!])) {
    if (existsSync(path.join(RESULTS, `${name}.json`))) writeFileSync(path.join(RESULTS, `${name}.md`), modelsTable(read(name) as ModelResults, name));
  }
  log(`bench: rewrote ${path.relative(REPO_ROOT, RESULTS)}/{models,${args.name},kernels}.md from their JSON\n`);
  if (RESULTS === DEFAULT_RESULTS) updateReadme(DEFAULT_RESULTS);
}

await main();
