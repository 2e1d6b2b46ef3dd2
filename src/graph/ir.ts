// The graph: tensors (activations in NCHW with each H×W plane padded to a multiple of 4 floats, so
// every plane starts vec4-aligned), weights (ranges of one packed weight buffer), and nodes (one
// dispatch each). A node names its kernel, what is bound to each of the kernel's bindings, its
// params and grid, and where it comes from: the upstream module, the model layer and the PyTorch
// eager ops it computes (one for the unfused schedule, several for a fused kernel).
import type { KernelRef } from '../gpu/pipelines.ts';

/** The EfficientViT paper's Figure 2 categories (see categories.ts for the op mapping). */
export type Category = 'matmul' | 'reshape' | 'norm' | 'copy' | 'add' | 'other';
export const CATEGORIES: readonly Category[] = ['matmul', 'reshape', 'norm', 'copy', 'add', 'other'];

export interface Tensor {
  id: number;
  name: string;
  /** logical shape: [B, C, H, W] for feature maps, [B, N] for vectors (rows) */
  shape: number[];
  /** floats between consecutive H×W planes (H·W rounded up to 4); for [B, N], between rows (N rounded up to 4) */
  planeStride: number;
  /** values the tensor occupies */
  size: number;
  /** how its values are stored: float32 (absent), or IEEE half in a graph built with `activations: 'f16'` (Tuning) */
  dtype?: 'f16';
}

/** Bytes a tensor occupies. */
export function tensorBytes(t: Tensor): number {
  return t.size * (t.dtype === 'f16' ? 2 : 4);
}

/** A tensor a run reads back: its name (the upstream module whose output it is, or logits, embedding), and a feature map's stride in input pixels. */
export interface GraphOutput {
  name: string; tensor: Tensor; stride?: number;
  /** the half tensor `tensor` is the float32 cast of, in a graph of half activations */
  from?: Tensor;
}

/** A strided window onto a tensor's storage, for the primitive kernels: element i is at offset + Σ i_d·strides[d]. */
export interface View { tensor: Tensor; offset: number; shape: number[]; strides: number[] }

/** A range of the model's weight buffer: float32, or IEEE half for matrix weights of a half pool (see weights.ts). */
export interface WeightRef { name: string; byteOffset: number; byteLength: number; dtype: 'f32' | 'f16' }

export type Binding = { tensor: Tensor } | { weight: WeightRef } | { empty: true };

export interface Node {
  /** a label for errors and traces, e.g. "blocks1.0.ffn0.m.pw1" (not necessarily unique) */
  name: string;
  /** the upstream module that runs this op, in upstream naming, e.g. "blocks2.3.mixer.m.attn" */
  module: string;
  /** the model layer (one call of the model description) this node was lowered from; the same in every schedule */
  layer: string;
  /** the PyTorch eager ops this dispatch computes, in order (aten names: convolution, native_batch_norm, add, …) */
  ops: string[];
  kernel: KernelRef;
  category: Category;
  bind: Record<string, Binding>;
  params: Record<string, number>;
  workgroups: [number, number, number];
  /** floating-point operations, and bytes the kernel reads and writes (see the op builders for how each counts them) */
  flops: number;
  bytesRead: number;
  bytesWritten: number;
  /** how the kernel variant spreads this dispatch's work over invocations (the profiler's parallelism model) */
  parallelism: Parallelism;
}

/**
 * How one dispatch's work is spread, from the kernel variant's tile (each op builder says so for its
 * kernels; src/profile/README.md documents the model). The grid gives the workgroup count.
 */
export interface Parallelism {
  /** invocations per workgroup */
  workgroupSize: number;
  /** bytes of `var<workgroup>` memory one workgroup uses (0 for kernels without any) */
  workgroupMemory: number;
  /** live float accumulators one invocation holds (the outputs or partial sums it keeps in registers) */
  accumulators: number;
  /**
   * the longest chain of dependent multiply-adds one invocation runs (its FMAs one after another; for
   * a kernel without FMAs, the values it reads or writes one after another)
   */
  serialFmas: number;
}

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
export const planeStride = (h: number, w: number) => roundUp(h * w, 4);

/** Strides of a tensor's own layout: [C·PS, PS, W, 1] for [B, C, H, W], [PS, 1] for [B, N]. */
function stridesOf(t: Tensor): number[] {
  const ps = t.planeStride;
  return t.shape.length === 4 ? [t.shape[1] * ps, ps, t.shape[3], 1] : [ps, 1];
}

/** The whole tensor as a view, in its own layout. */
export const viewOf = (t: Tensor): View => ({ tensor: t, offset: 0, shape: [...t.shape], strides: stridesOf(t) });

/** The innermost module containing all of `modules` ("" is the model itself). */
export function commonModule(modules: string[]): string {
  const parts = modules.map((m) => (m ? m.split('.') : []));
  const out: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) out.push(parts[0][i]);
  return out.join('.');
}
