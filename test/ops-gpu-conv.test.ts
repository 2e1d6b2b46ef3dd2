// The GPU family's dense convolutions (shaders/gpu/conv2d.wgsl and shaders/gpu/patch_embed.wgsl, the
// implicit GEMM of shaders/include/implicit_gemm.wgsl) against the CPU reference, forced on this adapter
// with `kernels: 'gpu'`: tails in the channels (Cout past a 64-channel tile, Cout < 4), the taps (K past
// a 16-deep stage, K < 16), the pixels (past a 16- or 64-pixel tile, planes not a multiple of 4), batch
// > 1; both tile widths (PQ = 16 and 4); kernel sizes, strides and paddings of the models and others;
// ReLU; the LayerNorm over 1 to 3 channel tiles with |mean| ≥ 1000·σ; half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { conv2d } from '../src/ops/conv2d.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import * as ref from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

/** Runs `make` and checks that it added one node, of the GPU family's `file`; returns its output and PQ. */
function expectKernel(g: GraphBuilder, file: string, make: () => Tensor, seen?: Set<unknown>): Tensor {
  const before = g.nodes.length;
  const y = make();
  assert.equal(g.nodes.length, before + 1);
  const node = g.nodes[before];
  assert.equal(node.kernel.file, file);
  seen?.add(node.kernel.overrides?.PQ);
  return y;
}

// B, Cin, Cout, H, W, k, stride, pad
const CONVS: [number, number, number, number, number, number, number, number][] = [
  [1, 3, 8, 17, 13, 3, 2, 1],     // the EfficientViT stem's first conv, odd sizes: K = 27 (a tail of 11)
  [2, 5, 19, 9, 10, 3, 1, 1],     // batch 2, K = 45
  [1, 16, 32, 28, 28, 3, 2, 1],   // K = 144 (9 whole stages), 196 pixels
  [1, 3, 7, 11, 9, 4, 4, 0],      // non-overlapping patches, K = 48, Cout < 8
  [2, 32, 70, 15, 15, 3, 2, 1],   // Cout past one 64-channel tile, K = 288
  [1, 3, 8, 100, 90, 3, 1, 1],    // 9000 pixels: 64-pixel tiles (PQ = 16), 141 of them
  [3, 2, 130, 7, 6, 5, 1, 2],     // three channel tiles, pad 2, K = 50, three images
  [1, 1, 3, 5, 5, 2, 2, 0],       // Cin 1, Cout 3, K = 4 (one stage, mostly zeros), 4 pixels
  [1, 6, 9, 13, 11, 3, 3, 2],     // stride 3 with a pad of 2: taps outside on both sides
];

for (const [B, Cin, Cout, H, W, k, s, pad] of CONVS) {
  test(`gpu conv2d B${B} ${Cin}→${Cout} ${H}×${W} k${k} s${s} p${pad}, with and without ReLU`, async () => {
    const x = random(B * Cin * H * W, 11), w = random(Cout * Cin * k * k, 12), b = random(Cout, 13);
    const want = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: s, pad }).y;
    for (const relu of [false, true]) {
      const got = await runGraph([{ shape: [B, Cin, H, W], data: x }],
        (g, [t]) => expectKernel(g, 'gpu/conv2d.wgsl', () => conv2d(g, 'c', t, w, b, { cout: Cout, k, stride: s, pad, relu })), { tuning: GPU });
      assertClose(got, relu ? ref.relu(want) : want, 1e-5, 1e-5, `relu=${relu}`);
    }
  });
}

// B, Cin, Cout, H, W, k: sizes that k does not divide, Cout within one, two and three channel tiles
// (13, 64, 96, 130), Cout < 4, taps not a multiple of 16.
const EMBED: [number, number, number, number, number, number][] = [
  [2, 5, 13, 25, 27, 2],
  [1, 3, 36, 19, 18, 4],   // EdgeViT's first stage, small
  [2, 7, 19, 10, 11, 3],
  [1, 3, 96, 30, 33, 4],   // Swin-T's patch embedding: two channel tiles
  [1, 11, 64, 8, 9, 2],    // one whole channel tile
  [2, 9, 130, 9, 7, 2],    // three channel tiles (the last with 2 channels)
  [1, 4, 3, 6, 6, 2],      // Cout 3
  [1, 3, 24, 186, 190, 2], // 8835 pixels: 64-pixel tiles (PQ = 16)
];

test('the shapes above and below cover both tile widths of both kernels', () => {
  const conv = new Set<unknown>(), embed = new Set<unknown>();
  for (const [B, Cin, Cout, H, W, k, s, pad] of CONVS) {
    const g = new GraphBuilder(undefined, GPU);
    expectKernel(g, 'gpu/conv2d.wgsl', () => conv2d(g, 'c', g.input('x', [B, Cin, H, W]), new Float32Array(Cout * Cin * k * k), new Float32Array(Cout), { cout: Cout, k, stride: s, pad }), conv);
  }
  for (const [B, Cin, Cout, H, W, k] of EMBED) {
    const g = new GraphBuilder(undefined, GPU), ones = new Float32Array(Cout).fill(1);
    expectKernel(g, 'gpu/patch_embed.wgsl', () => patchEmbed(g, 'pe', g.input('x', [B, Cin, H, W]), new Float32Array(Cout * Cin * k * k), ones, k, { gamma: ones, beta: ones, eps: 1e-5 }), embed);
  }
  assert.deepEqual([...conv].sort(), [16, 4], 'conv2d');
  assert.deepEqual([...embed].sort(), [16, 4], 'patch embedding');
});

for (const [B, Cin, Cout, H, W, k] of EMBED) {
  test(`gpu patch embedding B${B} ${Cin}→${Cout} ${H}×${W} k${k}, with and without LayerNorm`, async () => {
    const x = random(B * Cin * H * W, 51), w = random(Cout * Cin * k * k, 52), b = random(Cout, 53);
    const gamma = random(Cout, 54), beta = random(Cout, 55);
    const conv = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: k, pad: 0 });
    const want = ref.layerNormChannels(conv.y, conv.shape, gamma, beta, 1e-5);
    const one = [{ shape: [B, Cin, H, W], data: x }];
    const got = await runGraph(one, (g, [t]) => expectKernel(g, 'gpu/patch_embed.wgsl', () => patchEmbed(g, 'pe', t, w, b, k, { gamma, beta, eps: 1e-5 })), { tuning: GPU });
    assertClose(got, want, 1e-5, 1e-5, 'LayerNorm');
    // Without the LayerNorm (DeiT's patch embedding, the unfused schedule's conv): gpu/conv2d.wgsl.
    const plain = await runGraph(one, (g, [t]) => expectKernel(g, 'gpu/conv2d.wgsl', () => patchEmbed(g, 'pe', t, w, b, k, null)), { tuning: GPU });
    assertClose(plain, conv.y, 1e-5, 1e-5, 'conv without LayerNorm');
  });
}

for (const [B, Cin, Cout, H, W, k, off] of [[2, 3, 21, 6, 10, 2, 3000], [1, 5, 96, 12, 12, 4, -2500], [2, 4, 150, 5, 7, 3, 3900]] as const) {
  test(`gpu patch embedding B${B} ${Cin}→${Cout} k${k}: LayerNorm of conv outputs at ${off} with |mean| ≥ 1000·σ`, async () => {
    // Inputs in 1/16, weights in 1/256 and integer biases: the conv's outputs (|v| < 4096, in 1/4096)
    // are exact in float32, in any order of summation, and equal the reference's. They sit at `off`
    // with a spread of ~1 over the channels: the statistics must not see the offset (layer_norm.wgsl's
    // shift by channel 0).
    const x = random(B * Cin * H * W, 61).map((v) => Math.round(16 * v) / 16);
    const w = random(Cout * Cin * k * k, 62).map((v) => Math.round(16 * v) / 256);
    const b = random(Cout, 63).map((v) => off + Math.round(v));
    const gamma = random(Cout, 64).map((v) => 1 + 0.5 * v), beta = random(Cout, 65);
    const conv = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: k, pad: 0 });
    const HW = conv.shape[2] * conv.shape[3];
    for (let i = 0; i < B * HW; i++) {
      const at = (c: number) => conv.y[(Math.floor(i / HW) * Cout + c) * HW + (i % HW)];
      let mean = 0, m2 = 0;
      for (let c = 0; c < Cout; c++) mean += at(c) / Cout;
      for (let c = 0; c < Cout; c++) m2 += (at(c) - mean) ** 2;
      assert.ok(Math.abs(mean) >= 1000 * Math.sqrt(m2 / Cout), `pixel ${i}: mean ${mean}, σ ${Math.sqrt(m2 / Cout)}`);
    }
    const want = ref.layerNormChannels(conv.y, conv.shape, gamma, beta, 1e-5);
    const got = await runGraph([{ shape: [B, Cin, H, W], data: x }],
      (g, [t]) => expectKernel(g, 'gpu/patch_embed.wgsl', () => patchEmbed(g, 'pe', t, w, b, k, { gamma, beta, eps: 1e-5 })), { tuning: GPU });
    assertClose(got, want, 2e-5, 2e-5);
  });
}

test('gpu conv2d and patch embedding with half-precision weights (packed and, where the adapter has it, shader-f16) equal the float32 runs on the same halves', async () => {
  const rt = await runtime();
  // Weights that are exact halves, so the f16 forms hold the same values as the f32 one.
  const half = (n: number, seed: number) => random(n, seed).map((v) => Math.round(v * 256) / 256);
  const cases: [string, number[], (g: GraphBuilder, t: Tensor) => Tensor][] = [
    ['conv2d', [2, 5, 17, 13], (g, t) => expectKernel(g, 'gpu/conv2d.wgsl', () => conv2d(g, 'c', t, half(70 * 5 * 9, 71), random(70, 72), { cout: 70, k: 3, stride: 2, pad: 1, relu: true }))],
    ['patch embedding', [2, 3, 18, 22], (g, t) => expectKernel(g, 'gpu/patch_embed.wgsl',
      () => patchEmbed(g, 'pe', t, half(80 * 3 * 16, 73), random(80, 74), 4, { gamma: random(80, 75), beta: random(80, 76), eps: 1e-5 }))],
  ];
  for (const [what, shape, make] of cases) {
    const input = [{ shape, data: random(shape.reduce((a, b) => a * b), 77) }];
    const want = await runGraph(input, (g, [t]) => make(g, t), { tuning: GPU });
    for (const weights of ['f16-packed', 'f16'] as const) {
      if (weights === 'f16' && !rt.gpu.hasF16) continue;
      assertClose(await runGraph(input, (g, [t]) => make(g, t), { tuning: GPU, weights }), want, 1e-6, 1e-6, `${what} ${weights}`);
    }
  }
});
