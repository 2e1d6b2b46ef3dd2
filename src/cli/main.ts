// webvit command line: `webvit infer …` runs a model on a checkpoint in Node (Dawn); `webvit profile …`
// breaks its GPU time down per dispatch, layer and category (fused and unfused); `webvit demo` makes
// a random-weight checkpoint with the repo's PyTorch script and checks our logits against it.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../node.ts';
import { Model } from '../model.ts';
import { MODELS, modelInfo } from '../models/registry.ts';
import { randomStateDict } from '../models/random.ts';
import { SCHEDULES, scheduleNamed, type ScheduleName } from '../schedule/index.ts';
import { profileModel } from '../profile/profile.ts';
import { adapterRoofs } from '../profile/roofs.ts';
import { profileText } from '../profile/report.ts';
import { profileSvg } from '../profile/svg.ts';
import { chromeTrace } from '../profile/trace.ts';
import type { TimingMethod } from '../profile/timing.ts';
import { fileRoofCache } from './roof-cache.ts';
import { decodeImage } from './image.ts';
import { preprocess } from '../preprocess.ts';

const USAGE = `usage:
  webvit infer --model NAME --weights FILE [--input RAW.f32 | --image FILE.{png,jpg}] [--res 224 | --res HxW] [--batch 1]
               [--schedule fused|unfused|fused-ffn] [--output LOGITS.f32]
  webvit profile --model NAME [--weights FILE] [--res N] [--batch N] [--schedule fused|unfused|fused-ffn|both] [--runs 7]
               [--json OUT.json] [--svg OUT.svg] [--trace OUT.json] [--method timestamp-per-pass|wall-clock] [--refresh-roofs]
  webvit demo    (random-weight efficientvit_m0 made by PyTorch, checked against PyTorch's logits)
models: ${Object.keys(MODELS).join(', ')}
infer: --input is raw little-endian float32 NCHW [batch, 3, res, res]; without --input or --image a fixed random input is used.
schedules: fused (inference), unfused (one dispatch per PyTorch eager op), fused-ffn (fused, each FFN one kernel).
profile: without --weights a seeded random checkpoint is used (GPU time does not depend on the values); the adapter's
  roofs are measured once and cached (--refresh-roofs measures them again).`;

function readFile(file: string, what: string): Uint8Array {
  try { return readFileSync(file); } catch (e) { throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

/** --res N or --res HxW (non-square, where the model allows it). */
function parseRes(v: string | undefined): [number, number] {
  if (v === undefined) return [224, 224];
  const m = /^(\d+)(?:x(\d+))?$/.exec(v);
  if (!m) throw new Error(`--res must be N or HxW (e.g. 224 or 224x288), got "${v}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

function positive(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

function loadInput(flags: { input?: string; image?: string }, batch: number, h: number, w: number): Float32Array {
  const n = batch * 3 * h * w;
  if (flags.input && flags.image) throw new Error('give either --input or --image, not both');
  if (flags.input) {
    const b = readFile(flags.input, 'input');
    if (b.byteLength !== n * 4) throw new Error(`${flags.input} has ${b.byteLength} bytes; [${batch}, 3, ${h}, ${w}] float32 needs ${n * 4} (check --batch and --res)`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  if (flags.image) {
    if (h !== w) throw new Error('--image needs a square --res (images are centre-cropped to res×res)');
    const one = preprocess(decodeImage(flags.image), h);
    const out = new Float32Array(n);
    for (let i = 0; i < batch; i++) out.set(one, i * one.length);
    return out;
  }
  let s = 12345;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

function top5(logits: Float32Array, classes: number, b: number): string {
  const row = Array.from(logits.subarray(b * classes, (b + 1) * classes), (v, i) => [i, v] as const);
  return row.sort((x, y) => y[1] - x[1]).slice(0, 5).map(([i, v]) => `${i} (${v.toFixed(4)})`).join(', ');
}

interface InferFlags { model: string; weights: string; input?: string; image?: string; res?: string; batch?: string; output?: string; schedule?: string }

async function infer(flags: InferFlags, input: Float32Array | null = null): Promise<Float32Array> {
  const [h, w] = parseRes(flags.res), batch = positive(flags.batch, 'batch', 1);
  const schedule = (flags.schedule ?? 'fused') as ScheduleName;
  scheduleNamed(schedule);
  const x = input ?? loadInput(flags, batch, h, w);
  const rt = await nodeRuntime();
  const m = Model.fromBytes(rt, flags.model, readFile(flags.weights, 'checkpoint'));
  let t = performance.now();
  const plan = await m.plan(batch, h, w, schedule);
  const buildMs = performance.now() - t;
  t = performance.now();
  const { logits, classes } = await m.run(x, batch, h, w, schedule);
  const runMs = performance.now() - t;
  for (let b = 0; b < batch; b++) console.log(`image ${b}: top-5 ${top5(logits, classes, b)}`);
  const s = plan.stats;
  console.log(`${flags.model} ${batch}×3×${h}×${w} (${schedule}) on ${rt.gpu.adapterInfo.vendor || 'unknown'} ${rt.gpu.adapterInfo.architecture}: inference ${runMs.toFixed(1)} ms ` +
    `(build ${buildMs.toFixed(0)} ms, ${s.pipelines} pipelines)`);
  console.log(`per inference: ${s.dispatches} dispatches, ${s.buffers} GPU buffers (${(s.activationBytes / 2 ** 20).toFixed(2)} MiB activations, ${(s.weightBytes / 2 ** 20).toFixed(2)} MiB weights), 1 submit`);
  if (flags.output) { writeFileSync(flags.output, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength)); console.log(`logits → ${flags.output}`); }
  m.destroy();
  return logits;
}

interface ProfileFlags { model?: string; weights?: string; res?: string; batch?: string; schedule?: string; runs?: string; json?: string; svg?: string; trace?: string; method?: string; 'refresh-roofs'?: boolean }

async function profile(flags: ProfileFlags): Promise<void> {
  if (!flags.model) throw new Error('profile needs --model NAME');
  const info = modelInfo(flags.model);
  const [height, width] = parseRes(flags.res), batch = positive(flags.batch, 'batch', 1), runs = positive(flags.runs, 'runs', 7);
  const which = flags.schedule ?? 'both';
  if (which !== 'both' && !Object.hasOwn(SCHEDULES, which)) throw new Error(`--schedule must be ${Object.keys(SCHEDULES).join(', ')} or both, got "${which}"`);
  const schedules: ScheduleName[] = which === 'both' ? ['fused', 'unfused'] : [which as ScheduleName];
  const methods: TimingMethod[] = ['timestamp-inside-pass', 'timestamp-per-pass', 'wall-clock'];
  if (flags.method !== undefined && !methods.includes(flags.method as TimingMethod)) throw new Error(`--method must be one of ${methods.join(', ')}, got "${flags.method}"`);
  // Unquantised timestamps: Dawn rounds them (a browser's anti-fingerprinting measure) unless told not to.
  const rt = await nodeRuntime({ disable: ['timestamp_quantization'] });
  const sd = flags.weights ? null : randomStateDict(info.name, height);
  if (!flags.weights) console.error(`webvit: no --weights: profiling ${info.name} with a seeded random checkpoint (GPU time does not depend on the values)`);
  const model = flags.weights ? Model.fromBytes(rt, info.name, readFile(flags.weights, 'checkpoint')) : new Model(rt, info, sd!);
  const cache = fileRoofCache();
  const roofs = await adapterRoofs(rt, { cache, platform: `node ${process.version}`, refresh: flags['refresh-roofs'] });
  if (!roofs.cached) console.error(`webvit: measured this adapter's roofs (cached in ${cache.file})`);
  const report = await profileModel(model, {
    batch, height, width, schedules, runs, roofs, method: flags.method as TimingMethod | undefined,
    weights: flags.weights ?? 'random (seed 0)', platform: `node ${process.version}`,
    onProgress: process.stderr.isTTY ? (m) => process.stderr.write(`\r\x1b[K${m}`) : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  console.log(profileText(report));
  const write = (file: string | undefined, what: string, data: string) => { if (file) { writeFileSync(file, data); console.log(`${what} → ${file}`); } };
  write(flags.json, 'profile (JSON)', JSON.stringify(report, null, 1));
  write(flags.svg, 'chart (SVG)', profileSvg(report));
  write(flags.trace, 'trace (Chrome Trace Event format; open in https://ui.perfetto.dev)', JSON.stringify(chromeTrace(report)));
  model.destroy();
}

async function demo(): Promise<void> {
  const dir = fileURLToPath(new URL('../../weights/demo/', import.meta.url));
  const base = `${dir}efficientvit_m0_r224_b1_s0`;
  if (!existsSync(`${base}.logits.f32`)) {
    mkdirSync(dir, { recursive: true });
    console.log('demo: making a random-weight efficientvit_m0 checkpoint with PyTorch (scripts/golden/make_golden.py)…');
    const py = process.env.WEBVIT_PYTHON ?? '/usr/bin/python3';
    execFileSync(py, [fileURLToPath(new URL('../../scripts/golden/make_golden.py', import.meta.url)), '--out', dir, '--cases', 'efficientvit_m0:224:1'], { stdio: 'inherit' });
  }
  const f = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
  console.log(`demo: webvit infer --model efficientvit_m0 --weights ${base}.pth --input ${base}.input.f32`);
  const logits = await infer({ model: 'efficientvit_m0', weights: `${base}.pth` }, f(`${base}.input.f32`));
  const want = f(`${base}.logits.f32`);
  let d = 0, mx = 0;
  want.forEach((v, i) => { d = Math.max(d, Math.abs(v - logits[i])); mx = Math.max(mx, Math.abs(v)); });
  console.log(`PyTorch's logits for the same checkpoint and input: max|Δ| = ${d.toExponential(2)} (tolerance ${(1e-4 * Math.max(1, mx)).toExponential(2)}) ${d <= 1e-4 * Math.max(1, mx) ? 'OK' : 'MISMATCH'}`);
  console.log('real weights: webvit infer --model efficientvit_m0 --weights efficientvit_m0.pth --image photo.jpg');
  console.log('where the time goes: webvit profile --model efficientvit_m0 --svg profile.svg');
}

const str = { type: 'string' } as const;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'infer') {
    const { values } = parseArgs({ args: rest, strict: true, options: { model: str, weights: str, input: str, image: str, res: str, batch: str, output: str, schedule: str } });
    if (!values.model || !values.weights) throw new Error('infer needs --model and --weights');
    await infer(values as InferFlags);
  } else if (cmd === 'profile') {
    const { values } = parseArgs({
      args: rest, strict: true,
      options: { model: str, weights: str, res: str, batch: str, schedule: str, runs: str, json: str, svg: str, trace: str, method: str, 'refresh-roofs': { type: 'boolean' } },
    });
    await profile(values);
  } else if (cmd === 'demo') await demo();
  else { console.log(USAGE); if (cmd && cmd !== 'help' && cmd !== '--help') process.exitCode = 2; }
}

main(process.argv.slice(2)).then(() => process.exit(process.exitCode ?? 0), (e) => {
  const err = e as Error & { code?: string };
  console.error(`webvit: ${err.message}${err.code?.startsWith('ERR_PARSE_ARGS') ? `\n${USAGE}` : ''}`);
  process.exit(1);
});
