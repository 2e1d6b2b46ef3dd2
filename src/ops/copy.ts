// The unfused schedule's copies (shaders/copy.wgsl): a strided copy of up to 6 dims (permute +
// contiguous, cat into a channel slice, crop, zero padding, every-sr-th-pixel sampling) and the
// attention-bias gather. One PyTorch eager op each.
import type { GraphBuilder } from '../graph/builder.ts';
import type { View } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { activationBindingOf, distinct, output, rankUp, sameShape, viewParams } from './views.ts';


export interface CopyOptions {
  /** write into this view instead of a new tensor */
  out?: View;
  /** output shape when it is larger than x's: elements past x's extent are 0 (constant padding) */
  shape?: number[];
}

/** y = x (same shape), or x zero-padded at the end of each dim to `opts.shape`. Returns y. */
export function copy(g: GraphBuilder, name: string, x: View, opts: CopyOptions = {}): View {
  const WG = g.tuning.perItem.wg;
  const shape = opts.shape ?? opts.out?.shape ?? x.shape;
  if (shape.length !== x.shape.length || shape.some((s, d) => s < x.shape[d])) throw new Error(`${name}: cannot copy [${x.shape}] into [${shape}]`);
  const y = opts.out ?? output(g, name, shape);
  if (!sameShape(y.shape, shape)) throw new Error(`${name}: output view has shape [${y.shape}], expected [${shape}]`);
  const x6 = rankUp(x, 6), y6 = rankUp(y, 6);
  const [n0, n1, n2, n3, n4, n5] = y6.shape;
  const q5 = Math.ceil(n5 / 4), count = n0 * n1 * n2 * n3 * n4 * q5;
  const elements = y6.shape.reduce((a, b) => a * b, 1);
  g.node({
    name,
    kernel: { file: 'copy.wgsl', entry: 'copy', overrides: { WG } },
    bind: { x: { tensor: x.tensor }, y: { tensor: y.tensor } },
    params: {
      n0, n1, n2, n3, n4, n5, q5, count,
      ...Object.fromEntries(x6.shape.map((l, d) => [`l${d}`, l])),
      ...viewParams('x', x6, 6), ...viewParams('y', y6, 6),
    },
    workgroups: grid1d(count, WG),
    flops: 0,
    // Reads each element of x once; writes every output element (padding included).
    bytesRead: 4 * distinct(x), bytesWritten: 4 * elements,
    // One quad of the last dim per invocation: 4 values read and written one after another.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 },
  });
  return y;
}

/** y[r, j] = src[r, idx[j]] for src [R, S] (a weight), idx integers < S: `src[:, idx]` flattened to [R, idx.length]. */
export function gather(g: GraphBuilder, name: string, src: Float32Array, rows: number, idx: Int32Array): View {
  const WG = g.tuning.perItem.wg;
  const S = src.length / rows;
  if (!Number.isInteger(S)) throw new Error(`${name}: ${src.length} values do not make ${rows} rows`);
  const bad = idx.findIndex((i) => !(i >= 0 && i < S));
  if (bad >= 0) throw new Error(`${name}: index ${idx[bad]} at ${bad} is outside [0, ${S})`);
  const J = idx.length;
  const y = output(g, name, [rows, J]);
  const q5 = Math.ceil(J / 4);
  const zeros = { n1: 1, n2: 1, n3: 1, n4: 1, l0: rows, l1: 1, l2: 1, l3: 1, l4: 1, l5: J };
  g.node({
    name,
    kernel: { file: 'copy.wgsl', entry: 'gather', overrides: { WG } },
    bind: { x: activationBindingOf(g, { weight: g.weight(`${name}.src`, src), offset: 0, shape: [src.length], strides: [1] }), idx: { weight: g.weight(`${name}.idx`, Float32Array.from(idx)) }, y: { tensor: y.tensor } },
    params: {
      n0: rows, n5: J, q5, count: rows * q5, ...zeros,
      xo: 0, xs0: S, xs1: 0, xs2: 0, xs3: 0, xs4: 0, xs5: 1,
      yo: 0, ys0: y.strides[0], ys1: 0, ys2: 0, ys3: 0, ys4: 0, ys5: 1,
    },
    workgroups: grid1d(rows * q5, WG),
    flops: 0,
    // Reads the whole table (every offset is used) and the indices; writes rows · J.
    bytesRead: 4 * (src.length + J), bytesWritten: 4 * rows * J,
    // One quad of a row per invocation.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 },
  });
  return y;
}
