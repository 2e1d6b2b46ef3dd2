// The unfused schedule's primitive kernels (elementwise, copy, norm, softmax, matmul, mean,
// conv_transpose) against plain CPU references, on odd shapes and on strided views (permutes,
// slices, broadcasts) read in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { toPadded } from '../src/graph/layout.ts';
import { viewOf, type Tensor, type View } from '../src/graph/ir.ts';
import { batchNorm, binary, unary } from '../src/ops/elementwise.ts';
import { copy, gather } from '../src/ops/copy.ts';
import { layerNorm } from '../src/ops/layer-norm.ts';
import { softmax } from '../src/ops/softmax.ts';
import { matmul } from '../src/ops/matmul.ts';
import { meanHW } from '../src/ops/mean.ts';
import { convTransposeDepthwise } from '../src/ops/conv-transpose.ts';
import { output, permute, slice, split } from '../src/ops/views.ts';
import { batchNorm2d, convTranspose2dDepthwise, geluScalar, layerNormRows, meanPoolHW, sigmoidScalar, softmaxRows } from '../src/reference/ops.ts';
import { readView } from './helpers/views.ts';

/** A random input of `shape`, its padded layout, and the tensor a graph of the same shape would give it (for views). */
function input(shape: number[], seed: number) {
  const data = random(shape.reduce((a, b) => a * b, 1), seed);
  const t: Tensor = new GraphBuilder().tensor('x', shape);
  return { shape, data, padded: toPadded(t, data), tensor: t };
}

const view = (t: Tensor, f: (v: View) => View) => f(viewOf(t));

test('unary ops (ReLU, GELU, sigmoid, scale) on a token-major view of a map', async () => {
  const x = input([2, 5, 3, 7], 1);
  const perm = (v: View) => permute(v, [0, 2, 3, 1]);
  const want = readView(x.padded, perm(viewOf(x.tensor)));
  for (const [op, f] of [['relu', (v: number) => Math.max(v, 0)], ['gelu', geluScalar], ['sigmoid', sigmoidScalar], ['scale', (v: number) => v * 0.25]] as const) {
    const got = await runGraph([x], (g, [t]) => unary(g, op, view(t, perm), op, { alpha: 0.25 }).tensor);
    assertClose(got, Array.from(want, f), 1e-6, 1e-6, op);
  }
});

test('binary add and mul broadcast a [B, C] gate over a map and a [C] bias over tokens', async () => {
  const x = input([2, 6, 5, 3], 2), gate = input([2, 6], 3);
  const got = await runGraph([x, gate], (g, [t, s]) => {
    const z = { ...viewOf(s), shape: [2, 6, 1, 1], strides: [s.planeStride, 1, 0, 0] };
    return binary(g, 'mul', viewOf(t), 'mul', z).tensor;
  });
  assertClose(got, Array.from(x.data, (v, i) => v * gate.data[Math.floor(i / 15)]), 1e-6, 1e-6, 'mul');
  const bias = random(6, 4);
  const got2 = await runGraph([x], (g, [t]) => {
    const b = g.weight('b', bias);
    const tokens = permute(view(t, (v) => ({ ...v, shape: [2, 6, 15], strides: [v.strides[0], v.strides[1], 1] })), [0, 2, 1]);
    return binary(g, 'add', tokens, 'add', { weight: b, offset: 0, shape: [6], strides: [1] }).tensor;
  });
  const want2 = new Float32Array(2 * 15 * 6);
  for (let b = 0; b < 2; b++) for (let n = 0; n < 15; n++) for (let c = 0; c < 6; c++) want2[(b * 15 + n) * 6 + c] = x.data[(b * 6 + c) * 15 + n] + bias[c];
  assertClose(got2, want2, 1e-6, 1e-6, 'add');
});

test('batch_norm from running statistics matches BatchNorm2d in eval mode', async () => {
  const x = input([2, 7, 5, 3], 5);
  const bn = { weight: random(7, 6), bias: random(7, 7), running_mean: random(7, 8), running_var: random(7, 9).map((v) => 1.2 + v) };
  const got = await runGraph([x], (g, [t]) => batchNorm(g, 'bn', viewOf(t), bn, 1e-5).tensor);
  assertClose(got, batchNorm2d(x.data, [2, 7, 5, 3], bn, 1e-5), 2e-6, 2e-6, 'bn');
});

test('copy: window partition (6-D permute), zero padding, crop, sampling, cat into channel slices', async () => {
  // [B, C, H, W] = [2, 3, 6, 9] padded to 7×14 (two 7×7 windows across), partitioned, read back.
  const x = input([2, 3, 6, 9], 10);
  const got = await runGraph([x], (g, [t]) => {
    const padded = copy(g, 'pad', viewOf(t), { shape: [2, 3, 7, 14] });
    // [B, C, nH, r, nW, r] → [B, nH, nW, C, r, r]: windows as [B·nH·nW, C, r, r] maps.
    const parts = split(split(padded, 3, 2), 2, 1);
    const win = output(g, 'windows', [2 * 1 * 2, 3, 7, 7]);
    copy(g, 'partition', permute(parts, [0, 2, 4, 1, 3, 5]), { out: { ...win, shape: [2, 1, 2, 3, 7, 7], strides: [2 * win.strides[0], 2 * win.strides[0], win.strides[0], win.strides[1], 7, 1] } });
    return win.tensor;
  });
  const want = new Float32Array(4 * 3 * 49);
  for (let b = 0; b < 2; b++) for (let j = 0; j < 2; j++) for (let c = 0; c < 3; c++) for (let y = 0; y < 7; y++) for (let xx = 0; xx < 7; xx++) {
    const sy = y, sx = j * 7 + xx;
    want[(((b * 2 + j) * 3 + c) * 7 + y) * 7 + xx] = sy < 6 && sx < 9 ? x.data[((b * 3 + c) * 6 + sy) * 9 + sx] : 0;
  }
  assertClose(got, want, 0, 0, 'partition');

  const crop = await runGraph([x], (g, [t]) => copy(g, 'crop', slice(slice(viewOf(t), 2, 1, 4), 3, 2, 5)).tensor);
  assertClose(crop, readView(x.padded, slice(slice(viewOf(x.tensor), 2, 1, 4), 3, 2, 5)), 0, 0, 'crop');

  const sampled = await runGraph([x], (g, [t]) => {
    const v = viewOf(t);
    return copy(g, 'sample', { ...v, shape: [2, 3, 3, 3], strides: [v.strides[0], v.strides[1], 2 * 9, 3] }).tensor;
  });
  assertClose(sampled, readView(x.padded, { offset: 0, shape: [2, 3, 3, 3], strides: [x.tensor.planeStride * 3, x.tensor.planeStride, 18, 3] }), 0, 0, 'sample');

  const y = input([2, 2, 6, 9], 11);
  const cat = await runGraph([x, y], (g, [a, b]) => {
    const out = g.tensor('cat', [2, 5, 6, 9]);
    copy(g, 'cat0', viewOf(a), { out: slice(viewOf(out), 1, 0, 3) });
    copy(g, 'cat1', viewOf(b), { out: slice(viewOf(out), 1, 3, 2) });
    return out;
  });
  const wantCat = new Float32Array(2 * 5 * 54);
  for (let b = 0; b < 2; b++) { wantCat.set(x.data.subarray(b * 162, (b + 1) * 162), b * 270); wantCat.set(y.data.subarray(b * 108, (b + 1) * 108), b * 270 + 162); }
  assertClose(cat, wantCat, 0, 0, 'cat');
});

test('gather: attention_biases[:, idxs]', async () => {
  const src = random(3 * 10, 12), idx = Int32Array.from({ length: 23 }, (_, i) => (i * 7) % 10);
  const got = await runGraph([input([1, 4], 1)], (g) => gather(g, 'ab', src, 3, idx).tensor);
  const want = new Float32Array(3 * 23);
  for (let r = 0; r < 3; r++) for (let j = 0; j < 23; j++) want[r * 23 + j] = src[r * 10 + idx[j]];
  assertClose(got, want, 0, 0, 'gather');
  assert.throws(() => gather(new GraphBuilder(), 'bad', src, 3, Int32Array.of(10)), /outside \[0, 10\)/);
});

test('layer_norm over the channels of a token-major view, written channel-major', async () => {
  const [B, C, H, W] = [2, 13, 3, 5];
  const x = input([B, C, H, W], 13);
  const gamma = random(C, 14), beta = random(C, 15);
  const tokens = (v: View): View => ({ ...v, shape: [B, H * W, C], strides: [v.strides[0], 1, v.strides[1]] });
  const got = await runGraph([x], (g, [t]) => {
    const y = g.tensor('y', [B, C, H, W]);
    layerNorm(g, 'ln', view(t, tokens), gamma, beta, 1e-6, tokens(viewOf(y)));
    return y;
  });
  const rows = layerNormRows(readView(x.padded, tokens(viewOf(x.tensor))), [B * H * W, C], gamma, beta, 1e-6);
  const want = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++) for (let n = 0; n < H * W; n++) for (let c = 0; c < C; c++) want[(b * C + c) * H * W + n] = rows[(b * H * W + n) * C + c];
  assertClose(got, want, 2e-6, 2e-6, 'layer_norm');
});

test('softmax over the rows of a rank-3 score tensor', async () => {
  const x = input([6, 49], 16);
  const got = await runGraph([x], (g, [t]) => softmax(g, 'sm', { ...viewOf(t), shape: [2, 3, 49], strides: [3 * t.planeStride, t.planeStride, 1] }).tensor);
  assertClose(got, softmaxRows(x.data, [6, 49]), 1e-6, 1e-6, 'softmax');
  // Rows inside padded planes of a 4-D map ([B, heads, N, N] scores as a map: planes of 25 padded to 28).
  const m = input([2, 2, 5, 5], 26);
  const got4 = await runGraph([m], (g, [t]) => softmax(g, 'sm4', viewOf(t)).tensor);
  assertClose(got4, softmaxRows(m.data, [20, 5]), 1e-6, 1e-6, 'softmax 4-D');
});

test('matmul: batched, transposed operands, a shared weight, bias per row or column', async () => {
  const [b1, b2, M, K, N] = [2, 3, 11, 7, 13];
  const a = input([b1 * b2 * K, M], 17); // stored transposed: a[b, k, m]
  const bm = input([b1 * b2 * K, N], 18);
  const w = random(M * K, 19), bias = random(N, 20), biasM = random(M, 21);
  const at = (t: Tensor): View => ({ tensor: t, offset: 0, shape: [b1, b2, M, K], strides: [b2 * K * t.planeStride, K * t.planeStride, 1, t.planeStride] });
  const bt = (t: Tensor): View => ({ tensor: t, offset: 0, shape: [b1, b2, K, N], strides: [b2 * K * t.planeStride, K * t.planeStride, t.planeStride, 1] });
  const got = await runGraph([a, bm], (g, [ta, tb]) => matmul(g, 'mm', at(ta), bt(tb), { bias: { data: bias, along: 'n' } }).tensor);
  const A = readView(a.padded, at(a.tensor)), Bv = readView(bm.padded, bt(bm.tensor));
  const want = new Float32Array(b1 * b2 * M * N);
  for (let bb = 0; bb < b1 * b2; bb++) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = bias[n];
    for (let k = 0; k < K; k++) s += A[(bb * M + m) * K + k] * Bv[(bb * K + k) * N + n];
    want[(bb * M + m) * N + n] = s;
  }
  assertClose(got, want, 1e-5, 1e-5, 'bmm');

  // A weight [M, K] shared by the batch times a channel slice of a map (a 1×1 conv on a chunk).
  const x = input([2, 9, 3, 5], 22);
  const got2 = await runGraph([x], (g, [t]) => {
    const chunk = slice({ ...viewOf(t), shape: [2, 9, 15], strides: [9 * t.planeStride, t.planeStride, 1] }, 1, 2, K);
    return matmul(g, 'conv', { weight: g.weight('w', w), offset: 0, shape: [M, K], strides: [K, 1] }, chunk, { bias: { data: biasM, along: 'm' } }).tensor;
  });
  const want2 = new Float32Array(2 * M * 15);
  for (let b = 0; b < 2; b++) for (let m = 0; m < M; m++) for (let p = 0; p < 15; p++) {
    let s = biasM[m];
    for (let k = 0; k < K; k++) s += w[m * K + k] * x.data[((b * 9 + 2 + k) * 15) + p];
    want2[(b * M + m) * 15 + p] = s;
  }
  assertClose(got2, want2, 1e-5, 1e-5, 'conv on a slice');
});

test('mean over H×W and the depthwise transposed conv (LocalProp)', async () => {
  const x = input([2, 5, 3, 7], 23);
  assertClose(await runGraph([x], (g, [t]) => meanHW(g, 'mean', t).tensor), meanPoolHW(x.data, [2, 5, 3, 7]), 1e-6, 1e-6, 'mean');
  const S = 3, w = random(5 * S * S, 24), b = random(5, 25);
  const got = await runGraph([x], (g, [t]) => convTransposeDepthwise(g, 'lp', viewOf(t), w, b, S));
  assertClose(got, convTranspose2dDepthwise(x.data, [2, 5, 3, 7], w, b, S).y, 1e-6, 1e-6, 'conv_transpose');
});
