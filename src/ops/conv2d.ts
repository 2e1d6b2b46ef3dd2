// Dense conv (groups = 1), BN already folded: w [Cout, Cin, KH, KW], bias [Cout].
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';

export interface Conv2dSpec { cout: number; k: number; stride: number; pad: number; relu?: boolean }

export const convOut = (n: number, k: number, s: number, pad: number) => Math.floor((n + 2 * pad - k) / s) + 1;

export function conv2d(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, spec: Conv2dSpec): Tensor {
  const [B, Cin, H, W] = x.shape;
  const { cout, k, stride, pad } = spec;
  expectLength(name, 'weight', w, cout * Cin * k * k);
  expectLength(name, 'bias', bias, cout);
  const Ho = convOut(H, k, stride, pad), Wo = convOut(W, k, stride, pad);
  if (Ho < 1 || Wo < 1) throw new Error(`${name}: a ${H}×${W} input is too small for a ${k}×${k} stride-${stride} conv`);
  const y = g.tensor(name, [B, cout, Ho, Wo]);
  // Repack to [Cin·K·K, ceil16(Cout)] so 16 output channels of one tap are 4 contiguous vec4.
  const cpad = Math.ceil(cout / 16) * 16;
  const packed = new Float32Array(Cin * k * k * cpad);
  for (let co = 0; co < cout; co++) for (let t = 0; t < Cin * k * k; t++) packed[t * cpad + co] = w[co * Cin * k * k + t];
  const tilesX = Math.ceil(Wo / 8), tilesC = cpad / 16;
  const count = B * tilesC * Ho * tilesX;
  const wg = 16;
  g.node({
    name,
    kernel: { file: 'conv2d.wgsl', entry: 'main', overrides: { WG: wg, RELU: !!spec.relu } },
    category: 'matmul',
    bind: { x: { tensor: x }, w: { weight: g.weight(`${name}.weight`, packed) }, bias: { weight: g.weight(`${name}.bias`, bias, cpad) }, y: { tensor: y } },
    params: { Cin, H, W, PSin: x.planeStride, Cout: cout, Ho, Wo, PSout: y.planeStride, KH: k, KW: k, stride, pad, tilesX, tilesC, count },
    workgroups: grid1d(count, wg),
    flops: 2 * B * cout * Ho * Wo * Cin * k * k,
    bytes: 4 * (x.size + y.size + w.length),
  });
  return y;
}
