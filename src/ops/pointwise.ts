// 1×1 convolution with bias and fused epilogues (ReLU before/after, residual add, per-(b,k) input
// scale from squeeze-excite). Weights arrive BN-folded: w [M, K] row-major, bias [M].
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength, expectShape, grid1d } from './common.ts';

export interface PointwiseOptions {
  reluIn?: boolean;
  reluOut?: boolean;
  residual?: Tensor;
  /** [B, K] multiplier on the input channels (squeeze-excite gate) */
  scale?: Tensor;
  /** workgroup size (multiple of 4) */
  wg?: number;
}

export function pointwise(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, m: number, opts: PointwiseOptions = {}): Tensor {
  const [B, K, H, W] = x.shape;
  expectLength(name, 'weight', w, m * K);
  expectLength(name, 'bias', bias, m);
  const y = g.tensor(name, [B, m, H, W]);
  if (opts.residual) expectShape(name, opts.residual, [B, m, H, W]);
  if (opts.scale) expectShape(name, opts.scale, [B, K]);
  const { ref, stride } = g.matrix(`${name}.weight`, w, m, K, 16, 4);
  const b = g.weight(`${name}.bias`, bias, Math.ceil(m / 16) * 16);
  const PS = x.planeStride;
  const tilesM = Math.ceil(m / 16), tilesP = Math.ceil(PS / 16);
  const count = B * tilesM * tilesP;
  const wg = opts.wg ?? 16;
  g.node({
    name,
    kernel: { file: 'pointwise.wgsl', entry: 'main', overrides: { WG: wg, RELU_IN: !!opts.reluIn, RELU_OUT: !!opts.reluOut, HAS_RES: !!opts.residual, HAS_SCALE: !!opts.scale } },
    category: 'matmul',
    bind: {
      x: { tensor: x }, w: { weight: ref }, bias: { weight: b }, y: { tensor: y },
      res: opts.residual ? { tensor: opts.residual } : { empty: true },
      scale: opts.scale ? { tensor: opts.scale } : { empty: true },
    },
    params: { M: m, K, PS, KS: stride, tilesM, tilesP, count },
    workgroups: grid1d(count, wg),
    flops: 2 * B * m * K * H * W,
    bytes: 4 * (x.size + y.size + m * K + (opts.residual ? y.size : 0)),
  });
  return y;
}
