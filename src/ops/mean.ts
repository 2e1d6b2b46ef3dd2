// The unfused schedule's spatial mean (shaders/mean.wgsl): [B, C, H, W] → [B, C] rows.
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import { grid1d } from './common.ts';


export function meanHW(g: GraphBuilder, name: string, x: Tensor): View {
  const WG = g.tuning.perItem.wg;
  if (x.shape.length !== 4) throw new Error(`${name}: the spatial mean takes a [B, C, H, W] map, got [${x.shape}]`);
  const [B, C, H, W] = x.shape;
  const y = g.tensor(name, [B, C]);
  g.node({
    name,
    kernel: { file: 'mean.wgsl', entry: 'main', overrides: { WG } },
    bind: { x: { tensor: x }, y: { tensor: y } },
    params: { C, HW: H * W, PS: x.planeStride, YS: y.planeStride, count: B * C },
    workgroups: grid1d(B * C, WG),
    flops: B * C * H * W,
    bytesRead: 4 * B * C * H * W,
    bytesWritten: 4 * B * C,
  });
  return viewOf(y);
}
