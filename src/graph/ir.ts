// The graph: tensors (activations in NCHW with each H×W plane padded to a multiple of 4 floats, so
// every plane starts vec4-aligned), weights (ranges of one packed weight buffer), and fused nodes.
// A node names its kernel, what is bound to each of the kernel's bindings, its params and grid.
import type { KernelRef } from '../gpu/pipelines.ts';

export type Category = 'matmul' | 'reshape' | 'norm' | 'copy' | 'add' | 'other';

export interface Tensor {
  id: number;
  name: string;
  /** logical shape: [B, C, H, W] for feature maps, [B, N] for vectors */
  shape: number[];
  /** floats between consecutive H×W planes (H·W rounded up to 4); for [B, N], between rows (N rounded up to 4) */
  planeStride: number;
  /** floats the tensor occupies */
  size: number;
}

export interface WeightRef { name: string; offset: number; size: number }

export type Binding = { tensor: Tensor } | { weight: WeightRef } | { empty: true };

export interface Node {
  /** where it comes from in the model, e.g. "blocks1.0.ffn0" */
  name: string;
  kernel: KernelRef;
  category: Category;
  bind: Record<string, Binding>;
  params: Record<string, number>;
  workgroups: [number, number, number];
  /** floating-point operations and bytes moved, for the roofline */
  flops: number;
  bytes: number;
}

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
export const planeStride = (h: number, w: number) => roundUp(h * w, 4);

export function inputsOf(n: Node): Tensor[] {
  return Object.entries(n.bind).flatMap(([, b]) => ('tensor' in b ? [b.tensor] : []));
}
