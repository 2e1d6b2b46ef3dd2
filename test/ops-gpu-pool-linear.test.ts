// The GPU family's classifier head (shaders/gpu/pool_linear.wgsl: a workgroup per 64 classes of an
// image, channel means and dot products each a workgroup sum) against the CPU reference, forced on
// this adapter with `kernels: 'gpu'`: channels past one round of 64 and not a multiple of 4, up to the
// 512 the kernel takes; classes past a 64-class tile and not a multiple of 4; planes of one pixel to
// more quads than the 4 lanes per channel; batch > 1; an input ~1000 off per channel with the shift
// (HAS_SHIFT); half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { poolLinear } from '../src/ops/pool-linear.ts';
import * as ref from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

function gpuHead(g: GraphBuilder, x: Tensor, w: Float32Array, b: Float32Array, O: number, shift?: Float32Array): Tensor {
  const y = poolLinear(g, 'head', x, w, b, O, shift);
  assert.equal(g.nodes[g.nodes.length - 1].kernel.file, 'gpu/pool_linear.wgsl');
  return y;
}

// B, C, O, H, W
const shapes: [number, number, number, number, number][] = [
  [1, 64, 1000, 4, 4],
  [2, 37, 13, 3, 5],
  [3, 384, 1000, 7, 7],   // DeiT-S / EfficientViT-M4 width, three images
  [1, 512, 70, 2, 3],     // the most channels the kernel takes; 70 classes: a tile and a tail of 6
  [2, 130, 65, 9, 9],     // three rounds of 64 channels (a tail of 2), 21 quads per plane
  [1, 3, 1, 1, 1],        // one pixel, one class
];

for (const [B, C, O, H, W] of shapes) {
  test(`gpu mean pool + linear B${B} C${C} O${O} ${H}×${W}`, async () => {
    const x = random(B * C * H * W, 41 + C), w = random(O * C, 42), b = random(O, 43);
    const want = ref.linear(ref.meanPoolHW(x, [B, C, H, W]), [B, C], w, b);
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => gpuHead(g, t, w, b, O), { tuning: GPU }), want, 1e-5, 1e-5);
  });

  // A BatchNorm's running mean of ~1000 left to the kernel (FusedSchedule.fold): x − shift is exact,
  // the reference pools it; folded into the bias instead, the mean and dot product would cost ~1e-3.
  test(`gpu mean pool + linear B${B} C${C} O${O} ${H}×${W}, input shifted by ~1000 per channel`, async () => {
    const shift = random(C, 44).map((v) => 1000 + 300 * v);
    const x = random(B * C * H * W, 45).map((v, i) => shift[Math.floor(i / (H * W)) % C] + v);
    const w = random(O * C, 42), b = random(O, 43);
    const centred = x.map((v, i) => v - shift[Math.floor(i / (H * W)) % C]);
    const want = ref.linear(ref.meanPoolHW(centred, [B, C, H, W]), [B, C], w, b);
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => gpuHead(g, t, w, b, O, shift), { tuning: GPU }), want, 1e-5, 1e-5);
  });
}

test('gpu mean pool + linear with half-precision weights equals the float32 run on the same halves', async () => {
  const [B, C, O, H, W] = [2, 130, 65, 9, 9];
  const x = random(B * C * H * W, 61), w = random(O * C, 62).map((v) => Math.round(v * 256) / 256), b = random(O, 63);
  const build = (g: GraphBuilder, [t]: Tensor[]) => gpuHead(g, t, w, b, O);
  const want = await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});
