// The GPU family's pointwise kernel (shaders/gpu/pointwise.wgsl: 64 × 64 workgroup tiles staged
// through workgroup memory) against the CPU reference, forced on this adapter with
// `kernels: 'gpu'`: every input and output stage of the CPU family's kernel, on shapes with tails in
// m (rows ≥ M in a 64-row tile), k (past K in a 16-deep stage; K < 4), pixels (past the plane in a
// 64-pixel tile) and batch > 1, LayerNorm input with |mean| ≥ 1000 × σ, and half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { pointwise, type PointwiseOptions } from '../src/ops/pointwise.ts';
import { conv2d, gelu, relu, add, layerNormChannels } from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

/** pointwise() in the GPU family, checking that it chose the GPU kernel. */
function gpuPointwise(g: GraphBuilder, x: Tensor, w: Float32Array, b: Float32Array, M: number, opts: PointwiseOptions = {}): Tensor {
  const y = pointwise(g, 'pw', x, w, b, M, opts);
  assert.equal(g.nodes[g.nodes.length - 1].kernel.file, 'gpu/pointwise.wgsl');
  return y;
}

const shapes: [number, number, number, number, number][] = [
  // B, K, M, H, W
  [1, 5, 7, 3, 3],
  [2, 19, 33, 7, 7],
  [1, 64, 128, 14, 14],   // whole tiles in m, a pixel tail (196 = 3·64 + 4)
  [3, 3, 17, 5, 2],       // K < 4, three images
  [1, 130, 70, 1, 1],     // one pixel, K past two stages, M past one tile
  [2, 24, 100, 20, 21],   // 420 pixels (6 tiles and a tail of 36), tails everywhere
  [1, 1, 9, 9, 9],        // K = 1
];

for (const [B, K, M, H, W] of shapes) {
  test(`gpu pointwise B${B} K${K} M${M} ${H}x${W}: plain, relu in/out + residual, scale, shift, GELU`, async () => {
    const x = random(B * K * H * W, K + M), w = random(M * K, 7), b = random(M, 8);
    const res = random(B * M * H * W, 9), sc = random(B * K, 10).map((v) => v + 1.5);
    const want = (xin: Float32Array) => conv2d(xin, [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y;
    const one = [{ shape: [B, K, H, W], data: x }];

    assertClose(await runGraph(one, (g, [t]) => gpuPointwise(g, t, w, b, M), { tuning: GPU }), want(x), 1e-5, 1e-5, 'plain');

    const gotRelu = await runGraph([...one, { shape: [B, M, H, W], data: res }],
      (g, [t, r]) => gpuPointwise(g, t, w, b, M, { reluIn: true, reluOut: true, residual: r }), { tuning: GPU });
    assertClose(gotRelu, add(relu(want(relu(x))), res), 1e-5, 1e-5, 'relu+residual');

    const scaled = x.map((v, i) => v * sc[Math.floor(i / (H * W))]);
    const gotScale = await runGraph([...one, { shape: [B, K], data: sc }], (g, [t, s]) => gpuPointwise(g, t, w, b, M, { scale: s }), { tuning: GPU });
    assertClose(gotScale, want(scaled), 1e-5, 1e-5, 'scale');

    // A BatchNorm's running mean of ~1000 left to the kernel: x − shift is exact, the reference convolves it.
    const shift = random(K, K + 3).map((v) => 1000 + 300 * v);
    const near = x.map((v, i) => shift[Math.floor(i / (H * W)) % K] + v);
    const gotShift = await runGraph([{ shape: [B, K, H, W], data: near }], (g, [t]) => gpuPointwise(g, t, w, b, M, { shift }), { tuning: GPU });
    assertClose(gotShift, want(near.map((v, i) => v - shift[Math.floor(i / (H * W)) % K])), 1e-5, 1e-5, 'shift');

    assertClose(await runGraph(one, (g, [t]) => gpuPointwise(g, t, w, b, M, { geluOut: true }), { tuning: GPU }), gelu(want(x)), 1e-5, 1e-5, 'gelu');
  });

  test(`gpu pointwise B${B} K${K} M${M} ${H}x${W}: LayerNorm in, |mean| ≥ 1000·σ`, async () => {
    // Per pixel an integer offset of ±(1000 .. 4000) plus dyadic noise (exact in float32): the
    // statistics and the corrected sums must not see the offset (layer_norm.wgsl's shifted sums).
    const noise = random(B * K * H * W, K).map((v) => Math.round(64 * v) / 64), off = random(B * H * W, K + 1);
    const x = noise.map((v, i) => {
      const bi = Math.floor(i / (K * H * W)), p = i % (H * W), o = off[bi * H * W + p];
      return Math.sign(o || 1) * Math.round(1000 + 3000 * Math.abs(o)) + v;
    });
    const w = random(M * K, 2), b = random(M, 3), gamma = random(K, 4).map((v) => 1 + 0.5 * v), beta = random(K, 5), eps = 1e-5;
    const want = conv2d(layerNormChannels(x, [B, K, H, W], gamma, beta, eps), [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y;
    const got = await runGraph([{ shape: [B, K, H, W], data: x }], (g, [t]) => gpuPointwise(g, t, w, b, M, { ln: { gamma, beta, eps } }), { tuning: GPU });
    // K = 1 normalises to 0 (β only): still exact. Otherwise a few ulps of the O(1) values, times √K.
    assertClose(got, want, 2e-5, 2e-5, 'LN_IN');
  });
}

test('gpu pointwise with half-precision weights (packed and, where the adapter has it, shader-f16) equals the float32 run on the same halves', async () => {
  const [B, K, M, H, W] = [2, 37, 70, 9, 11];
  // Weights that are exact halves, so the f16 forms hold the same values as the f32 one.
  const w = random(M * K, 11).map((v) => Math.round(v * 256) / 256), b = random(M, 12), x = random(B * K * H * W, 13);
  const build = (g: GraphBuilder, [t]: Tensor[]) => gpuPointwise(g, t, w, b, M, { reluOut: true });
  const want = await runGraph([{ shape: [B, K, H, W], data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape: [B, K, H, W], data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});

test('gpu pointwise split-K: partial sums over K splits, then their sum with every output stage; a LayerNorm input does not split', async () => {
  // Split whenever a dispatch has fewer than 1000 workgroups, in chunks of ≥ 16 channels (tails in K and in the last split).
  const SPLIT: Tuning = { ...GPU, splitK: { below: 1000, minK: 16 } };
  for (const [B, K, M, H, W] of [[1, 130, 70, 4, 4], [2, 67, 33, 3, 5], [1, 64, 9, 1, 1]] as const) {
    const x = random(B * K * H * W, K), w = random(M * K, 3), b = random(M, 4), res = random(B * M * H * W, 5);
    const sc = random(B * K, 6).map((v) => v + 1.5), shift = random(K, 7).map((v) => 100 * v);
    let kinds: string[] = [];
    const got = await runGraph([{ shape: [B, K, H, W], data: x }, { shape: [B, M, H, W], data: res }, { shape: [B, K], data: sc }], (g, [t, r, s]) => {
      const y = pointwise(g, 'pw', t, w, b, M, { reluIn: true, geluOut: true, residual: r, scale: s, shift });
      kinds = g.nodes.map((n) => `${n.kernel.entry}${n.kernel.overrides?.SPLIT_K ? '+split' : ''}`);
      return y;
    }, { tuning: SPLIT });
    assert.deepEqual(kinds, ['main+split', 'reduce'], 'split into two dispatches');
    const xin = x.map((v, i) => Math.max(v, 0) * sc[Math.floor(i / (H * W))] - shift[Math.floor(i / (H * W)) % K]);
    assertClose(got, add(gelu(conv2d(xin, [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y), res), 1e-5, 1e-5, `split B${B} K${K} M${M}`);
  }
  // Half weights: the split dispatch reads them, the reduce has none (its f32 form).
  const [B, K, M, H, W] = [2, 100, 30, 3, 3];
  const x = random(B * K * H * W, 21), w = random(M * K, 22).map((v) => Math.round(v * 256) / 256), b = random(M, 23);
  const build = (g: GraphBuilder, [t]: Tensor[]) => pointwise(g, 'pw', t, w, b, M, { reluOut: true });
  const want = await runGraph([{ shape: [B, K, H, W], data: x }], build, { tuning: SPLIT });
  assertClose(await runGraph([{ shape: [B, K, H, W], data: x }], build, { tuning: SPLIT, weights: 'f16-packed' }), want, 1e-6, 1e-6, 'split, f16-packed');
  let entries: string[] = [];
  const [B2, K2, M2, H2, W2] = [1, 96, 20, 2, 2];
  const x2 = random(B2 * K2 * H2 * W2, 1).map((v) => 1000 + v), w2 = random(M2 * K2, 2), b2 = random(M2, 3), gamma = random(K2, 4), beta = random(K2, 5);
  const got = await runGraph([{ shape: [B2, K2, H2, W2], data: x2 }], (g, [t]) => {
    const y = pointwise(g, 'pw', t, w2, b2, M2, { ln: { gamma, beta, eps: 1e-5 } });
    entries = g.nodes.map((n) => n.kernel.entry);
    return y;
  }, { tuning: SPLIT });
  assert.deepEqual(entries, ['main'], 'LN_IN runs in one dispatch');
  assertClose(got, conv2d(layerNormChannels(x2, [B2, K2, H2, W2], gamma, beta, 1e-5), [B2, K2, H2, W2], w2, b2, { cout: M2, kh: 1, kw: 1 }).y, 2e-5, 2e-5, 'LN_IN unsplit');
});
