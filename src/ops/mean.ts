// The unfused schedule's spatial mean (shaders/mean.wgsl; the GPU family's shaders/gpu/mean.wgsl):
// [B, C, H, W] → [B, C] rows.
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import { grid1d, ROW_WG, rowReduction } from './common.ts';

/** gpu/mean.wgsl: invocations per workgroup (its RED_WG), one workgroup per plane. */

export function meanHW(g: GraphBuilder, name: string, x: Tensor): View {
  const WG = g.tuning.perItem.wg;
  if (x.shape.length !== 4) throw new Error(`${name}: the spatial mean takes a [B, C, H, W] map, got [${x.shape}]`);
  const [B, C, H, W] = x.shape;
  const y = g.tensor(name, [B, C]);
  const gpu = g.tuning.kernels === 'gpu', subgroups = gpu && g.tuning.subgroups;
  g.node({
    name,
    kernel: gpu ? { file: 'gpu/mean.wgsl', entry: 'main', subgroups } : { file: 'mean.wgsl', entry: 'main', overrides: { WG } },
    bind: { x: { tensor: x }, y: { tensor: y } },
    params: { C, HW: H * W, PS: x.planeStride, YS: y.planeStride, count: B * C },
    workgroups: gpu ? grid1d(B * C, 1) : grid1d(B * C, WG),
    flops: B * C * H * W,
    // The GPU kernel reads whole planes as vec4 (their padding masked).
    bytesRead: 4 * B * C * (gpu ? x.planeStride : H * W),
    bytesWritten: 4 * B * C,
    parallelism: gpu
      // A plane per workgroup: `red` (a vec4 per invocation; the subgroup form adds red_slot and
      // red_n); each invocation a vec4 sum of ceil(PS / 4 / WG) quads, then a sum through log2(WG) steps.
      ? rowReduction(subgroups, 4, Math.ceil(x.planeStride / 4 / ROW_WG), 1)
      // One (image, channel) per invocation: H·W adds into one sum, one after another.
      : { workgroupSize: WG, workgroupMemory: 0, accumulators: 1, serialFmas: H * W },
  });
  return viewOf(y);
}
