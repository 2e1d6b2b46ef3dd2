// torch.roll of a map over H and W (shaders/roll.wgsl): Swin's cyclic shift as eager runs it, for the
// unfused schedule (the fused one shifts by indexing inside the attention kernel).
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { grid1d } from './common.ts';


/** y = torch.roll(x, shifts=(s, s), dims=(H, W)) for a [B, C, H, W] map. */
export function roll(g: GraphBuilder, name: string, x: Tensor, s: number): Tensor {
  const WG = g.tuning.perItem.wg;
  const [B, C, H, W] = x.shape;
  if (x.shape.length !== 4) throw new Error(`${name}: roll takes a [B, C, H, W] map, got [${x.shape}]`);
  const mod = (v: number, n: number) => ((v % n) + n) % n;
  const y = g.tensor(name, x.shape);
  const count = B * C * H * W;
  g.node({
    name,
    kernel: { file: 'roll.wgsl', entry: 'main', overrides: { WG } },
    bind: { x: { tensor: x }, y: { tensor: y } },
    params: { H, W, PS: x.planeStride, sh: mod(-s, H), sw: mod(-s, W), count },
    workgroups: grid1d(count, WG),
    flops: 0,
    bytesRead: 4 * count,
    bytesWritten: 4 * count,
    // One element per invocation.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 1, serialFmas: 1 },
  });
  return y;
}
