// Global mean pool + linear (the classifier head, BN folded into w and bias): [B,C,H,W] → [B,O].
// shift [C] (a BatchNorm's running mean left out of the fold) is subtracted from x before the mean.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength } from './common.ts';

/** The most channels the kernel takes (its workgroup array); wider heads run as a mean and a matmul. */
export const POOL_LINEAR_MAX_C = 512;
const MAX_C = POOL_LINEAR_MAX_C;

export function poolLinear(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, o: number, shift?: Float32Array): Tensor {
  const [B, C, H, W] = x.shape;
  const WG = g.tuning.poolLinear.wg;
  if (C > MAX_C) throw new Error(`${name}: the head supports up to ${MAX_C} channels, got ${C}`);
  expectLength(name, 'weight', w, o * C);
  expectLength(name, 'bias', bias, o);
  if (shift) expectLength(name, 'input shift', shift, C);
  const y = g.tensor(name, [B, o]);
  const { ref, stride } = g.matrix(`${name}.weight`, w, o, C, 4, 4);
  const groupsO = Math.ceil(o / (4 * WG));
  g.node({
    name,
    kernel: g.kernel({ file: 'pool_linear.wgsl', entry: 'main', overrides: { WG, ...(shift ? { HAS_SHIFT: true } : {}) } }),
    bind: {
      x: { tensor: x }, w: { weight: ref }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y },
      shift: shift ? { weight: g.weight(`${name}.shift`, shift) } : { empty: true },
    },
    params: { C, HW: H * W, PS: x.planeStride, O: o, CS4: stride / 4, OS: y.planeStride, groupsO },
    workgroups: [B * groupsO, 1, 1],
    flops: B * (C * H * W + 2 * o * C),
    // Reads x's pixels, the padded weight rows, bias and shift; writes the logits.
    bytesRead: 4 * (B * C * H * W + o + (shift ? C : 0)) + g.matrixBytes * Math.ceil(o / 4) * 4 * stride,
    bytesWritten: 4 * B * o,
  });
  return y;
}
