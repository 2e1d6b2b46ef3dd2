// The parallelism model: a dispatch projected onto a named GPU from public figures (FP32 peak,
// bandwidth, lanes, clock) and its kernel variant's shape (invocations, the longest FMA chain one
// invocation runs). No GPU is needed: the graph's nodes carry everything (src/graph/ir.ts
// Parallelism, filled in by each op builder). The formula and its limits: src/profile/README.md.
import type { Category, Node } from '../graph/ir.ts';
import { CATEGORIES } from '../graph/ir.ts';
import { DEFAULT_LIMITS, KERNEL_FAMILIES, gpuTuning, type KernelFamily } from '../tuning.ts';
import type { ScheduleName } from '../schedule/index.ts';
import type { OutputRequest } from '../models/backbone.ts';
import type { Model } from '../model.ts';
import { median } from '../util/median.ts';

/** A GPU as its public data sheet gives it, plus a per-dispatch cost (an assumption: see `source`). */
export interface GpuSpec {
  key: string;
  name: string;
  /** FP32 peak, GFLOP/s (a multiply-add counts 2) */
  gflops: number;
  /** memory bandwidth, GB/s */
  gbs: number;
  /** FP32 lanes (CUDA cores, ALUs): how many invocations run an FMA in the same cycle */
  lanes: number;
  /** boost clock, GHz */
  clockGhz: number;
  /** GPU µs one dispatch costs beyond its work (launch, barrier, drain): assumed, not a data-sheet figure */
  dispatchUs: number;
  /** where the figures come from */
  source: string;
}

const NVIDIA_DISPATCH = 'per-dispatch 2 µs assumed (back-to-back dispatches in one pass with barriers between)';
const INTEGRATED_DISPATCH = 'per-dispatch 4 µs assumed (integrated GPU)';

/** The GPUs `--project` knows; peak = 2 · lanes · clock for each (checked by the tests). */
export const GPUS: Record<string, GpuSpec> = {
  v100: { key: 'v100', name: 'NVIDIA Tesla V100 SXM2 (the EfficientViT paper\'s GPU)', gflops: 15_667, gbs: 900, lanes: 5120, clockGhz: 1.53, dispatchUs: 2, source: `NVIDIA V100 data sheet: 15.7 TFLOPS FP32, 900 GB/s HBM2, 5120 CUDA cores, 1530 MHz boost; ${NVIDIA_DISPATCH}` },
  rtx3090: { key: 'rtx3090', name: 'NVIDIA GeForce RTX 3090', gflops: 35_581, gbs: 936, lanes: 10496, clockGhz: 1.695, dispatchUs: 2, source: `NVIDIA Ampere GA102 white paper: 35.6 TFLOPS FP32, 936 GB/s GDDR6X, 10496 CUDA cores, 1695 MHz boost; ${NVIDIA_DISPATCH}` },
  rtx4090: { key: 'rtx4090', name: 'NVIDIA GeForce RTX 4090', gflops: 82_575, gbs: 1008, lanes: 16384, clockGhz: 2.52, dispatchUs: 2, source: `NVIDIA Ada AD102 white paper: 82.6 TFLOPS FP32, 1008 GB/s GDDR6X, 16384 CUDA cores, 2520 MHz boost; ${NVIDIA_DISPATCH}` },
  h100: { key: 'h100', name: 'NVIDIA H100 SXM5', gflops: 66_908, gbs: 3350, lanes: 16896, clockGhz: 1.98, dispatchUs: 2, source: `NVIDIA H100 data sheet: 67 TFLOPS FP32, 3.35 TB/s HBM3, 16896 CUDA cores, 1980 MHz boost; ${NVIDIA_DISPATCH}` },
  m2: { key: 'm2', name: 'Apple M2 (10-core GPU)', gflops: 3_579, gbs: 100, lanes: 1280, clockGhz: 1.398, dispatchUs: 4, source: `Apple M2: 3.6 TFLOPS, 100 GB/s unified memory, 10 cores × 128 ALUs, 1398 MHz; ${INTEGRATED_DISPATCH}` },
  'iris-xe': { key: 'iris-xe', name: 'Intel Iris Xe (96 EU, Tiger Lake)', gflops: 2_074, gbs: 68.3, lanes: 768, clockGhz: 1.35, dispatchUs: 4, source: `Intel Iris Xe G7: 96 EUs × 8 FP32 lanes, 1350 MHz (2.07 TFLOPS), LPDDR4x-4266 dual channel 68.3 GB/s; ${INTEGRATED_DISPATCH}` },
};

/** What projection needs of a node (a graph's, or a profile record's). */
export type Projectable = Pick<Node, 'flops' | 'bytesRead' | 'bytesWritten' | 'workgroups' | 'parallelism'>;

/** Which bound sets a dispatch's projected time. */
export type Limit = 'compute' | 'memory' | 'serial';

export interface ProjectedDispatch {
  /** projected GPU ms: max(compute, memory, serial) + the dispatch cost */
  ms: number;
  computeMs: number;
  memoryMs: number;
  /** the longest FMA chain, times the waves of invocations the lanes run */
  serialMs: number;
  limit: Limit;
  invocations: number;
  /** invocations per lane (≥ 1: a dispatch of fewer invocations than lanes leaves lanes idle) */
  waves: number;
  /** the share of the GPU's lanes the dispatch occupies (invocations / lanes, at most 1) */
  fill: number;
}

export const invocationsOf = (n: Pick<Node, 'workgroups' | 'parallelism'>) => n.workgroups[0] * n.workgroups[1] * n.workgroups[2] * n.parallelism.workgroupSize;

/**
 * compute = flops / peak; memory = bytes / bandwidth; serial = serialFmas · max(1, invocations / lanes) / clock
 * (an invocation runs its chain at one FMA per cycle, and the lanes run the invocations in waves);
 * projected = max of the three + dispatchUs.
 */
export function projectDispatch(n: Projectable, gpu: GpuSpec): ProjectedDispatch {
  const invocations = invocationsOf(n);
  const waves = Math.max(1, invocations / gpu.lanes);
  const computeMs = n.flops / gpu.gflops / 1e6;
  const memoryMs = (n.bytesRead + n.bytesWritten) / gpu.gbs / 1e6;
  const serialMs = (n.parallelism.serialFmas * waves) / gpu.clockGhz / 1e6;
  const top = Math.max(computeMs, memoryMs, serialMs);
  const limit: Limit = top === serialMs && serialMs > Math.max(computeMs, memoryMs) ? 'serial' : computeMs >= memoryMs ? 'compute' : 'memory';
  return { ms: top + gpu.dispatchUs / 1e3, computeMs, memoryMs, serialMs, limit, invocations, waves, fill: Math.min(1, invocations / gpu.lanes) };
}

export interface ProjectedCategory { key: Category; dispatches: number; ms: number; share: number; serialMs: number; memoryMs: number }

export interface ScheduleProjection {
  family: KernelFamily;
  schedule: ScheduleName;
  dispatches: number;
  /** Σ of the projected dispatches */
  ms: number;
  /** ms of the dispatches whose serial chain sets their time */
  serialBoundMs: number;
  /** the median dispatch's invocations (how much of the GPU a typical dispatch fills) */
  medianInvocations: number;
  /** Figure 2 as projected: each category's share of the projected time */
  categories: ProjectedCategory[];
  /** every dispatch, in order */
  records: { name: string; kernel: string; category: Category; invocations: number; ms: number; limit: Limit }[];
}

export interface Projection {
  gpu: GpuSpec;
  formula: string;
  schedules: ScheduleProjection[];
}

export const FORMULA = 'ms = max(flops / peak, bytes / bandwidth, serialFmas · max(1, invocations / lanes) / clock) + dispatchUs';

/** Every dispatch of one schedule's graph, projected and summed per category. */
export function projectSchedule(nodes: (Projectable & Pick<Node, 'category' | 'name' | 'kernel'>)[], gpu: GpuSpec, family: KernelFamily, schedule: ScheduleName): ScheduleProjection {
  const each = nodes.map((n) => ({ n, p: projectDispatch(n, gpu) }));
  const ms = each.reduce((a, e) => a + e.p.ms, 0);
  const categories = CATEGORIES.map((key): ProjectedCategory => {
    const mine = each.filter((e) => e.n.category === key);
    const sum = (f: (e: (typeof each)[number]) => number) => mine.reduce((a, e) => a + f(e), 0);
    const cms = sum((e) => e.p.ms);
    return { key, dispatches: mine.length, ms: cms, share: ms > 0 ? cms / ms : 0, serialMs: sum((e) => (e.p.limit === 'serial' ? e.p.ms : 0)), memoryMs: sum((e) => (e.p.limit === 'memory' ? e.p.ms : 0)) };
  });
  return {
    family, schedule, dispatches: nodes.length, ms,
    serialBoundMs: each.reduce((a, e) => a + (e.p.limit === 'serial' ? e.p.ms : 0), 0),
    medianInvocations: each.length ? median(each.map((e) => e.p.invocations)) : 0,
    categories,
    records: each.map(({ n, p }) => ({ name: n.name, kernel: `${n.kernel.file}:${n.kernel.entry}`, category: n.category, invocations: p.invocations, ms: p.ms, limit: p.limit })),
  };
}

/**
 * A model's graphs projected onto `gpu`: each kernel family × schedule, built with the tuning a GPU
 * adapter with WebGPU's default limits gets (src/tuning.ts gpuTuning), the family forced.
 */
export function projectModel(model: Pick<Model, 'graph'>, gpu: GpuSpec, input: { batch: number; height: number; width: number; outputs?: OutputRequest },
  schedules: ScheduleName[], families: readonly KernelFamily[] = KERNEL_FAMILIES): Projection {
  const out: ScheduleProjection[] = [];
  for (const family of families) {
    const tuning = { ...gpuTuning(DEFAULT_LIMITS), kernels: family };
    for (const schedule of schedules) {
      const g = model.graph(input.batch, input.height, input.width, schedule, tuning, input.outputs);
      out.push(projectSchedule(g.nodes, gpu, family, schedule));
    }
  }
  return { gpu, formula: FORMULA, schedules: out };
}

/** The GPU named by `--project` (a key of GPUS), or an error that lists them. */
export function gpuSpec(key: string): GpuSpec {
  const g = GPUS[key.toLowerCase()];
  if (!g) throw new Error(`--project: no GPU "${key}"; known: ${Object.keys(GPUS).join(', ')}`);
  return g;
}
