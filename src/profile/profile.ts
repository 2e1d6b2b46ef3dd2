// The profiler: times every dispatch of a model's schedules on the running adapter, and turns the
// times, the graph's FLOP and byte counts and the adapter's roofs into per-dispatch records with a
// roofline verdict, per-category (the EfficientViT paper's Figure 2) and per-layer aggregates, and a
// fused-vs-unfused comparison by layer. The JSON schema and the counting rules are in src/profile/README.md.
import type { Model } from '../model.ts';
import type { OutputRequest } from '../models/backbone.ts';
import type { CompiledGraph } from '../graph/executor.ts';
import { toPadded } from '../graph/layout.ts';
import { CATEGORIES, type Category } from '../graph/ir.ts';
import type { ScheduleName } from '../schedule/index.ts';
import { stepTimer, type TimingMethod } from './timing.ts';
import type { Roofs } from './roofs.ts';
import { median } from '../util/median.ts';
import type { KernelFamily } from '../tuning.ts';
import { invocationsOf, type Projection } from './project.ts';

const SCHEMA = 'webvit-profile/1';
/** How far the per-dispatch sum may be from the whole-pass time before the profile says so. */
export const AGREEMENT_TOLERANCE = 0.15;

export interface DispatchRecord {
  index: number;
  name: string;
  module: string;
  layer: string;
  kernel: string;       // file:entry
  pipeline: string;     // the pipeline key (file, entry, overrides)
  ops: string[];
  category: Category;
  /** the activations bound (binding name → logical shape) and the grid: the shape this dispatch ran at */
  tensors: Record<string, number[]>;
  workgroups: [number, number, number];
  /** the parallelism model (src/profile/README.md): invocations in all, per workgroup, workgroup memory bytes, live floats per invocation, the longest FMA chain of one invocation */
  invocations: number;
  workgroupSize: number;
  workgroupMemory: number;
  accumulators: number;
  serialFmas: number;
  flops: number;
  bytesRead: number;
  bytesWritten: number;
  ms: number;           // median over the runs
  msMin: number;
  msMax: number;
  gflops: number;       // achieved
  gbs: number;          // achieved, bytes read + written
  intensity: number;    // FLOP per byte
  bound: 'memory' | 'compute';
  attainableGflops: number; // the roofline at this intensity
  roofFraction: number;     // achieved / attainable
}

export interface Aggregate {
  key: string;
  dispatches: number;
  ms: number;
  share: number;
  flops: number;
  bytes: number;
  memoryBoundMs: number;
  /** most of the time goes to memory-bound dispatches */
  memoryBound: boolean;
}

export interface ScheduleProfile {
  schedule: ScheduleName;
  dispatches: number;
  pipelines: number;
  /** median GPU ms of the whole inference in one pass */
  wholeMs: number;
  /** Σ of the per-dispatch medians */
  sumMs: number;
  /** sumMs / wholeMs (null when the whole pass measured 0 ms) */
  agreement: number | null;
  withinTolerance: boolean;
  flops: number;
  records: DispatchRecord[];
  categories: Aggregate[];
  layers: Aggregate[];
  kernels: Aggregate[];
}

/** Fused against unfused: Σ of dispatch medians (`*Ms`) and whole-pass medians (`*WholeMs`), overall and per layer (Σ). */
export interface LayerComparison { layer: string; fusedMs: number; unfusedMs: number; fusedDispatches: number; unfusedDispatches: number }

export interface ProfileReport {
  schema: typeof SCHEMA;
  model: string;
  /** `outputs`: backbone mode's request, when the graph profiled returns features instead of logits */
  input: { batch: number; height: number; width: number; outputs?: OutputRequest };
  weights: string;
  /** the kernel family that ran (src/tuning.ts Tuning.kernels) */
  kernels: KernelFamily;
  adapter: { vendor: string; architecture: string; device: string; description: string; fallback: boolean };
  platform: string;
  timing: { method: TimingMethod; runs: number; quantumNs: number | null; reversedStamps: number; tolerance: number };
  roofs: Roofs & { cached: boolean };
  schedules: Partial<Record<ScheduleName, ScheduleProfile>>;
  /** `webvit profile --project <gpu>`: every dispatch of both kernel families and the profiled schedules projected onto a named GPU (project.ts) */
  projection?: Projection;
  /** present when both schedules were profiled */
  comparison?: { fusedMs: number; unfusedMs: number; removedShare: number; fusedWholeMs: number; unfusedWholeMs: number; removedWholeShare: number; layers: LayerComparison[] };
}

export interface ProfileOptions {
  batch: number; height: number; width: number;
  schedules: ScheduleName[];
  /** timed runs per schedule (medians are taken); default 7 */
  runs?: number;
  method?: TimingMethod;
  roofs: Roofs & { cached: boolean };
  /** what the weights are, for the report (e.g. a file name, or "random (seed 0)") */
  weights: string;
  platform: string;
  /** the input, float32 NCHW; default a fixed pseudo-random one (timing does not depend on it) */
  input?: Float32Array;
  /** backbone mode: profile the graph that returns these stages (and the embedding) instead of the logits */
  outputs?: OutputRequest;
  onProgress?: (message: string) => void;
}


export async function profileModel(model: Model, opts: ProfileOptions): Promise<ProfileReport> {
  const { batch, height, width } = opts;
  const runs = opts.runs ?? 7;
  if (!(runs >= 1)) throw new Error(`runs must be ≥ 1, got ${runs}`);
  const gpu = model.runtime.gpu;
  const timer = stepTimer(gpu, opts.method);
  const input = opts.input ?? Float32Array.from({ length: batch * 3 * height * width }, (_, i) => Math.sin(i * 0.37));
  const schedules: ProfileReport['schedules'] = {};
  for (const schedule of opts.schedules) {
    opts.onProgress?.(`${schedule}: compiling`);
    const plan = await model.plan(batch, height, width, schedule, undefined, opts.outputs);
    await plan.run(toPadded(plan.inputs[0], input)); // uploads the input
    // An untimed round first: caches warm, and the timer learns how long to wait before polling.
    await timer.whole(plan.steps);
    await timer.perDispatch(plan.steps);
    const per: number[][] = [], whole: number[] = [];
    for (let r = 0; r < runs; r++) {
      opts.onProgress?.(`${schedule}: run ${r + 1}/${runs}`);
      whole.push(await timer.whole(plan.steps));
      per.push(await timer.perDispatch(plan.steps));
    }
    schedules[schedule] = scheduleProfile(schedule, plan, per, median(whole), opts.roofs);
    // Only the fused plan serves inference: the others are freed once timed (a page keeps its model).
    if (schedule !== 'fused') model.release(batch, height, width, schedule);
  }
  const { fused, unfused } = schedules;
  return {
    schema: SCHEMA,
    model: model.info.name,
    input: { batch, height, width, ...(opts.outputs ? { outputs: opts.outputs } : {}) },
    weights: opts.weights,
    kernels: model.tuning.kernels,
    adapter: { ...gpu.adapterInfo, fallback: gpu.isFallback },
    platform: opts.platform,
    timing: { method: timer.method, runs, quantumNs: timer.quantumNs(), reversedStamps: timer.reversedStamps(), tolerance: AGREEMENT_TOLERANCE },
    roofs: opts.roofs,
    schedules,
    comparison: fused && unfused ? compare(fused, unfused) : undefined,
  };
}

/** Σ of the per-dispatch medians against the whole pass's median: their ratio and whether it is within ±AGREEMENT_TOLERANCE. */
export function agreement(sumMs: number, wholeMs: number): Pick<ScheduleProfile, 'agreement' | 'withinTolerance'> {
  return wholeMs > 0 ? { agreement: sumMs / wholeMs, withinTolerance: Math.abs(sumMs / wholeMs - 1) <= AGREEMENT_TOLERANCE } : { agreement: null, withinTolerance: false };
}

/** One schedule's profile from its timings: `per[run][dispatch]` ms and the whole pass's median ms (exported for tests with made-up timings). */
export function scheduleProfile(schedule: ScheduleName, plan: Pick<CompiledGraph, 'steps' | 'stats'>, per: number[][], wholeMs: number, roofs: Roofs): ScheduleProfile {
  const records = plan.steps.map((s, i): DispatchRecord => {
    const t = per.map((r) => r[i]);
    const ms = median(t), n = s.node;
    const bytes = n.bytesRead + n.bytesWritten;
    const intensity = n.flops / bytes;
    const attainable = Math.min(roofs.gflops, intensity * roofs.gbs);
    const gflops = ms > 0 ? n.flops / ms / 1e6 : 0;
    return {
      index: i, name: n.name, module: n.module, layer: n.layer,
      kernel: `${n.kernel.file}:${n.kernel.entry}`, pipeline: s.kernel.key, ops: n.ops, category: n.category,
      tensors: Object.fromEntries(Object.entries(n.bind).flatMap(([k, b]) => ('tensor' in b ? [[k, b.tensor.shape]] : []))),
      workgroups: n.workgroups,
      invocations: invocationsOf(n), ...n.parallelism,
      flops: n.flops, bytesRead: n.bytesRead, bytesWritten: n.bytesWritten,
      ms, msMin: Math.min(...t), msMax: Math.max(...t),
      gflops, gbs: ms > 0 ? bytes / ms / 1e6 : 0, intensity,
      bound: intensity < roofs.ridge ? 'memory' : 'compute',
      attainableGflops: attainable,
      // A dispatch with no FLOPs (a copy) is measured against the copy roof instead.
      roofFraction: n.flops > 0 ? gflops / attainable : ms > 0 ? bytes / ms / 1e6 / roofs.gbs : 0,
    };
  });
  const sumMs = records.reduce((a, r) => a + r.ms, 0);
  return {
    schedule, dispatches: records.length, pipelines: plan.stats.pipelines,
    wholeMs, sumMs, ...agreement(sumMs, wholeMs),
    flops: records.reduce((a, r) => a + r.flops, 0),
    records,
    categories: aggregate(records, (r) => r.category, sumMs, CATEGORIES),
    layers: aggregate(records, (r) => r.layer, sumMs),
    kernels: aggregate(records, (r) => r.kernel, sumMs),
  };
}

/** Sums per key, in first-seen order (or `order`, including keys with no dispatches). */
function aggregate(records: DispatchRecord[], key: (r: DispatchRecord) => string, total: number, order?: readonly string[]): Aggregate[] {
  const m = new Map<string, Aggregate>((order ?? []).map((k) => [k, { key: k, dispatches: 0, ms: 0, share: 0, flops: 0, bytes: 0, memoryBoundMs: 0, memoryBound: false }]));
  for (const r of records) {
    const k = key(r);
    const a = m.get(k) ?? { key: k, dispatches: 0, ms: 0, share: 0, flops: 0, bytes: 0, memoryBoundMs: 0, memoryBound: false };
    a.dispatches++; a.ms += r.ms; a.flops += r.flops; a.bytes += r.bytesRead + r.bytesWritten;
    if (r.bound === 'memory') a.memoryBoundMs += r.ms;
    m.set(k, a);
  }
  return [...m.values()].map((a) => ({ ...a, share: total > 0 ? a.ms / total : 0, memoryBound: a.dispatches > 0 && a.memoryBoundMs > a.ms / 2 }));
}

function compare(fused: ScheduleProfile, unfused: ScheduleProfile): NonNullable<ProfileReport['comparison']> {
  const u = new Map(unfused.layers.map((l) => [l.key, l]));
  return {
    fusedMs: fused.sumMs, unfusedMs: unfused.sumMs, removedShare: 1 - fused.sumMs / unfused.sumMs,
    fusedWholeMs: fused.wholeMs, unfusedWholeMs: unfused.wholeMs, removedWholeShare: 1 - fused.wholeMs / unfused.wholeMs,
    layers: fused.layers.map((f) => ({ layer: f.key, fusedMs: f.ms, unfusedMs: u.get(f.key)?.ms ?? 0, fusedDispatches: f.dispatches, unfusedDispatches: u.get(f.key)?.dispatches ?? 0 })),
  };
}
