// The model benchmarks' results (bench/run.ts): per model and runtime, the measurements and the
// logits check; the Markdown for bench/results/models.md and the README's table; the targets.
import type { Roofs } from '../src/profile/roofs.ts';
import { provenanceLine, type Provenance } from './provenance.ts';
import { RUNTIMES, runtimeOf } from './runtimes.ts';

export interface BatchRow {
  batch: number;
  /** why this batch was not measured */
  skipped?: string;
  runs?: number;
  /** fewer than the asked runs: one run takes seconds */
  reduced?: boolean;
  medianMs?: number; minMs?: number; p90Ms?: number; imagesPerSec?: number;
  /** webvit: GPU time of the inference's pass (timestamp queries), median */
  gpuMedianMs?: number | null;
  /** webvit: Σ FLOPs of its dispatches, and its pipelines */
  flops?: number | null; pipelines?: number | null;
  /** counted in one warm run (WebGPU runtimes; 0 for CPU ones) */
  perRun?: { dispatches: number; submits: number; buffersCreated: number };
  maxDiff?: number; tolerance?: number;
  /** the logits matched PyTorch's: only then do the times count */
  logitsOk?: boolean;
  /** every timed run's wall time, ms (the median and p90 above are over these) */
  times?: number[];
  /** webvit: the GPU time of the pass in each timed run, ms (timestamp queries) */
  gpuTimes?: number[];
}

export interface RuntimeRow {
  model: string; runtime: string; threads: number;
  /** as the page saw it; `shaderF16`: it offered the `shader-f16` feature (not recorded before 2026-12-06) */
  adapter?: { vendor: string; architecture: string; device: string; description: string; shaderF16?: boolean };
  error?: string;
  /** weights in memory → first logits, ms: the median over fresh pages, and each page's (results before cold starts were repeated have none) */
  coldMs?: number; coldRuns?: number[]; firstLogitsOk?: boolean;
  /** a later fresh page failed: the cold start is over the pages before it (coldRuns), the rest of the row is the first page's */
  coldError?: string;
  /** GPU buffers created and not destroyed: after loading, and the most during the runs */
  gpuBytes?: { afterLoad: number; peak: number };
  /** webvit's own account (weights, plans, total, peak) */
  memory?: Record<string, number> | null;
  batches: BatchRow[];
}

export interface ModelResults {
  schema: 'webvit-bench-models/1';
  date: string; args: Record<string, unknown>;
  provenance: Provenance;
  /** before provenance was recorded: these said where it ran */
  browser?: string; node?: string; cpus?: string;
  adapter: { vendor: string; architecture: string; device: string; description: string } | null;
  roofs: Roofs | null;
  res: number;
  rows: RuntimeRow[];
}

/** Each runtime's label in the tables (bench/runtimes.ts). */
export const LABELS: Record<string, string> = Object.fromEntries(RUNTIMES.map((x) => [x.name, x.label]));
const ORT_WEBGPU = ['ort-jsep', 'ort-webgpu'];

export const models = (r: ModelResults) => [...new Set(r.rows.map((x) => x.model))];
export const row = (r: ModelResults, model: string, runtime: string) => r.rows.find((x) => x.model === model && x.runtime === runtime);
/** A batch's median if it was measured and its logits matched PyTorch's. */
export function counted(r: ModelResults, model: string, runtime: string, batch = 1): BatchRow | null {
  const x = row(r, model, runtime);
  const b = x?.batches.find((y) => y.batch === batch);
  return x && !x.error && x.firstLogitsOk && b && !b.skipped && b.logitsOk ? b : null;
}
export const bestOrtWebgpu = (r: ModelResults, model: string) =>
  ORT_WEBGPU.map((rt) => ({ rt, b: counted(r, model, rt) })).filter((x) => x.b).sort((a, b) => a.b!.medianMs! - b.b!.medianMs!)[0] ?? null;
export const roofMs = (r: ModelResults, model: string) => {
  const b = counted(r, model, 'webvit');
  return b?.flops && r.roofs ? b.flops / r.roofs.gflops / 1e6 : null;
};

export const f = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
const mib = (v: number | undefined) => (v === undefined ? '—' : (v / 2 ** 20).toFixed(1));

/** A cell: median ms (marked † when fewer runs), or why there is none. */
function cell(r: ModelResults, model: string, runtime: string, batch = 1): string {
  const x = row(r, model, runtime);
  if (!x) return '';
  if (x.error) return 'failed¹';
  const b = x.batches.find((y) => y.batch === batch);
  if (!b) return '';
  if (b.skipped) return 'skipped²';
  if (!b.logitsOk || !x.firstLogitsOk) return `wrong logits³`;
  return `${f(b.medianMs)}${b.reduced ? '†' : ''}`;
}

export interface Target { what: string; model?: string; value: number | null; goal: number; met: boolean; note: string }

/** The issue's targets, each measured value against its goal. */
export function targets(r: ModelResults): Target[] {
  const out: Target[] = [];
  for (const m of models(r)) {
    const w = counted(r, m, 'webvit'), best = bestOrtWebgpu(r, m);
    if (w && best) {
      const v = best.b!.medianMs! / w.medianMs!;
      out.push({ what: 'speed-up over the best onnxruntime-web WebGPU flavour', model: m, value: v, goal: 25, met: v >= 25, note: v >= 25 ? '' : `needs ${(25 / v).toFixed(2)}× faster` });
    }
    const roof = roofMs(r, m);
    if (w && roof) {
      const v = roof / w.medianMs!;
      out.push({ what: 'share of the roof (FLOPs at the best matmul rate)', model: m, value: v, goal: 0.8, met: v >= 0.8, note: v >= 0.8 ? '' : `needs ${(0.8 / v).toFixed(2)}× faster` });
    }
    const x = row(r, m, 'webvit'), goal = m === 'efficientvit_m0' ? 2000 : m === 'edgevit_xxs' ? 4000 : null;
    if (x?.coldMs !== undefined && goal) out.push({ what: 'cold start, ms (weights in memory → first logits)', model: m, value: x.coldMs, goal, met: x.coldMs <= goal, note: x.coldMs <= goal ? '' : `${(x.coldMs / goal).toFixed(2)}× over` });
    const created = x?.batches.reduce((a, b) => a + (b.perRun?.buffersCreated ?? 0), 0);
    if (x && !x.error) out.push({ what: 'GPU buffers created per warm run', model: m, value: created ?? null, goal: 0, met: created === 0, note: '' });
    const b8 = counted(r, m, 'webvit', 8);
    if (w && b8) {
      const v = b8.imagesPerSec! / w.imagesPerSec!;
      out.push({ what: 'batch-8 images/s over batch 1', model: m, value: v, goal: 1.5, met: v >= 1.5, note: v >= 1.5 ? '' : `needs ${(1.5 / v).toFixed(2)}× more` });
    }
  }
  if (r.roofs) out.push({ what: 'best matmul kernel, GFLOP/s', value: r.roofs.gflops, goal: 8, met: r.roofs.gflops >= 8, note: r.roofs.gflops >= 8 ? '' : `needs ${(8 / r.roofs.gflops).toFixed(2)}× faster` });
  return out;
}

/**
 * The two kernel families on this adapter, per model at each batch: `webvit` (the adapter's default
 * family) against `webvit-gpu-family` (the GPU family forced). On a CPU adapter the default is the CPU
 * family; the issue's goal (the GPU family ≥ 10× the CPU family at batch 64) is for a GPU.
 */
export function familyTable(r: ModelResults): string[] {
  const ms = models(r).filter((m) => row(r, m, 'webvit-gpu-family'));
  if (!ms.length) return [];
  const out = ['## Kernel families', '', '`webvit` runs the adapter\'s default kernel family (on a CPU adapter, the CPU family); `webvit GPU kernel family` forces the GPU family. Median ms, and the default\'s time over the GPU family\'s (above 1: the GPU family is faster).', '',
    '| model | batch | webvit ms | GPU family ms | default / GPU family |', '|---|---:|---:|---:|---:|'];
  for (const m of ms) for (const b of [1, 8]) {
    const a = counted(r, m, 'webvit', b), g = counted(r, m, 'webvit-gpu-family', b);
    if (a || g) out.push(`| ${m} | ${b} | ${f(a?.medianMs)} | ${f(g?.medianMs)} | ${a && g ? `${f(a.medianMs! / g.medianMs!, 2)}×` : '—'} |`);
  }
  out.push('');
  return out;
}

/** A cold start: the median over its fresh pages, with their range. */
export function coldCell(x: RuntimeRow | undefined): string {
  if (x?.coldMs === undefined) return '—';
  const runs = x.coldRuns ?? [];
  const failed = x.coldError === undefined ? '' : '⁵';
  return runs.length > 1 ? `${f(x.coldMs / 1000, 2)} (${f(Math.min(...runs) / 1000, 2)}–${f(Math.max(...runs) / 1000, 2)})${failed}` : `${f(x.coldMs / 1000, 2)}${failed || '⁴'}`;
}

/** The adapter Firefox's rows ran on (the columns "… in Firefox"), as the page saw it; undefined without such rows. */
export const firefoxAdapterOf = (r: ModelResults) => r.rows.find((x) => runtimeOf(x.runtime).engine === 'firefox' && x.adapter)?.adapter;

/** The adapter Firefox's rows ran on, named, for the header. */
function firefoxAdapter(r: ModelResults): string {
  const a = firefoxAdapterOf(r);
  // provenance.firefox since it was recorded; before that, the legacy `browser` field ("Chromium …; Firefox …")
  const recorded = r.provenance.firefox ?? /Firefox ([\w.]+)/.exec(r.browser ?? '')?.[1];
  const version = recorded ? `Firefox ${recorded}` : 'Firefox';
  return a ? `; in ${version} (headless): ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' ')}` : '';
}

function header(r: ModelResults): string[] {
  const a = r.adapter, roofs = r.roofs, pages = r.args.cold;
  return [
    `Measured ${r.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\`: Chromium ${r.provenance.chromium} (headless), adapter ${a ? `${a.vendor} ${a.architecture} ${a.description}` : 'unknown'}${firefoxAdapter(r)}, ` +
    `Node ${r.provenance.node}, ${r.cpus ?? `${r.provenance.machine.cores} × ${r.provenance.machine.cpu}`}; ${r.res}×${r.res}; median of ${r.args.runs} warm runs per cell (at least ${r.args.minRuns}: a cell stops once its runs took ${Number(r.args.budgetMs) / 1000} s)` +
    `${pages ? `; cold start: median (min–max) of ${pages} fresh pages` : ''}.`,
    provenanceLine(r.provenance),
    roofs ? `Roofs in the same run: ${f(roofs.gflops, 2)} GFLOP/s (${roofs.matmul.kernel}), ${f(roofs.gbs, 2)} GB/s (${roofs.copy.kernel}); a dispatch ${f(roofs.dispatchUs, 1)} µs, a submit ${f(roofs.submitMs, 2)} ms.` : 'Roofs not measured (--skip-kernels).',
  ];
}

const NOTES: [string, string][] = [
  ['¹', '¹ the runtime failed (the error is in models.json).'],
  ['²', '² batch > 1 skipped: one batch-1 run takes over a second.'],
  ['³', '³ its logits did not match PyTorch\'s (max|Δ| > 1e-4·max(1, max|y|), 1e-2·… for f16 weights); its times are not counted.'],
  ['†', '† fewer runs than asked: one run takes seconds.'],
  ['⁴', '⁴ one page: this run predates repeated cold starts, so their spread is not known.'],
  ['⁵', '⁵ a later fresh page failed, so the cold start is over fewer pages (the error is under "Cold-start failures" in models.md).'],
];
/** The footnotes the table uses. */
const footnotes = (table: string[]) => { const used = NOTES.filter(([m]) => table.some((l) => l.includes(m))).map(([, t]) => t); return used.length ? [used.join(' ')] : []; };

/** The README's table: batch-1 medians of every runtime, webvit's ratios, cold start and batch 8. */
export function readmeTable(r: ModelResults): string {
  const rts = [...new Set(r.rows.map((x) => x.runtime))];
  const out: string[] = [];
  out.push(`| model | GFLOP | ${rts.map((x) => `${LABELS[x]} ms`).join(' | ')} | × best ORT WebGPU | % of roof | cold start s: webvit / best ORT WebGPU | webvit batch 8 img/s (× batch 1) |`);
  out.push(`|---|---:|${rts.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
  for (const m of models(r)) {
    const w = counted(r, m, 'webvit'), best = bestOrtWebgpu(r, m), roof = roofMs(r, m), b8 = counted(r, m, 'webvit', 8);
    out.push(`| ${m} | ${f(w?.flops ? w.flops / 1e9 : null, 2)} | ${rts.map((x) => cell(r, m, x)).join(' | ')} | ` +
      `${w && best ? `${f(best.b!.medianMs! / w.medianMs!)}×` : '—'} | ${w && roof ? `${f((100 * roof) / w.medianMs!, 0)}%` : '—'} | ` +
      `${coldCell(row(r, m, 'webvit'))} / ${best ? coldCell(row(r, m, best.rt)) : '—'} | ${b8 && w ? `${f(b8.imagesPerSec, 1)} (${f(b8.imagesPerSec! / w.imagesPerSec!, 2)}×)` : '—'} |`);
  }
  return [...header(r), '', ...out, '', ...footnotes(out), ''].join('\n');
}

const gpuCount = (x: RuntimeRow, b: BatchRow, k: 'dispatches' | 'submits' | 'buffersCreated') => (runtimeOf(x.runtime).webgpu && b.perRun ? String(b.perRun[k]) : '—');

/** bench/results/models.md: the README's table, then the details per model, then the targets. */
/** `name`: the results' file name (models, or the --name of a smaller run). */
export function modelsTable(r: ModelResults, name = 'models'): string {
  const out = [name === 'models' ? '# Model benchmarks' : `# Model benchmarks: ${name}`, '', readmeTable(r), `Every timed run's wall time (\`times\`) and, for webvit, GPU time (\`gpuTimes\`) and every page's cold start (\`coldRuns\`) are in ${name}.json.`, '', '## Details', ''];
  out.push('| model | runtime | batch | median ms | min | p90 | runs | GPU ms | img/s | dispatches | submits | buffers created | pipelines | cold start ms (min–max) | GPU MiB after load / peak | max\\|Δ\\| vs PyTorch |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const x of r.rows) {
    if (x.error) { out.push(`| ${x.model} | ${LABELS[x.runtime]} | | failed: ${x.error.split('\n')[0].replaceAll('|', '\\|').slice(0, 160)} |||||||||||||`); continue; }
    for (const b of x.batches) {
      if (b.skipped) { out.push(`| ${x.model} | ${LABELS[x.runtime]} | ${b.batch} | skipped: ${b.skipped} |||||||||||||`); continue; }
      out.push(`| ${x.model} | ${LABELS[x.runtime]} | ${b.batch} | ${f(b.medianMs)}${b.reduced ? '†' : ''} | ${f(b.minMs)} | ${f(b.p90Ms)} | ${b.runs} | ${f(b.gpuMedianMs)} | ${f(b.imagesPerSec)} | ` +
        `${gpuCount(x, b, 'dispatches')} | ${gpuCount(x, b, 'submits')} | ${gpuCount(x, b, 'buffersCreated')} | ${b.pipelines ?? '—'} | ${b.batch === 1 ? `${f(x.coldMs, 0)}${x.coldRuns && x.coldRuns.length > 1 ? ` (${f(Math.min(...x.coldRuns), 0)}–${f(Math.max(...x.coldRuns), 0)})` : ''}${x.coldError === undefined ? '' : '⁵'}` : ''} | ` +
        `${x.gpuBytes && x.gpuBytes.peak ? `${mib(x.gpuBytes.afterLoad)} / ${mib(x.gpuBytes.peak)}` : '—'} | ${b.maxDiff?.toExponential(1)}${b.logitsOk ? '' : ' (wrong)'} |`);
    }
  }
  out.push('', 'GPU MiB: buffers created and not yet destroyed, counted by wrapping `GPUDevice.createBuffer` in the page (any WebGPU runtime); ' +
    'dispatches and submits: `dispatchWorkgroups` and `queue.submit` calls in one warm run.', '');
  const coldFailed = r.rows.filter((x) => x.coldError !== undefined);
  if (coldFailed.length) {
    out.push('## Cold-start failures', '', 'The first page measured the row; a later fresh page failed, so its cold start (⁵) is over the pages before:', '');
    for (const x of coldFailed) out.push(`- ${x.model}, ${LABELS[x.runtime]}: ${x.coldError!.split('\n')[0].slice(0, 300)}`);
    out.push('');
  }
  out.push(...familyTable(r));
  out.push('## Targets', '', '| target | model | measured | goal | met |', '|---|---|---:|---:|---|');
  for (const t of targets(r)) out.push(`| ${t.what} | ${t.model ?? ''} | ${t.value === null ? '—' : f(t.value, Number.isInteger(t.value) ? 0 : t.value < 10 ? 2 : 1)} | ${t.goal} | ${t.met ? 'yes' : `no: ${t.note}`} |`);
  out.push('');
  return out.join('\n');
}
