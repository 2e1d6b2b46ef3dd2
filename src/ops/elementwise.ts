// The unfused schedule's element-wise ops (shaders/elementwise.wgsl), one PyTorch eager op each, on
// strided views of up to 4 dims: activations and scaling (unary), add and mul with broadcasting
// (binary), and inference BatchNorm from its running statistics (not folded).
import type { GraphBuilder } from '../graph/builder.ts';
import type { View } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { activationBindingOf, bindingOf, broadcast, distinct, output, rankUp, viewParams, type Operand } from './views.ts';
import type { BatchNormParams } from '../weights/fold.ts';

const UNARY = { relu: 0, gelu: 1, sigmoid: 2, scale: 3 } as const;
export type UnaryOp = keyof typeof UNARY;
/** FLOPs per element, as the kernel computes them (GELU: the erfc polynomial; sigmoid: exp, add, divide). */
const UNARY_FLOPS: Record<UnaryOp, number> = { relu: 1, gelu: 20, sigmoid: 3, scale: 1 };

type Entry = 'unary' | 'binary' | 'batch_norm';

function dispatch(g: GraphBuilder, name: string, entry: Entry, op: number, x: Operand, z: Operand | null, bn: Operand | null,
  y: View, alpha: number, flopsPerElement: number): View {
  const WG = g.tuning.perItem.wg;
  const [n0, n1, n2, n3] = rankUp(y, 4).shape;
  const q3 = Math.ceil(n3 / 4), count = n0 * n1 * n2 * q3;
  const elements = n0 * n1 * n2 * n3;
  g.node({
    name,
    kernel: { file: 'elementwise.wgsl', entry, overrides: { WG, ...(entry === 'batch_norm' ? {} : { OP: op }) } },
    bind: { x: activationBindingOf(g, x), y: { tensor: y.tensor }, ...(z ? { z: activationBindingOf(g, z) } : {}), ...(bn ? { bn: bindingOf(bn) } : {}) },
    params: {
      n0, n1, n2, n3, q3, count, alpha,
      ...viewParams('x', x, 4), ...viewParams('z', z ?? x, 4), ...viewParams('y', y, 4),
    },
    workgroups: grid1d(count, WG),
    flops: flopsPerElement * elements,
    // Each distinct input element once (a broadcast operand's own size), the BN statistics; every output element once.
    bytesRead: 4 * (distinct(x) + (z ? distinct(z) : 0) + (bn ? 4 * n1 : 0)),
    bytesWritten: 4 * elements,
    // One quad of the last dim per invocation: 4 values in flight, one after another.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 },
  });
  return y;
}

/** y = op(x), a new tensor of x's shape. */
export function unary(g: GraphBuilder, name: string, x: View, op: UnaryOp, opts: { alpha?: number } = {}): View {
  const y = output(g, name, x.shape);
  if (op === 'scale' && opts.alpha === undefined) throw new Error(`${name}: scale needs alpha`);
  return dispatch(g, name, 'unary', UNARY[op], x, null, null, y, opts.alpha ?? 0, UNARY_FLOPS[op]);
}

/** y = x + z or x · z, z broadcast to x's shape (size-1 or missing leading dims). */
export function binary(g: GraphBuilder, name: string, x: View, op: 'add' | 'mul', z: Operand): View {
  const y = output(g, name, x.shape);
  return dispatch(g, name, 'binary', op === 'add' ? 0 : 1, x, broadcast(z, x.shape), null, y, 0, 1);
}

/** Inference BatchNorm over dim 1 of x ([B, C, …]) from γ, β and the running statistics, as PyTorch computes it. */
export function batchNorm(g: GraphBuilder, name: string, x: View, bn: BatchNormParams, eps: number): View {
  const C = x.shape[1];
  if (x.shape.length < 2 || bn.weight.length !== C) throw new Error(`${name}: BatchNorm of ${bn.weight.length} channels on [${x.shape}]`);
  const y = output(g, name, x.shape);
  const stats = new Float32Array(4 * C);
  stats.set(bn.weight, 0); stats.set(bn.bias, C); stats.set(bn.running_mean, 2 * C); stats.set(bn.running_var, 3 * C);
  const ref = g.weight(`${name}.stats`, stats);
  dispatch(g, name, 'batch_norm', 0, channelsAt1(x), null, { weight: ref, offset: 0, shape: [4 * C], strides: [1] }, channelsAt1(y), eps, 4);
  return y;
}

/** [B, C, …rest] → 4 dims with C at dim 1 (where the kernel reads the channel), size-1 dims inserted after it. */
function channelsAt1(v: View): View {
  const k = 4 - v.shape.length;
  return { ...v, shape: [v.shape[0], v.shape[1], ...Array(k).fill(1), ...v.shape.slice(2)], strides: [v.strides[0], v.strides[1], ...Array(k).fill(0), ...v.strides.slice(2)] };
}
