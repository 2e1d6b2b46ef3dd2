// pointwise.wgsl (1×1 conv) in headless Chromium, i.e. what a browser user gets (robustness on, Chrome's
// own WebGPU; SwiftShader on machines without a GPU). The demo page builds graphs of chained pointwise
// ops (window.webvit.benchPointwise in index.html), warms them up, then times RUNS rounds interleaved
// over the shapes: one compute pass of many dispatches per round, timed with GPU timestamp queries at
// the pass ends (Chromium started with --enable-webgpu-developer-features, so unquantised) and with
// wall clock (submit → onSubmittedWorkDone). Reports ms per dispatch and GFLOP/s per shape (median
// and best round) and the best GFLOP/s, the "roof" used by bench/README-chromium.md.
// Writes bench/results/kernels-chromium.json. Usage:
//   node --import tsx bench/kernels-chromium.ts [--filter=TEXT]   (env RUNS, default 7; MIN_MS, default 200; CHAIN, default 4)
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { openDemo } from '../test/helpers/chromium.ts';

// B, K, M, H, W
const SHAPES: [number, number, number, number, number][] = [
  [1, 1024, 1024, 32, 32], // square 1024³ (K = M = 1024, 1024 pixels)
  [1, 192, 384, 14, 14], // ViT MLP fc1
  [1, 384, 192, 14, 14], // ViT MLP fc2
  [1, 384, 768, 4, 4], // ViT MLP fc1, last stage
  [1, 64, 128, 14, 14], // EfficientViT stage 1 FFN
  [1, 128, 256, 7, 7], // EfficientViT stage 2 FFN
];
const RUNS = Math.max(3, Number(process.env.RUNS ?? 7));
const MIN_MS = Number(process.env.MIN_MS ?? 200);
const CHAIN = Math.max(1, Number(process.env.CHAIN ?? 4));
const filter = process.argv.slice(2).find((a) => a.startsWith('--filter='))?.slice(9);

const label = ([b, k, m, h, w]: number[]) => `B${b} ${k}→${m} ${h}×${w}`;
const shapes = SHAPES.filter((s) => !filter || label(s).includes(filter));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

interface PageRow { b: number; k: number; m: number; h: number; w: number; chain: number; flopsPerDispatch: number; dispatchesPerPass: number; compileMs: number; workgroups: number[]; gpuMs: number[]; wallMs: number[] }
interface PageResult { adapter: { vendor: string; architecture: string }; timestamps: boolean; userAgent: string; minMs: number; runs: number; rows: PageRow[] }

const loadBefore = loadavg();
const demo = await openDemo({ profiling: true });
let res: PageResult, chromiumVersion: string;
try {
  chromiumVersion = demo.browser.version();
  process.stderr.write(`Chromium ${chromiumVersion}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; ${shapes.length} shapes, compiling and running…\n`);
  res = await demo.page.evaluate(
    ([s, runs, minMs]) => (window as any).webvit.benchPointwise(s, runs, { minMs }),
    [shapes.map(([b, k, m, h, w]) => ({ b, k, m, h, w, chain: CHAIN })), RUNS, MIN_MS] as const,
  );
} finally {
  await demo.close();
}
const loadAfter = loadavg();

const rows = res.rows.map((r) => {
  const f = r.flopsPerDispatch;
  const gpuMedianMs = r.gpuMs.length ? median(r.gpuMs) : null, gpuMinMs = r.gpuMs.length ? Math.min(...r.gpuMs) : null;
  const wallMedianMs = median(r.wallMs), wallMinMs = Math.min(...r.wallMs);
  return {
    shape: label([r.b, r.k, r.m, r.h, r.w]), ...r,
    gpuMedianMs, gpuMinMs, wallMedianMs, wallMinMs,
    gflopsGpuMedian: gpuMedianMs && f / gpuMedianMs / 1e6, gflopsGpuBest: gpuMinMs && f / gpuMinMs / 1e6,
    gflopsWallMedian: f / wallMedianMs / 1e6, gflopsWallBest: f / wallMinMs / 1e6,
  };
});
const bestGpu = rows.reduce((b, r) => (r.gflopsGpuBest !== null && r.gflopsGpuBest > (b?.gflopsGpuBest ?? -1) ? r : b), null as (typeof rows)[number] | null);
const bestWall = rows.reduce((b, r) => (r.gflopsWallBest > b.gflopsWallBest ? r : b), rows[0]);

const fmt = (v: number | null, d = 2) => (v === null ? '—' : v.toFixed(d));
console.log(`\npointwise.wgsl in headless Chromium ${chromiumVersion} (${res.adapter.vendor}/${res.adapter.architecture}), robustness on; ` +
  `${RUNS} rounds, each one pass of ≥ ${MIN_MS} ms; ms per dispatch; load average ${loadBefore[0].toFixed(2)} → ${loadAfter[0].toFixed(2)}\n`);
console.log('| B, K→M, H×W | MFLOP | dispatches/pass | GPU median ms | GPU min ms | wall median ms | GFLOP/s GPU median | GFLOP/s GPU best | GFLOP/s wall median | GFLOP/s wall best | compile ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.shape} | ${(r.flopsPerDispatch / 1e6).toFixed(1)} | ${r.dispatchesPerPass} | ${fmt(r.gpuMedianMs, 3)} | ${fmt(r.gpuMinMs, 3)} | ${fmt(r.wallMedianMs, 3)} | ` +
    `${fmt(r.gflopsGpuMedian)} | ${fmt(r.gflopsGpuBest)} | ${fmt(r.gflopsWallMedian)} | ${fmt(r.gflopsWallBest)} | ${r.compileMs.toFixed(0)} |`);
}
console.log(`\nbest: ${fmt(bestGpu?.gflopsGpuBest ?? null)} GFLOP/s GPU (${bestGpu?.shape ?? '—'}), ${fmt(bestWall.gflopsWallBest)} GFLOP/s wall (${bestWall.shape})`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/kernels-chromium.json', import.meta.url);
writeFileSync(out, JSON.stringify({
  date: new Date().toISOString(), chromium: chromiumVersion, userAgent: res.userAgent, adapter: res.adapter, timestamps: res.timestamps,
  loadavgBefore: loadBefore, loadavgAfter: loadAfter, runs: RUNS, minMs: MIN_MS, chain: CHAIN,
  bestGflopsGpu: bestGpu?.gflopsGpuBest ?? null, bestGflopsGpuShape: bestGpu?.shape ?? null,
  bestGflopsWall: bestWall.gflopsWallBest, bestGflopsWallShape: bestWall.shape,
  rows,
}, null, 2) + '\n');
console.log(`wrote ${out.pathname}`);
