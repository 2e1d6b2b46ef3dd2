// The GPU family's matrix product on strided views (shaders/gpu/matmul.wgsl: 64 × 64 or 32 × 32
// workgroup tiles, K staged 16 at a time through workgroup memory) against the plain CPU reference
// of test/ops-primitives.test.ts (a triple loop over the views' elements), forced on this adapter with
// `kernels: 'gpu'`, and against the CPU family's kernel on the same views: tails in M, N and K (1, 3,
// 17, 65, 130), transposed operands (permuted views, staged along either dim), a channel slice of a
// map, weights shared by the batch (stride 0), broadcast batch dims, two batch dims, bias along n
// and along m, outputs into strided views (a channel slice of a map, a transpose), both tile sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { toPadded } from '../src/graph/layout.ts';
import { viewOf, type Tensor, type View, type WeightRef } from '../src/graph/ir.ts';
import { matmul, type MatmulOptions } from '../src/ops/matmul.ts';
import { MATMUL_GPU_FILL, matmulGpuSide } from '../src/ops/matmul-gpu.ts';
import { broadcast, flattenPlanes, permute, slice, type Operand, type WeightView } from '../src/ops/views.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { readView } from './helpers/views.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

/** The plain reference: c[bt, m, n] = Σ_k a[bt, m, k] · b[bt, k, n] (+ bias[n] or bias[m]), summed in float64. */
function matmulRef(A: Float32Array, B: Float32Array, batches: number, M: number, K: number, N: number, bias?: MatmulOptions['bias']): Float32Array {
  const c = new Float32Array(batches * M * N);
  for (let bt = 0; bt < batches; bt++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = bias ? bias.data[bias.along === 'n' ? n : m] : 0;
    for (let k = 0; k < K; k++) s += A[(bt * M + m) * K + k] * B[(bt * K + k) * N + n];
    c[(bt * M + m) * N + n] = s;
  }
  return c;
}

/** A matmul's operands and options, built on the graph's input tensors. */
interface Spec { a: Operand; b: Operand; opts?: MatmulOptions }

/** Weight data by reference, for reading weight operands back. */
const weightData = new Map<WeightRef, Float32Array>();
function weightView(g: GraphBuilder, name: string, data: Float32Array, shape: number[], strides: number[], offset = 0): WeightView {
  const weight = g.weight(name, data);
  weightData.set(weight, data);
  return { weight, offset, shape, strides };
}

/**
 * Runs matmul on the views `build` makes, in both families, and compares each with the reference on
 * the output view's elements. Returns the GPU kernel's side T (its `override`).
 */
async function check(what: string, inputs: { shape: number[]; data: Float32Array }[], build: (g: GraphBuilder, ts: Tensor[]) => Spec): Promise<number> {
  let T = 0;
  const run = async (tuning: Tuning) => {
    let spec!: Spec, c!: View, ts!: Tensor[];
    const out = await runGraph(inputs, (g, xs) => {
      ts = xs;
      spec = build(g, xs);
      c = matmul(g, 'mm', spec.a, spec.b, spec.opts);
      const node = g.nodes[g.nodes.length - 1];
      assert.equal(node.kernel.file, tuning.kernels === 'gpu' ? 'gpu/matmul.wgsl' : 'matmul.wgsl', what);
      if (tuning.kernels === 'gpu') T = Number(node.kernel.overrides?.T);
      return c.tensor;
    }, { tuning });
    return { got: readView(toPadded(c.tensor, out), c), spec, c, ts };
  };
  const gpu = await run(GPU);
  const { spec, c, ts } = gpu;
  const [M, K] = spec.a.shape.slice(-2), N = spec.b.shape[spec.b.shape.length - 1];
  const lead = c.shape.slice(0, -2), batches = lead.reduce((x, y) => x * y, 1);
  // An operand's elements over the output's batch dims (broadcast ones repeated), from its input's padded layout or its weight.
  const values = (o: Operand, rows: number, cols: number) =>
    readView('tensor' in o ? toPadded(o.tensor, inputs[ts.indexOf(o.tensor)].data) : weightData.get(o.weight)!, broadcast(o, [...lead, rows, cols]));
  const want = matmulRef(values(spec.a, M, K), values(spec.b, K, N), batches, M, K, N, spec.opts?.bias);
  const tol = 1e-5 * Math.max(1, Math.sqrt(K / 16));
  assertClose(gpu.got, want, tol, 1e-5, `${what} (gpu, T = ${T})`);
  assertClose((await run(CPU_TUNING)).got, want, tol, 1e-5, `${what} (cpu)`);
  return T;
}

const mat = (rows: number, cols: number, seed: number) => ({ shape: [rows, cols], data: random(rows * cols, seed) });
const map = (shape: number[], seed: number) => ({ shape, data: random(shape.reduce((x, y) => x * y, 1), seed) });

test('gpu matmul: plain row-major products with tails in M, N and K', async () => {
  for (const [M, K, N] of [[1, 1, 1], [3, 17, 65], [17, 65, 3], [65, 130, 17], [130, 3, 130], [33, 1, 7], [1, 192, 1000]]) {
    await check(`${M}x${K} · ${K}x${N}`, [mat(M, K, M + K), mat(K, N, K + N)], (_, [a, b]) => ({ a: viewOf(a), b: viewOf(b) }));
  }
});

test('gpu matmul: a transposed input times a linear weight read transposed, bias along n (addmm)', async () => {
  for (const [M, K, N] of [[65, 17, 130], [3, 130, 1], [197, 192, 65]]) {
    const w = random(N * K, 3), bias = random(N, 4);
    await check(`addmm ${M}x${K}x${N}`, [mat(K, M, 5)], (g, [x]) => ({
      a: permute(viewOf(x), [1, 0]),
      b: weightView(g, 'w', w, [K, N], [1, K]),
      opts: { bias: { data: bias, along: 'n' } },
    }));
  }
});

test('gpu matmul: a 1×1 conv on a channel slice of a map, weight shared by the batch, bias along m, into a channel slice of another map', async () => {
  const [B, C, H, W, M, K] = [2, 40, 7, 9, 17, 19];
  const w = random(M * K, 6), bias = random(M, 7);
  await check('conv on a slice, fresh output', [map([B, C, H, W], 8)], (g, [x]) => ({
    a: weightView(g, 'w', w, [M, K], [K, 1]),
    b: slice(flattenPlanes(x), 1, 5, K),
    opts: { bias: { data: bias, along: 'm' } },
  }));
  await check('conv on a slice, into a slice', [map([B, C, H, W], 9)], (g, [x]) => ({
    a: weightView(g, 'w', w, [M, K], [K, 1]),
    b: slice(flattenPlanes(x), 1, 21, K),
    opts: { bias: { data: bias, along: 'm' }, out: slice(flattenPlanes(g.tensor('y', [B, 30, H, W])), 1, 3, M) },
  }));
});

test('gpu matmul: two batch dims, broadcast over either (stride 0), attention scores from a qkv map', async () => {
  const [M, K, N] = [17, 33, 5];
  await check('b broadcast over b1', [map([2, 3, M, K], 10), map([1, 3, K, N], 11)], (_, [a, b]) => ({ a: viewOf(a), b: viewOf(b) }));
  await check('a broadcast over b2', [map([2, 1, M, K], 12), map([2, 3, K, N], 13)], (_, [a, b]) => ({ a: viewOf(a), b: viewOf(b) }));
  // q·kᵀ per (image, head): q [B, heads, N, d] and kᵀ [B, heads, d, N] are strided views of one map.
  const [B, heads, d, S] = [2, 3, 16, 7];
  await check('scores', [map([B, 2 * heads * d, S, S], 14)], (_, [x]) => {
    const ps = x.planeStride, img = 2 * heads * d * ps;
    return {
      a: { tensor: x, offset: 0, shape: [B, heads, S * S, d], strides: [img, d * ps, 1, ps] },
      b: { tensor: x, offset: heads * d * ps, shape: [B, heads, d, S * S], strides: [img, d * ps, ps, 1] },
      opts: { bias: { data: random(S * S, 15), along: 'n' } },
    };
  });
});

test('gpu matmul: output into a transposed view; a rank-3 batch times a shared weight, bias along m', async () => {
  const [M, K, N] = [65, 130, 17];
  await check('transposed output', [mat(M, K, 16), mat(K, N, 17)], (g, [a, b]) => ({ a: viewOf(a), b: viewOf(b), opts: { out: permute(viewOf(g.tensor('y', [N, M])), [1, 0]) } }));
  const w = random(3 * K, 18);
  await check('weight [3, K] times a batch of 2 maps', [map([2, K, 1, 49], 19)], (g, [x]) => ({
    a: weightView(g, 'w', w, [3, K], [K, 1]),
    b: flattenPlanes(x),
    opts: { bias: { data: random(3, 20), along: 'm' } },
  }));
});

test('gpu matmul: 64 × 64 tiles where they give enough workgroups, 32 × 32 below; both on batches of scores', async () => {
  assert.equal(matmulGpuSide(197, 197, 8), 16, `8 × 4 × 4 tiles ≥ ${MATMUL_GPU_FILL}`);
  assert.equal(matmulGpuSide(197, 197, 3), 8);
  assert.equal(matmulGpuSide(1, 1000, 1), 8);
  assert.equal(matmulGpuSide(3136, 96, 1), 8);
  assert.equal(matmulGpuSide(3136, 384, 1), 16);
  // q·kᵀ over (2 images, 4 heads) of 197 tokens × 64: kᵀ staged along k (its contiguous dim).
  const [B, heads, S, d] = [2, 4, 197, 64];
  const t16 = await check('scores 8 × 197 × 197 × 64', [map([B, heads, S, d], 21), map([B, heads, S, d], 22)],
    (_, [q, k]) => ({ a: viewOf(q), b: permute(viewOf(k), [0, 1, 3, 2]) }));
  assert.equal(t16, 16);
  const t8 = await check('scores 2 × 130 × 130 × 17', [map([1, 2, 130, 17], 23), map([1, 2, 130, 17], 24)],
    (_, [q, k]) => ({ a: viewOf(q), b: permute(viewOf(k), [0, 1, 3, 2]) }));
  assert.equal(t8, 8);
});

test('gpu matmul node: grid, FLOPs, bytes as the kernel reads them, parallelism (no GPU needed)', () => {
  // 2 × 3 batches of a [70, 20] times a shared weight [20, 5], bias along m: 32 × 32 tiles (T = 8), 3 row tiles, 1 column tile.
  const g = new GraphBuilder(undefined, GPU);
  const a = g.input('a', [2, 3, 70, 20]);
  matmul(g, 'mm', viewOf(a), { weight: g.weight('w', random(100, 1)), offset: 0, shape: [20, 5], strides: [5, 1] }, { bias: { data: random(70, 2), along: 'm' } });
  const n = g.nodes[0];
  assert.equal(n.kernel.file, 'gpu/matmul.wgsl');
  assert.deepEqual(n.kernel.overrides, { T: 8 });
  assert.deepEqual(n.workgroups, [1, 3, 6]);
  assert.equal(n.flops, 2 * 6 * 70 * 5 * 20 + 6 * 70 * 5);
  // Per batch: each of the 1 column tile's workgroups reads all 70 rows of a; each of the 3 row tiles all of b and its rows' bias.
  assert.equal(n.bytesRead, 4 * 6 * (70 * 20 + 3 * 20 * 5 + 70));
  assert.equal(n.bytesWritten, 4 * 6 * 70 * 5);
  assert.deepEqual(n.parallelism, { workgroupSize: 64, workgroupMemory: 8192, accumulators: 16, serialFmas: 16 * 32 });
});
