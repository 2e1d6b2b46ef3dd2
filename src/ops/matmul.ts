// The unfused schedule's matrix products (shaders/matmul.wgsl): bmm, addmm, and 1×1 convolutions
// whose input is a strided view (a channel slice). Operands are views of up to 4 dims
// [b1, b2, rows, cols]; weights are operands too (batch strides 0). The GPU family's kernel
// (shaders/gpu/matmul.wgsl) is built in src/ops/matmul-gpu.ts from what this works out.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Binding, View } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { matmulGpu } from './matmul-gpu.ts';
import { activationBindingOf, distinct, expectViewShape, output, rankUp, type Operand } from './views.ts';

/** Outputs per invocation along each side, fixed by the kernel. */
const TILE = 8;

export interface MatmulOptions {
  /** added to every row (`n`: a linear layer's bias over the outputs) or every column (`m`: a conv's bias over channels) */
  bias?: { data: Float32Array; along: 'n' | 'm' };
  /** write into this view instead of a new tensor */
  out?: View;
}

/** c = a · b for a [..., M, K], b [..., K, N] (same leading dims, or broadcast where one has size 1 / stride 0). */
export function matmul(g: GraphBuilder, name: string, a: Operand, b: Operand, opts: MatmulOptions = {}): View {
  const WG = g.tuning.matmul.wg;
  const a4 = rankUp(a, 4), b4 = rankUp(b, 4);
  const [, , M, K] = a4.shape, [, , K2, N] = b4.shape;
  if (K !== K2) throw new Error(`${name}: inner dims differ: a [${a.shape}], b [${b.shape}]`);
  const lead = [0, 1].map((d) => Math.max(a4.shape[d], b4.shape[d]));
  for (const v of [a4, b4]) for (const d of [0, 1]) {
    if (v.shape[d] !== lead[d] && v.shape[d] !== 1) throw new Error(`${name}: batch dims of a [${a.shape}] and b [${b.shape}] do not broadcast`);
  }
  const stride0 = (v: Operand, d: number) => (v.shape[d] === 1 ? 0 : v.strides[d]);
  const shape = [...lead.slice(4 - Math.max(a.shape.length, b.shape.length)), M, N];
  const c = opts.out ?? output(g, name, shape);
  expectViewShape(name, 'output', c, shape);
  const c4 = rankUp(c, 4);
  const bias = opts.bias;
  if (bias && bias.data.length !== (bias.along === 'n' ? N : M)) throw new Error(`${name}: bias has ${bias.data.length} values, expected ${bias.along === 'n' ? N : M}`);
  const batches = lead[0] * lead[1];
  const bind: Record<string, Binding> = { a: activationBindingOf(g, a), b: activationBindingOf(g, b), bias: bias ? { weight: g.weight(`${name}.bias`, bias.data) } : { empty: true }, c: { tensor: c.tensor } };
  const views = {
    nb2: lead[1],
    ao: a4.offset, as1: stride0(a4, 0), as2: stride0(a4, 1), asr: a4.strides[2], asc: a4.strides[3],
    bo: b4.offset, bs1: stride0(b4, 0), bs2: stride0(b4, 1), bsr: b4.strides[2], bsc: b4.strides[3],
    co: c4.offset, cs1: c4.strides[0], cs2: c4.strides[1], csr: c4.strides[2], csc: c4.strides[3],
    biasMode: bias ? (bias.along === 'n' ? 1 : 2) : 0,
  };
  if (g.tuning.kernels === 'gpu') {
    matmulGpu(g, name, { M, N, K, lead, bind, views });
    return c;
  }
  const tilesM = Math.ceil(M / TILE), tilesN = Math.ceil(N / TILE);
  const count = batches * tilesM * tilesN;
  g.node({
    name,
    kernel: { file: 'matmul.wgsl', entry: 'main', overrides: { WG } },
    bind,
    params: { M, N, K, tilesM, tilesN, count, ...views },
    workgroups: grid1d(count, WG),
    flops: 2 * batches * M * N * K + (bias ? batches * M * N : 0),
    // Each distinct element of a and b once (a weight shared by the batch once), the bias; every output once.
    bytesRead: 4 * (distinct(a) + distinct(b) + (bias ? bias.data.length : 0)),
    bytesWritten: 4 * batches * M * N,
    // One 8 × 8 register tile per invocation, K multiply-adds into each of its 64 outputs, one after another.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: TILE * TILE, serialFmas: TILE * TILE * K },
  });
  return c;
}
