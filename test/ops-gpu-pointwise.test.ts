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
