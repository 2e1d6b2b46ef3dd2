// Squeeze-excite gate [B, C] from x [B, C, H, W]; fc1 [R, C] + b1, fc2 [C, R] + b2 (1×1 convs with bias).
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength } from './common.ts';


export function squeezeExciteGate(g: GraphBuilder, name: string, x: Tensor, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, r: number): Tensor {
  const [B, C, H, W] = x.shape;
  expectLength(name, 'fc1.weight', w1, r * C); expectLength(name, 'fc1.bias', b1, r);
  expectLength(name, 'fc2.weight', w2, C * r); expectLength(name, 'fc2.bias', b2, C);
  const s = g.tensor(name, [B, C]);
  const tmp = g.tensor(`${name}.tmp`, [B, C + r]);
  g.node({
    name,
    kernel: { file: 'squeeze_excite.wgsl', entry: 'main', overrides: { WG: 64 } },
    category: 'other',
    bind: {
      x: { tensor: x }, w1: { weight: g.weight(`${name}.fc1.weight`, w1) }, b1: { weight: g.weight(`${name}.fc1.bias`, b1) },
      w2: { weight: g.weight(`${name}.fc2.weight`, w2) }, b2: { weight: g.weight(`${name}.fc2.bias`, b2) }, s: { tensor: s }, tmp: { tensor: tmp },
    },
    params: { C, R: r, HW: H * W, PS: x.planeStride, CS: s.planeStride },
    workgroups: [B, 1, 1],
    flops: B * (C * H * W + 4 * C * r),
    bytes: 4 * (x.size + 2 * C * r + s.size),
  });
  return s;
}
