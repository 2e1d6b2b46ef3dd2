// Where a whole model's inference time goes, per dispatch: GPU timestamps around every step (one
// compute pass per step), repeated, the median per step kept. Prints ms, GFLOP/s and GB/s per step,
// then totals per kernel key, per shader file and per category; writes bench/results/profile-<model>.json.
//   node --import tsx bench/profile-model.ts efficientvit_m0 [res=224] [batch=1] [--runs=7] [--steps] [--poll]
// Notes and numbers: bench/README-conv.md.
// The checkpoint is the golden case's (made once by the repo's PyTorch scripts, seed 0), so the
// logits are also checked against PyTorch: a fast wrong kernel shows up here.
// WEBVIT_NO_ROBUSTNESS=1 turns Dawn's robustness off (browsers keep it on).
import { mkdirSync, writeFileSync } from 'node:fs';
import { goldenCases, logitsError } from '../test/helpers/golden.ts';
import { Model } from '../src/model.ts';
import { toPadded } from '../src/graph/layout.ts';
import { profileSteps, type StepTime } from '../src/graph/profile.ts';
import type { CompiledGraph } from '../src/graph/executor.ts';
import { benchRuntime } from './kernels-util.ts';

const args = process.argv.slice(2);
const pos = args.filter((a) => !a.startsWith('--'));
const opt = (n: string) => args.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3);
const name = pos[0] ?? 'efficientvit_m0', res = Number(pos[1] ?? 224), batch = Number(pos[2] ?? 1);
const runs = Number(opt('runs') ?? 7);

const rt = await benchRuntime();
const [gc] = goldenCases([`${name}:${res}:${batch}`]);
const model = Model.fromBytes(rt, name, gc.pth);
const t0 = performance.now();
const plan = await model.plan(batch, res, res);
const buildMs = performance.now() - t0;
const { logits } = await model.run(gc.input, batch, res, res);
const err = logitsError(logits, gc.logits);
const input = toPadded(plan.inputs[0], gc.input);

// profileSteps waits with mapAsync, and Dawn's node bindings poll while they wait, taking a core
// from SwiftShader's two workers while the steps run. By default each run therefore first times
// the whole pass on the wall clock (sleeping through it, as bench/kernels-util.ts does), then calls
// profileSteps with the device's queue wrapped so that its submit is followed by a sleep of about
// that long before mapAsync starts polling. --poll calls profileSteps unchanged.
const all: StepTime[][] = [];
const wall: number[] = [];
for (let i = 0; i < runs; i++) {
  wall.push(await wallOnce(plan, wall.length ? Math.min(...wall) : 0));
  all.push(await (args.includes('--poll') ? profileSteps(plan, input) : sleepingProfile(plan, input, 1.2 * Math.min(...wall))));
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const steps = all[0].map((s, i) => ({ ...s, ms: med(all.map((r) => r[i].ms)) }));
const total = steps.reduce((a, s) => a + s.ms, 0);
const flops = steps.reduce((a, s) => a + s.flops, 0);

const fmt = (ms: number, fl: number, by: number) =>
  `${ms.toFixed(3).padStart(8)} ms ${(fl / ms / 1e6).toFixed(2).padStart(6)} GFLOP/s ${(by / ms / 1e6).toFixed(2).padStart(6)} GB/s`;
console.log(`${name} ${res}×${res} batch ${batch}: ${steps.length} dispatches, ${plan.stats.pipelines} pipelines, build ${buildMs.toFixed(0)} ms; ` +
  `logits max|Δ| ${err.maxDiff.toExponential(2)} (${err.maxDiff <= err.tolerance ? 'ok' : 'WRONG'}); robustness ${process.env.WEBVIT_NO_ROBUSTNESS ? 'off' : 'on'}`);
if (args.includes('--steps')) {
  for (const s of steps) console.log(`${s.name.padEnd(34)} ${fmt(s.ms, s.flops, s.bytes)}  ${s.kernel}`);
}
type Group = { key: string; n: number; ms: number; flops: number; bytes: number };
const group = (by: (s: StepTime) => string): Group[] => {
  const m = new Map<string, Group>();
  for (const s of steps) {
    const k = by(s), g = m.get(k) ?? { key: k, n: 0, ms: 0, flops: 0, bytes: 0 };
    g.n++; g.ms += s.ms; g.flops += s.flops; g.bytes += s.bytes; m.set(k, g);
  }
  return [...m.values()].sort((a, b) => b.ms - a.ms);
};
const show = (title: string, gs: Group[]) => {
  console.log(`\n-- per ${title}`);
  for (const g of gs) console.log(`${g.key.padEnd(70)} ${String(g.n).padStart(3)}× ${fmt(g.ms, g.flops, g.bytes)} ${(100 * g.ms / total).toFixed(1).padStart(5)}%`);
};
const byKernel = group((s) => s.kernel), byFile = group((s) => s.kernel.split(':')[0]), byCat = group((s) => s.category);
show('kernel key', byKernel);
show('shader file', byFile);
show('category', byCat);
console.log(`\ntotal (sum of steps, median of ${runs}) ${total.toFixed(2)} ms, ${(flops / total / 1e6).toFixed(2)} GFLOP/s; ` +
  `one-pass wall (best of ${runs}) ${Math.min(...wall).toFixed(2)} ms`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/profile-${name}.json`, import.meta.url), JSON.stringify({
  model: name, res, batch, robustness: !process.env.WEBVIT_NO_ROBUSTNESS, adapter: rt.gpu.adapterInfo, date: new Date().toISOString(),
  buildMs, logitsMaxDiff: err.maxDiff, totalMs: total, wallMs: Math.min(...wall), runs, steps, byKernel, byFile, byCategory: byCat, raw: all.map((r) => r.map((s) => s.ms)),
}, null, 2));
model.destroy();
process.exit(err.maxDiff <= err.tolerance ? 0 : 1);

/** One inference pass (no readback) timed on the wall clock, sleeping through most of the expected time. */
async function wallOnce(c: CompiledGraph, expectMs: number): Promise<number> {
  const d = c.gpu.device;
  const enc = d.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (const s of c.steps) {
    pass.setPipeline(s.kernel.pipeline);
    pass.setBindGroup(0, s.bindGroup);
    pass.dispatchWorkgroups(...s.node.workgroups);
  }
  pass.end();
  const t = performance.now();
  d.queue.submit([enc.finish()]);
  if (expectMs > 2) await new Promise((r) => setTimeout(r, expectMs * 0.85));
  await d.queue.onSubmittedWorkDone();
  return performance.now() - t;
}

/** profileSteps with a sleep between its submit and its mapAsync (its warm-up run() is left as is). */
async function sleepingProfile(c: CompiledGraph, x: Float32Array, sleepMs: number): Promise<StepTime[]> {
  const q = c.gpu.device.queue;
  const submit = q.submit.bind(q);
  let submitted: Promise<void> | null = null;
  let calls = 0;
  // The first submit is profileSteps' warm-up run (which waits by mapAsync itself); the second is the profiled pass.
  (q as { submit: GPUQueue['submit'] }).submit = (bufs) => {
    submit(bufs);
    if (++calls === 2) submitted = new Promise((r) => setTimeout(r, sleepMs));
  };
  const mapAsync = GPUBuffer.prototype.mapAsync;
  GPUBuffer.prototype.mapAsync = async function (this: GPUBuffer, ...a: Parameters<GPUBuffer['mapAsync']>) {
    if (submitted) { await submitted; submitted = null; }
    return mapAsync.apply(this, a);
  };
  try {
    return await profileSteps(c, x);
  } finally {
    delete (q as { submit?: unknown }).submit;
    GPUBuffer.prototype.mapAsync = mapAsync;
  }
}
