// Depthwise conv, BN folded: w [C, 1, K, K], bias [C]; optional ReLU, optional residual (x + dw(x)).
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { convOut } from './conv2d.ts';

export interface DwSpec {
  k: number; stride?: number; pad?: number; relu?: boolean; residual?: boolean;
  /** read channels [start, start + count) of x (a channel slice, e.g. q of a qkv map); default all */
  channels?: [number, number];
}

export function dwconv(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, spec: DwSpec): Tensor {
  const [B, Cx, H, W] = x.shape;
  const [c0, C] = spec.channels ?? [0, Cx];
  if (c0 < 0 || C < 1 || c0 + C > Cx) throw new Error(`${name}: channels [${c0}, ${c0 + C}) are outside ${x.name}'s ${Cx}`);
  if (spec.residual && C !== Cx) throw new Error(`${name}: a residual depthwise conv reads all of its input's channels`);
  const { k } = spec, stride = spec.stride ?? 1, pad = spec.pad ?? Math.floor(k / 2);
  expectLength(name, 'weight', w, C * k * k);
  expectLength(name, 'bias', bias, C);
  const Ho = convOut(H, k, stride, pad), Wo = convOut(W, k, stride, pad);
  if (spec.residual && (Ho !== H || Wo !== W)) throw new Error(`${name}: a residual depthwise conv must keep the size (got ${H}×${W} → ${Ho}×${Wo})`);
  const y = g.tensor(name, [B, C, Ho, Wo]);
  // k3s1 / k3s2 (3×3, pad 1): an invocation walks RB rows of a 16- or 8-column tile; main: 4 outputs.
  const entry = k === 3 && pad === 1 && (stride === 1 || stride === 2) ? (stride === 1 ? 'k3s1' : 'k3s2') : 'main';
  // Tile width: k3s1 16, k3s2 8, halved for maps that narrow (less work on columns past the edge).
  const tw = entry === 'k3s1' ? (Wo > 8 ? 16 : 8) : Wo > 4 ? 8 : 4;
  const tilesX = Math.ceil(Wo / (entry === 'main' ? 4 : tw));
  const cols = B * C * tilesX;
  // Fewer invocations than the tuning's minimum leave the adapter's workers idle: split the columns into row blocks.
  const { minInvocations, wg: wg3, mainWg } = g.tuning.dwconv;
  const RB = entry === 'main' ? 1 : Math.ceil(Ho / Math.min(Ho, Math.ceil(minInvocations / cols)));
  const tilesY = Math.ceil(Ho / RB), count = cols * tilesY, wg = entry === 'main' ? mainWg : wg3;
  g.node({
    name,
    kernel: { file: 'dwconv.wgsl', entry, overrides: { WG: wg, RELU: !!spec.relu, RESIDUAL: !!spec.residual, ...(entry !== 'main' ? { TW: tw } : {}) } },
    bind: { x: { tensor: x }, w: { weight: g.weight(`${name}.weight`, w) }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y } },
    params: { C, H, W, PSin: x.planeStride, Ho, Wo, PSout: y.planeStride, K: k, stride, pad, tilesX, RB, tilesY, count, XO: c0 * x.planeStride, XBS: Cx * x.planeStride },
    workgroups: grid1d(count, wg),
    flops: 2 * B * C * Ho * Wo * k * k,
    // Reads every input pixel (rows inside the image only), the taps and bias; writes the output pixels.
    bytesRead: 4 * (B * C * H * W + C * k * k + C),
    bytesWritten: 4 * B * C * Ho * Wo,
  });
  return y;
}
