// The adapter's two roofs for the roofline verdicts, measured by micro-benchmarks on this device:
// peak GFLOP/s from the best of webvit's matmul kernels (pointwise.wgsl's 16×16 register tiles and
// matmul.wgsl's strided 8×8) on a large square-ish product, and peak GB/s from copy.wgsl's `stream`
// entry (contiguous vec4, no indexing) on a 16 MiB buffer. Each is dispatched repeatedly in one pass
// until the pass takes ≥ 20 ms, timed like the profile, best of a few passes. Beside the roofs, the
// fixed costs a schedule pays per dispatch (one workgroup of `stream`, repeated in a pass) and per
// submit (an empty command buffer, submitted and awaited: wall clock). Cached per adapter.
import type { Runtime } from '../runtime.ts';
import { GraphBuilder } from '../graph/builder.ts';
import { viewOf } from '../graph/ir.ts';
import type { Step } from '../graph/executor.ts';
import { pointwise } from '../ops/pointwise.ts';
import { matmul } from '../ops/matmul.ts';
import { grid1d } from '../ops/common.ts';
import { stepTimer, type TimingMethod } from './timing.ts';
import { median } from '../util/median.ts';

export interface Roofs {
  /** best matmul rate, GFLOP/s */
  gflops: number;
  /** copy rate (bytes read + written), GB/s */
  gbs: number;
  /** ridge point: arithmetic intensity (FLOP/byte) where the two roofs meet */
  ridge: number;
  /** the kernel and shape that gave `gflops`, and every candidate's rate */
  matmul: { kernel: string; shape: string; candidates: Record<string, number> };
  copy: { kernel: string; bytes: number };
  /** GPU µs of a dispatch that does almost nothing (one workgroup copying 1 KiB), inside a pass */
  dispatchUs: number;
  /** wall ms of submitting an empty command buffer and awaiting the queue (median) */
  submitMs: number;
  method: TimingMethod;
  measuredAt: string;
}

/** A cached value that can serve as roofs (anything else is measured again). */
export const validRoofs = (r: unknown): r is Roofs =>
  typeof r === 'object' && r !== null && [(r as Roofs).gflops, (r as Roofs).gbs, (r as Roofs).dispatchUs, (r as Roofs).submitMs].every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v));

/** Where roofs are kept between runs (a file in Node, localStorage in a page). */
export interface RoofCache { load(key: string): Roofs | null; save(key: string, roofs: Roofs): void }

/** One cache entry per adapter and platform (a driver or browser update may change the roofs). */
function adapterKey(rt: Runtime, platform: string): string {
  const a = rt.gpu.adapterInfo;
  return [a.vendor, a.architecture, a.device, a.description, platform].join('|');
}

const TARGET_MS = 20, MAX_REPEATS = 4096, PASSES = 5;

/** Measured roofs, or the cached ones for this adapter unless `refresh`. */
export async function adapterRoofs(rt: Runtime, opts: { cache?: RoofCache; platform: string; refresh?: boolean }): Promise<Roofs & { cached: boolean }> {
  const key = adapterKey(rt, opts.platform);
  const hit = opts.refresh ? null : opts.cache?.load(key);
  if (hit) return { ...hit, cached: true };
  const roofs = await measureRoofs(rt);
  opts.cache?.save(key, roofs);
  return { ...roofs, cached: false };
}

async function measureRoofs(rt: Runtime): Promise<Roofs> {
  const K = 256, M = 256, side = 64, P = side * side;
  const candidates: Record<string, number> = {};
  for (const [label, build] of [
    ['pointwise.wgsl 16×16 tiles', (g: GraphBuilder) => pointwise(g, 'mm', g.input('x', [1, K, side, side]), filled(M * K), filled(M), M)],
    ['matmul.wgsl 8×8 tiles', (g: GraphBuilder) => {
      const x = g.input('x', [1, K, side, side]);
      return matmul(g, 'mm', { weight: g.weight('w', filled(M * K)), offset: 0, shape: [M, K], strides: [K, 1] },
        { ...viewOf(x), shape: [K, P], strides: [x.planeStride, 1] }).tensor;
    }],
  ] as const) {
    candidates[label] = (2 * M * K * P) / (await bestPassMs(rt, build)) / 1e6;
  }
  const [kernel, gflops] = Object.entries(candidates).sort((a, b) => b[1] - a[1])[0];
  const floats = 4 << 20; // 16 MiB
  const gbs = (8 * floats) / (await bestPassMs(rt, (g) => stream(g, floats))) / 1e6;
  const dispatchUs = 1000 * (await bestPassMs(rt, (g) => stream(g, 256)));
  return {
    gflops, gbs, ridge: gflops / gbs,
    matmul: { kernel, shape: `${M}×${K} · ${K}×${P}`, candidates },
    copy: { kernel: 'copy.wgsl:stream (vec4)', bytes: 8 * floats },
    dispatchUs, submitMs: await submitMs(rt),
    method: rt.gpu.hasTimestamps ? 'timestamp-per-pass' : 'wall-clock', // how bestPassMs' whole() times a pass
    measuredAt: new Date().toISOString(),
  };
}

/** copy.wgsl's `stream` entry over `floats` floats (a multiple of 16). */
function stream(g: GraphBuilder, floats: number) {
  const x = g.input('x', [1, floats]), y = g.tensor('y', [1, floats]);
  const count = floats / 16, WG = g.tuning.perItem.wg; // invocations: 4 vec4 each
  g.node({
    name: 'stream', kernel: { file: 'copy.wgsl', entry: 'stream', overrides: { WG } },
    bind: { xv: { tensor: x }, yv: { tensor: y } },
    params: zeroCopyParams({ n5: floats / 4, count }), workgroups: grid1d(count, WG),
    flops: 0, bytesRead: 4 * floats, bytesWritten: 4 * floats,
    // Four vec4 per invocation.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 16, serialFmas: 16 },
  });
  return y;
}

/** Median wall ms of submitting an empty command buffer and awaiting the queue. */
async function submitMs(rt: Runtime): Promise<number> {
  const d = rt.gpu.device, t: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    d.queue.submit([d.createCommandEncoder({ label: 'submit cost' }).finish()]);
    await d.queue.onSubmittedWorkDone();
    t.push(performance.now() - t0);
  }
  return median(t);
}

/** ms per repetition of the graph's dispatches: repeated in one pass to ≥ TARGET_MS, best of PASSES passes. */
async function bestPassMs(rt: Runtime, build: (g: GraphBuilder) => ReturnType<GraphBuilder['tensor']>): Promise<number> {
  const g = new GraphBuilder(undefined, rt.tuning);
  g.output = build(g);
  const plan = await rt.compile(g, 'roofs');
  try {
    await plan.run(...g.inputs.map((t) => filled(t.size)));
    const timer = stepTimer(rt.gpu);
    const once = await timer.whole(plan.steps);
    const reps = Math.max(1, Math.min(MAX_REPEATS, Math.ceil(TARGET_MS / Math.max(once, 1e-3))));
    const steps: Step[] = Array.from({ length: reps }, () => plan.steps).flat();
    let best = Infinity;
    for (let i = 0; i < PASSES; i++) best = Math.min(best, (await timer.whole(steps)) / reps);
    return best;
  } finally {
    plan.destroy();
  }
}

const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);

/** copy.wgsl's params struct with only the stream entry's fields set. */
function zeroCopyParams(p: { n5: number; count: number }): Record<string, number> {
  const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'q5', 'l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'xo', 'xs0', 'xs1', 'xs2', 'xs3', 'xs4', 'xs5', 'yo', 'ys0', 'ys1', 'ys2', 'ys3', 'ys4', 'ys5'];
  return { ...Object.fromEntries(names.map((n) => [n, 0])), ...p };
}
