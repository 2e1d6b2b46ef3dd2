// The GPU family's row reductions (shaders/gpu/softmax.wgsl, gpu/norm.wgsl's layer_norm,
// gpu/mean.wgsl: one workgroup per row, include/workgroup_reduce.wgsl) against the CPU reference,
// forced on this adapter with `kernels: 'gpu'`, in both forms of the reductions (workgroup memory, and
// subgroup operations: SwiftShader has the `subgroups` feature): row lengths around the workgroup's
// 64 invocations (1, 3, 63, 64, 65, 197, 1000), batch > 1, strided views (softmax on [B, heads, N, N]
// scores inside a token-major buffer; LayerNorm over a token-major view of an NCHW map, and a slice
// of tokens), more than 65535 rows (the grid folded into y; run on a small grid folded by hand), and
// hostile numerics: logits of ±1e4 and rows of equal values, LayerNorm inputs with |mean| ≥ 1000·σ,
// means of values ~1e4 ± 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { toPadded } from '../src/graph/layout.ts';
import { viewOf, type Tensor, type View } from '../src/graph/ir.ts';
import { softmax } from '../src/ops/softmax.ts';
import { layerNorm } from '../src/ops/layer-norm.ts';
import { meanHW } from '../src/ops/mean.ts';
import { slice } from '../src/ops/views.ts';
import { layerNormRows, meanPoolHW, softmaxRows } from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import { readView } from './helpers/views.ts';

/** The GPU family, with the reductions through workgroup memory alone and through subgroup operations. */
const FORMS: [string, Tuning][] = [false, true].map((subgroups) => [subgroups ? 'subgroups' : 'workgroup', { ...CPU_TUNING, kernels: 'gpu', subgroups }]);

/** Runs op (which adds one node) and checks that it chose the GPU file in the tuning's form. */
function gpuNode<T>(g: GraphBuilder, file: string, op: () => T): T {
  const out = op();
  const k = g.nodes[g.nodes.length - 1].kernel;
  assert.equal(k.file, file);
  assert.equal(!!k.subgroups, g.tuning.subgroups, 'the reductions\' form');
  return out;
}

/** The padded layout of `data` as a tensor of `shape` (for reading views of it). */
const padded = (shape: number[], data: Float32Array) => toPadded(new GraphBuilder().tensor('x', shape), data);

const LENGTHS = [1, 3, 63, 64, 65, 197, 1000];

// ---- softmax ----

for (const N of LENGTHS) {
  test(`gpu softmax: rows of ${N} in a [2, 3, ${N}] view of padded rows, both forms`, async () => {
    const x = random(6 * N, N).map((v) => 8 * v);
    for (const [form, tuning] of FORMS) {
      const got = await runGraph([{ shape: [6, N], data: x }], (g, [t]) =>
        gpuNode(g, 'gpu/softmax.wgsl', () => softmax(g, 'sm', { ...viewOf(t), shape: [2, 3, N], strides: [3 * t.planeStride, t.planeStride, 1] })).tensor, { tuning });
      assertClose(got, softmaxRows(x, [6, N]), 1e-6, 1e-5, `${form} N${N}`);
    }
  });
}

test('gpu softmax: [B, heads, N, N] scores read from a token-major buffer [B·N, heads·N], both forms', async () => {
  const [B, heads, N] = [2, 3, 197];
  const shape = [B * N, heads * N], x = random(B * N * heads * N, 5).map((v) => 4 * v);
  const scores = (t: Tensor): View => ({ tensor: t, offset: 0, shape: [B, heads, N, N], strides: [N * t.planeStride, N, t.planeStride, 1] });
  const want = softmaxRows(readView(padded(shape, x), scores(new GraphBuilder().tensor('x', shape))), [B * heads * N, N]);
  for (const [form, tuning] of FORMS) {
    const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuNode(g, 'gpu/softmax.wgsl', () => softmax(g, 'sm', scores(t))).tensor, { tuning });
    assertClose(got, want, 1e-6, 1e-5, form);
  }
});

test('gpu softmax: logits of ±1e4, of 1e4 ± 8, and rows of equal values, both forms', async () => {
  const N = 77, rows = 6;
  const x = new Float32Array(rows * N);
  const r = random(rows * N, 9);
  for (let j = 0; j < N; j++) {
    x[j] = 1e4 * r[j];                     // spread over ±1e4: one value takes (nearly) all
    x[N + j] = 1e4 + 8 * r[N + j];         // near 1e4: exp of differences only
    x[2 * N + j] = -1e4 - 8 * r[2 * N + j]; // near −1e4 (exp(x) alone would underflow)
    x[3 * N + j] = 1e4;                    // equal values: 1 / N each
    x[4 * N + j] = -3.5;
    x[5 * N + j] = j === 40 ? 1e4 : -1e4;  // one value far above the rest
  }
  const want = softmaxRows(x, [rows, N]);
  for (const [form, tuning] of FORMS) {
    const got = await runGraph([{ shape: [rows, N], data: x }], (g, [t]) => gpuNode(g, 'gpu/softmax.wgsl', () => softmax(g, 'sm', viewOf(t))).tensor, { tuning });
    assertClose(got, want, 1e-6, 1e-5, form);
  }
});

// ---- layer_norm ----

/** [B, N, C] tokens of a [B, C, H, W] map, read in place (`x.flatten(2).transpose(1, 2)`). */
const tokens = (v: View): View => ({ ...v, shape: [v.shape[0], v.shape[2] * v.shape[3], v.shape[1]], strides: [v.strides[0], 1, v.strides[1]] });

/** LayerNorm of the token-major view of a [B, C, H, W] map x, written token-major into a map of the same shape. */
async function lnMap(shape: number[], x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, tuning: Tuning): Promise<Float32Array> {
  return runGraph([{ shape, data: x }], (g, [t]) => {
    const y = g.tensor('y', shape);
    gpuNode(g, 'gpu/norm.wgsl', () => layerNorm(g, 'ln', tokens(viewOf(t)), gamma, beta, eps, tokens(viewOf(y))));
    return y;
  }, { tuning });
}

/** The reference of lnMap, laid out as a plain [B, C, H, W] map. */
function lnMapReference([B, C, H, W]: number[], x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number): Float32Array {
  const rows = new Float32Array(B * H * W * C);
  for (let b = 0; b < B; b++) for (let n = 0; n < H * W; n++) for (let c = 0; c < C; c++) rows[(b * H * W + n) * C + c] = x[(b * C + c) * H * W + n];
  const y = layerNormRows(rows, [B * H * W, C], gamma, beta, eps), out = new Float32Array(x.length);
  for (let b = 0; b < B; b++) for (let n = 0; n < H * W; n++) for (let c = 0; c < C; c++) out[(b * C + c) * H * W + n] = y[(b * H * W + n) * C + c];
  return out;
}

for (const C of LENGTHS) {
  test(`gpu layer_norm: C ${C} over a token-major view of a [2, ${C}, 3, 5] map, both forms`, async () => {
    const shape = [2, C, 3, 5], x = random(2 * C * 15, C).map((v) => 2 * v + 0.5);
    const gamma = random(C, C + 1).map((v) => 1 + 0.5 * v), beta = random(C, C + 2);
    const want = lnMapReference(shape, x, gamma, beta, 1e-6);
    for (const [form, tuning] of FORMS) assertClose(await lnMap(shape, x, gamma, beta, 1e-6, tuning), want, 1e-5, 1e-5, `${form} C${C}`);
  });
}

test('gpu layer_norm: a slice of tokens of contiguous [B, N, C] rows (ViT\'s class token dropped), into [B, N − 1, C] rows', async () => {
  const [B, N, C] = [3, 50, 197];
  const x = random(B * N * C, 3), gamma = random(C, 4), beta = random(C, 5);
  const rows = (t: Tensor, n: number): View => ({ tensor: t, offset: 0, shape: [B, n, C], strides: [n * t.planeStride, t.planeStride, 1] });
  const want = layerNormRows(readView(padded([B * N, C], x), slice(rows(new GraphBuilder().tensor('x', [B * N, C]), N), 1, 1, N - 1)), [B * (N - 1), C], gamma, beta, 1e-6);
  for (const [form, tuning] of FORMS) {
    const got = await runGraph([{ shape: [B * N, C], data: x }], (g, [t]) => {
      const y = g.tensor('y', [B * (N - 1), C]);
      gpuNode(g, 'gpu/norm.wgsl', () => layerNorm(g, 'ln', slice(rows(t, N), 1, 1, N - 1), gamma, beta, 1e-6, rows(y, N - 1)));
      return y;
    }, { tuning });
    assertClose(got, want, 1e-5, 1e-5, form);
  }
});

test('gpu layer_norm: |mean| ≥ 1000·σ (offsets ±(1000 .. 4000) plus dyadic noise), C 1 .. 1000, both forms', async () => {
  for (const C of [3, 64, 65, 197, 1000]) {
    const [B, H, W] = [2, 2, 3], P = H * W, shape = [B, C, H, W];
    // Per token an integer offset, the channels that plus noise in multiples of 1/64 (exact in float32).
    const noise = random(B * C * P, C).map((v) => Math.round(64 * v) / 64), off = random(B * P, C + 1);
    const x = new Float32Array(B * C * P);
    for (let b = 0; b < B; b++) for (let p = 0; p < P; p++) {
      const o = off[b * P + p], offset = Math.sign(o || 1) * Math.round(1000 + 3000 * Math.abs(o));
      for (let c = 0; c < C; c++) x[(b * C + c) * P + p] = offset + noise[(b * C + c) * P + p];
    }
    const gamma = random(C, 2).map((v) => 1 + 0.5 * v), beta = random(C, 3);
    const want = lnMapReference(shape, x, gamma, beta, 1e-6);
    for (const [form, tuning] of FORMS) assertClose(await lnMap(shape, x, gamma, beta, 1e-6, tuning), want, 1e-5, 1e-5, `${form} C${C}`);
  }
});

// ---- mean ----

// [B, C, H, W]: H·W of 1, 3, 63, 64, 65, 197, 1000 and 3136 (56 × 56: 13 quads for some invocations).
const MEAN_SHAPES = [[2, 5, 1, 1], [2, 3, 1, 3], [2, 3, 7, 9], [1, 2, 8, 8], [2, 3, 5, 13], [3, 2, 197, 1], [1, 4, 40, 25], [2, 3, 56, 56]];

for (const shape of MEAN_SHAPES) {
  test(`gpu mean over H×W of [${shape}], both forms`, async () => {
    const x = random(shape.reduce((a, b) => a * b, 1), shape[2] * shape[3]);
    for (const [form, tuning] of FORMS) {
      const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuNode(g, 'gpu/mean.wgsl', () => meanHW(g, 'mean', t)).tensor, { tuning });
      assertClose(got, meanPoolHW(x, shape as [number, number, number, number]), 1e-6, 1e-6, `${form} [${shape}]`);
    }
  });
}

test('gpu mean of values ~±1e4 ± 1: the float64 mean rounded to float32 (within half an ulp), both forms', async () => {
  // The kernel sums x − z, z the plane's first value: the differences and their sums are exact here,
  // so the mean is rounded once. Without the shift the tree of float32 sums is off by up to ~1.4 ulps
  // on these planes (and the CPU family's serial sum by thousands on 224 × 224).
  for (const shape of [[2, 3, 56, 56], [1, 4, 40, 25], [2, 3, 5, 13], [1, 2, 224, 224]]) {
    const [B, C, H, W] = shape, P = H * W;
    const x = random(B * C * P, P).map((v, i) => (Math.floor(i / P) % 2 ? -1 : 1) * (1e4 + 1000 * (Math.floor(i / P) % 3)) + v);
    for (const [form, tuning] of FORMS) {
      const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuNode(g, 'gpu/mean.wgsl', () => meanHW(g, 'mean', t)).tensor, { tuning });
      assertClose(got, meanPoolHW(x, [B, C, H, W]), 0, 6e-8, `${form} [${shape}]`);
    }
  }
});


// ---- more rows than a grid dimension holds ----

// Past 65535 rows grid1d folds the workgroups into y (x: 65535, y: enough), the last row of y partly
// past the end. Running 131070 workgroups of 64 invocations takes SwiftShader ~20 s a kernel and form,
// so the builders' grids are checked at that size without running, and the kernels' side of the fold
// (row = wid.x + wid.y · nwg.x; workgroups past the last row write nothing) runs on the same dispatch
// re-gridded by hand: 7 rows on 3 × 3 workgroups.
test('gpu reductions past 65535 rows: the builders fold the grid into y', () => {
  const g = new GraphBuilder(undefined, FORMS[0][1]);
  softmax(g, 'sm', viewOf(g.input('s', [65600, 3])));
  const t = g.input('m', [1, 3, 256, 260]);
  layerNorm(g, 'ln', tokens(viewOf(t)), random(3), random(3), 1e-5, tokens(viewOf(g.tensor('y', [1, 3, 256, 260]))));
  meanHW(g, 'mean', g.input('p', [2, 32800, 1, 3]));
  assert.deepEqual(g.nodes.map((n) => [n.kernel.file, n.workgroups]), [
    ['gpu/softmax.wgsl', [65535, 2, 1]], ['gpu/norm.wgsl', [65535, 2, 1]], ['gpu/mean.wgsl', [65535, 2, 1]],
  ]);
});

/** Runs op's one node on 3 × 3 workgroups (its 7 rows, then 2 workgroups past them). */
function folded<T>(g: GraphBuilder, file: string, op: () => T): T {
  const out = gpuNode(g, file, op);
  const node = g.nodes[g.nodes.length - 1];
  assert.deepEqual(node.workgroups, [7, 1, 1]);
  node.workgroups = [3, 3, 1];
  return out;
}

test('gpu softmax, layer_norm and mean on a folded grid (7 rows on 3 × 3 workgroups), both forms', async () => {
  const N = 70, x = random(7 * N, 31).map((v) => 4 * v);
  const lnShape = [1, N, 7, 1], gamma = random(N, 32), beta = random(N, 33);
  const meanShape = [1, 7, 7, 10];
  for (const [form, tuning] of FORMS) {
    const sm = await runGraph([{ shape: [7, N], data: x }], (g, [t]) => folded(g, 'gpu/softmax.wgsl', () => softmax(g, 'sm', viewOf(t))).tensor, { tuning });
    assertClose(sm, softmaxRows(x, [7, N]), 1e-6, 1e-5, `softmax ${form}`);
    const ln = await runGraph([{ shape: lnShape, data: x }], (g, [t]) => {
      const y = g.tensor('y', lnShape);
      folded(g, 'gpu/norm.wgsl', () => layerNorm(g, 'ln', tokens(viewOf(t)), gamma, beta, 1e-6, tokens(viewOf(y))));
      return y;
    }, { tuning });
    assertClose(ln, lnMapReference(lnShape, x, gamma, beta, 1e-6), 1e-5, 1e-5, `layer_norm ${form}`);
    const mean = await runGraph([{ shape: meanShape, data: x }], (g, [t]) => folded(g, 'gpu/mean.wgsl', () => meanHW(g, 'mean', t)).tensor, { tuning });
    assertClose(mean, meanPoolHW(x, [1, 7, 7, 10]), 1e-6, 1e-6, `mean ${form}`);
  }
});
