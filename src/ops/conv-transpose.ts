// The unfused schedule's depthwise ConvTranspose2d with kernel = stride (shaders/conv_transpose.wgsl),
// EdgeViT's LocalProp: x [B, C, h, w] (a strided view) → [B, C, h·S, w·S].
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor, View } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { viewParams } from './views.ts';


export function convTransposeDepthwise(g: GraphBuilder, name: string, x: View, w: Float32Array, bias: Float32Array, S: number): Tensor {
  const WG = g.tuning.perItem.wg;
  if (x.shape.length !== 4) throw new Error(`${name}: expected a [B, C, h, w] view, got [${x.shape}]`);
  const [B, C, h, wd] = x.shape;
  expectLength(name, `weight [${C}, 1, ${S}, ${S}]`, w, C * S * S);
  expectLength(name, 'bias', bias, C);
  const H = h * S, W = wd * S;
  const y = g.tensor(name, [B, C, H, W]);
  const q = Math.ceil(W / 4), count = B * C * H * q;
  g.node({
    name,
    kernel: { file: 'conv_transpose.wgsl', entry: 'main', overrides: { WG } },
    bind: { x: { tensor: x.tensor }, w: { weight: g.weight(`${name}.weight`, w) }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y } },
    params: { C, H, W, PS: y.planeStride, S, q, count, ...viewParams('x', x, 4) },
    workgroups: grid1d(count, WG),
    flops: 2 * B * C * H * W,
    bytesRead: 4 * (B * C * h * wd + C * S * S + C),
    bytesWritten: 4 * B * C * H * W,
    // One quad of an output row per invocation, one multiply-add each.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 },
  });
  return y;
}
