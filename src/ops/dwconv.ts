// Depthwise conv, BN folded: w [C, 1, K, K], bias [C]; optional ReLU, optional residual (x + dw(x)).
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { convOut } from './conv2d.ts';

export interface DwSpec { k: number; stride?: number; pad?: number; relu?: boolean; residual?: boolean }

export function dwconv(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, spec: DwSpec): Tensor {
  const [B, C, H, W] = x.shape;
  const { k } = spec, stride = spec.stride ?? 1, pad = spec.pad ?? Math.floor(k / 2);
  expectLength(name, 'weight', w, C * k * k);
  expectLength(name, 'bias', bias, C);
  const Ho = convOut(H, k, stride, pad), Wo = convOut(W, k, stride, pad);
  if (spec.residual && (Ho !== H || Wo !== W)) throw new Error(`${name}: a residual depthwise conv must keep the size (got ${H}×${W} → ${Ho}×${Wo})`);
  const y = g.tensor(name, [B, C, Ho, Wo]);
  const tilesX = Math.ceil(Wo / 4), count = B * C * Ho * tilesX, wg = 64;
  g.node({
    name,
    kernel: { file: 'dwconv.wgsl', entry: 'main', overrides: { WG: wg, RELU: !!spec.relu, RESIDUAL: !!spec.residual } },
    category: 'other',
    bind: { x: { tensor: x }, w: { weight: g.weight(`${name}.weight`, w) }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y } },
    params: { C, H, W, PSin: x.planeStride, Ho, Wo, PSout: y.planeStride, K: k, stride, pad, tilesX, count },
    workgroups: grid1d(count, wg),
    flops: 2 * B * C * Ho * Wo * k * k,
    bytes: 4 * (x.size + y.size + w.length),
  });
  return y;
}
