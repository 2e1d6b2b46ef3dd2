// The unfused schedule's softmax over the last dim (shaders/softmax.wgsl) of a [R, N] rows tensor
// (rank-3 attention scores are stored as rows: see views.ts output()).
import type { GraphBuilder } from '../graph/builder.ts';
import type { View } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { output } from './views.ts';

const WG = 64;

export function softmax(g: GraphBuilder, name: string, x: View): View {
  const N = x.shape[x.shape.length - 1];
  const R = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  // The kernel walks rows at a fixed stride: the view must be rows of one tensor (its own layout).
  const r = x.shape.length - 1, rs = r > 0 ? x.strides[r - 1] : N;
  const rows = x.offset === 0 && x.strides[r] === 1 && x.strides.slice(0, -2).every((s, d) => s === x.shape[d + 1] * x.strides[d + 1]);
  if (!rows) throw new Error(`${name}: softmax needs the rows of one tensor, got a view with strides [${x.strides}]`);
  const y = output(g, name, x.shape);
  g.node({
    name,
    kernel: { file: 'softmax.wgsl', entry: 'main', overrides: { WG } },
    category: 'other',
    bind: { x: { tensor: x.tensor }, y: { tensor: y.tensor } },
    params: { R, N, xs: rs, ys: y.strides[y.strides.length - 2] },
    workgroups: grid1d(R, WG),
    // Per element: max, sub + exp, add, mul (exp counted as one).
    flops: 5 * R * N,
    // x (its two passes count once); y is written, then read back and rewritten by the scaling pass.
    bytesRead: 4 * 2 * R * N,
    bytesWritten: 4 * 2 * R * N,
  });
  return y;
}
