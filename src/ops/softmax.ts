// The unfused schedule's softmax over the last dim (shaders/softmax.wgsl; the GPU family's
// shaders/gpu/softmax.wgsl) of a view of up to 4 dims whose last dim is contiguous (attention scores:
// [B, N, N] or [B, heads, N, N]).
import type { GraphBuilder } from '../graph/builder.ts';
import type { View } from '../graph/ir.ts';
import { grid1d, ROW_WG, rowReduction } from './common.ts';
import { output, rankUp } from './views.ts';

/** gpu/softmax.wgsl: invocations per workgroup (its RED_WG), one workgroup per row. */

export function softmax(g: GraphBuilder, name: string, x: View): View {
  const WG = g.tuning.perItem.wg;
  if (x.strides[x.strides.length - 1] !== 1) throw new Error(`${name}: softmax needs a contiguous last dim, got strides [${x.strides}]`);
  const y = output(g, name, x.shape);
  const x4 = rankUp(x, 4), y4 = rankUp(y, 4);
  const [n0, n1, n2, N] = x4.shape, rows = n0 * n1 * n2;
  // The leading dims' offset and strides (the last dim is contiguous).
  const lead = (p: string, v: View) => ({ [`${p}o`]: v.offset, [`${p}s0`]: v.strides[0], [`${p}s1`]: v.strides[1], [`${p}s2`]: v.strides[2] });
  const gpu = g.tuning.kernels === 'gpu', subgroups = gpu && g.tuning.subgroups;
  g.node({
    name,
    kernel: gpu ? { file: 'gpu/softmax.wgsl', entry: 'main', subgroups } : { file: 'softmax.wgsl', entry: 'main', overrides: { WG } },
    bind: { x: { tensor: x.tensor }, y: { tensor: y.tensor } },
    params: { n1, n2, N, rows, ...lead('x', x4), ...lead('y', y4) },
    workgroups: gpu ? grid1d(rows, 1) : grid1d(rows, WG),
    // Per element: max, sub + exp, add, mul (exp counted as one).
    flops: 5 * rows * N,
    // CPU: x (its two passes count once); y is written, then read back and rewritten by the scaling
    // pass. GPU: x twice (the online max-and-sum pass, the writing pass); y written once.
    bytesRead: 4 * 2 * rows * N,
    bytesWritten: 4 * (gpu ? 1 : 2) * rows * N,
    parallelism: gpu
      // A row per workgroup: `red` (a vec4 per invocation; the subgroup form adds red_slot and red_n);
      // each invocation a running max and sum over ceil(N / WG) values, a max and a sum through
      // log2(WG) steps, then ceil(N / WG) writes.
      ? rowReduction(subgroups, 2, 2 * Math.ceil(N / ROW_WG), 2)
      // One row per invocation: three passes over its N values (max; exp and sum; scale).
      : { workgroupSize: WG, workgroupMemory: 0, accumulators: 2, serialFmas: 3 * N },
  });
  return y;
}
