// Whole-model benchmark in headless Chromium (what a browser user gets; robustness on): for each
// model (EfficientViT M0–M5, EdgeViT XXS/XS/S) at 224×224, batch 1, the demo page builds the plan, runs 2 warm-ups, then
// times RUNS inferences (wall: upload + one submit + readback) and RUNS compute passes with GPU
// timestamps (--enable-webgpu-developer-features, so unquantised). GFLOP/s = Σ node.flops / time.
// Writes bench/results/models-chromium.json. Usage:
//   node --import tsx bench/models-chromium.ts [efficientvit_m0 ...]   (env RUNS, default 7)
import { mkdirSync, writeFileSync } from 'node:fs';
import { openDemo, runInPage } from '../test/helpers/chromium.ts';
import { goldenCases, logitsError } from '../test/helpers/golden.ts';

const ALL = ['efficientvit_m0', 'efficientvit_m1', 'efficientvit_m2', 'efficientvit_m3', 'efficientvit_m4', 'efficientvit_m5', 'edgevit_xxs', 'edgevit_xs', 'edgevit_s'];
const models = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
const RES = 224, BATCH = 1, WARMUP = 2, RUNS = Math.max(5, Number(process.env.RUNS ?? 7));

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const min = (xs: number[]) => Math.min(...xs);

const cases = goldenCases(models.map((m) => `${m}:${RES}:${BATCH}`));
const demo = await openDemo({ profiling: true });
const rows = [];
try {
  for (const c of cases) {
    process.stderr.write(`${c.model}: building plan and running… `);
    const r = await runInPage(demo, c.model, c.pth, c.input, c.batch, c.height, { warmup: WARMUP, runs: RUNS, gpuRuns: RUNS });
    const { maxDiff, tolerance } = logitsError(Float32Array.from(r.logits), c.logits);
    const row = {
      model: c.model, res: c.height, batch: c.batch,
      gflop: r.flops / 1e9,
      buildMs: r.buildMs,
      wallMedianMs: median(r.times), wallMinMs: min(r.times),
      gpuMedianMs: r.gpuTimes.length ? median(r.gpuTimes) : null, gpuMinMs: r.gpuTimes.length ? min(r.gpuTimes) : null,
      gflopsWall: r.flops / median(r.times) / 1e6,
      gflopsGpu: r.gpuTimes.length ? r.flops / median(r.gpuTimes) / 1e6 : null,
      dispatches: r.stats.dispatches, buffers: r.stats.buffers, pipelines: r.stats.pipelines,
      maxDiff, matchesPyTorch: maxDiff <= tolerance,
      wallMs: r.times, gpuMs: r.gpuTimes,
      adapter: r.adapter,
    };
    rows.push(row);
    process.stderr.write(`${row.wallMedianMs.toFixed(1)} ms\n`);
  }
} finally {
  await demo.close();
}

const fmt = (v: number | null, d = 1) => (v === null ? '—' : v.toFixed(d));
console.log(`\nModels in headless Chromium (${rows[0]?.adapter.vendor}/${rows[0]?.adapter.architecture}), ${RES}×${RES}, batch ${BATCH}; ${WARMUP} warm-ups, ${RUNS} timed runs\n`);
console.log('| model | GFLOP | wall median ms | wall min ms | GPU median ms | GPU min ms | GFLOP/s (wall) | GFLOP/s (GPU) | dispatches | build s | matches PyTorch |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${fmt(r.gflop, 3)} | ${fmt(r.wallMedianMs)} | ${fmt(r.wallMinMs)} | ${fmt(r.gpuMedianMs)} | ${fmt(r.gpuMinMs)} | ` +
    `${fmt(r.gflopsWall, 2)} | ${fmt(r.gflopsGpu, 2)} | ${r.dispatches} | ${fmt(r.buildMs / 1000)} | ${r.matchesPyTorch ? 'yes' : `NO (max|Δ| ${r.maxDiff.toExponential(2)})`} |`);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/models-chromium.json', import.meta.url);
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), res: RES, batch: BATCH, warmup: WARMUP, runs: RUNS, rows }, null, 2) + '\n');
console.log(`\nwrote ${out.pathname}`);
