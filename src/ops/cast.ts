// The casts of a graph whose activations are stored as half (shaders/cast.wgsl): at its edges (its
// inputs are uploaded as float32 and its outputs read back as float32), and of the float32 weights
// its kernels read through activation bindings.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Binding, Tensor, WeightRef } from '../graph/ir.ts';
import { grid1d } from './common.ts';

/**
 * `x` converted to `to` (a tensor of the same shape, `x`'s other dtype): float32 → the graph's
 * activations ('to_act'), or activations → float32 ('from_act'), padding included.
 */
export function cast(g: GraphBuilder, x: Tensor, to: Tensor): Tensor {
  const toAct = to.dtype === 'f16';
  if (to.size !== x.size || (x.dtype === 'f16') === toAct) throw new Error(`cast ${x.name} → ${to.name}: needs two tensors of one size and two dtypes`);
  return castNode(g, toAct ? { xf: { tensor: x } } : { xa: { tensor: x } }, x.dtype === 'f16' ? 2 : 4, to);
}

/**
 * A float32 weight as a half tensor [1, n] of its n values (padding included), for a kernel that
 * reads it through an activation binding in a graph of half activations (the unfused schedule's
 * matmul, elementwise and gather operands: classifier and SE matrices, position embeddings, Swin's
 * bias table and mask). Element i of the weight is element i of the tensor, so views keep their
 * offsets and strides. A cast each run: these are small next to the activations.
 */
export function castWeight(g: GraphBuilder, w: WeightRef): Tensor {
  if (w.dtype !== 'f32') throw new Error(`castWeight ${w.name}: the weight is stored as ${w.dtype}; only float32 weights are cast`);
  return castNode(g, { xf: { weight: w } }, 4, g.tensor(`${w.name}:f16`, [1, w.byteLength / 4], 'f16'));
}

/** The cast.wgsl dispatch that writes `to` (half: to_act; float32: from_act) from `from` (its one input binding, `bytes` per value). */
function castNode(g: GraphBuilder, from: Record<string, Binding>, bytes: number, to: Tensor): Tensor {
  const WG = g.tuning.perItem.wg;
  const toAct = to.dtype === 'f16', count = to.size / 4;
  g.node({
    name: `${to.name}.cast`,
    // No eager op: PyTorch computes in float32 throughout, so the op lists stay eager's.
    ops: [],
    kernel: { file: 'cast.wgsl', entry: toAct ? 'to_act' : 'from_act', overrides: { WG } },
    bind: { ...from, ...(toAct ? { ya: { tensor: to } } : { yf: { tensor: to } }) },
    params: { count },
    workgroups: grid1d(count, WG),
    flops: 0,
    bytesRead: bytes * to.size,
    bytesWritten: (toAct ? 2 : 4) * to.size,
    // One vec4 per invocation.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 1 },
  });
  return to;
}
