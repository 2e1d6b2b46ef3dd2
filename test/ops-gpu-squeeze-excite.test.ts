// The GPU family's squeeze-excite gate (shaders/gpu/squeeze_excite.wgsl: channel means, fc1 + ReLU
// and fc2 + sigmoid, each a workgroup sum over 16 × 16 invocations) against the CPU reference, forced
// on this adapter with `kernels: 'gpu'`: channels and hidden units that are not multiples of 4 or of
// a workgroup's 16 (or 64) outputs, planes of 1 pixel to more quads than a workgroup has lanes, batch
// > 1, EfficientViT-M0's two shapes, and half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { squeezeExciteGate } from '../src/ops/squeeze-excite.ts';
import * as ref from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

function gpuGate(g: GraphBuilder, x: Tensor, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, R: number): Tensor {
  const s = squeezeExciteGate(g, 'se', x, w1, b1, w2, b2, R);
  assert.deepEqual(g.nodes.slice(-3).map((n) => `${n.kernel.file}:${n.kernel.entry}`),
    ['gpu/squeeze_excite.wgsl:mean', 'gpu/squeeze_excite.wgsl:fc1', 'gpu/squeeze_excite.wgsl:fc2']);
  return s;
}

// B, C, R, H, W
const shapes: [number, number, number, number, number][] = [
  [1, 24, 8, 7, 7],
  [2, 37, 11, 4, 5],      // C, R not multiples of 4; 20 pixels
  [1, 256, 64, 7, 7],     // EfficientViT-M0's first PatchMerging at 224
  [3, 512, 128, 4, 4],    // its second, three images
  [1, 5, 3, 1, 1],        // one pixel (a quad of 1), C < 16
  [2, 40, 70, 13, 11],    // 36 pixel quads per plane (> 16 lanes), R past 64 (two fc1 workgroups)
];

for (const [B, C, R, H, W] of shapes) {
  test(`gpu squeeze-excite gate B${B} C${C} R${R} ${H}×${W}`, async () => {
    const x = random(B * C * H * W, 31 + C), w1 = random(R * C, 32), b1 = random(R, 33), w2 = random(C * R, 34), b2 = random(C, 35);
    const hidden = ref.relu(ref.linear(ref.meanPoolHW(x, [B, C, H, W]), [B, C], w1, b1));
    const want = ref.sigmoid(ref.linear(hidden, [B, R], w2, b2));
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => gpuGate(g, t, w1, b1, w2, b2, R), { tuning: GPU });
    assertClose(got, want, 1e-6, 1e-5);
  });
}

test('gpu squeeze-excite gate with half-precision weights equals the float32 run on the same halves', async () => {
  const [B, C, R, H, W] = [2, 37, 11, 4, 5];
  const half = (n: number, seed: number) => random(n, seed).map((v) => Math.round(v * 256) / 256);
  const x = random(B * C * H * W, 51), w1 = half(R * C, 52), b1 = random(R, 53), w2 = half(C * R, 54), b2 = random(C, 55);
  const build = (g: GraphBuilder, [t]: Tensor[]) => gpuGate(g, t, w1, b1, w2, b2, R);
  const want = await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});
