// The GPU family's one-kernel FFN (shaders/gpu/ffn.wgsl: y = x + w2·relu(w1·x + b1) + b2, the hidden
// layer in workgroup memory in chunks of 16 rows, 64-channel × 32-pixel output tiles) against the CPU
// reference, forced on this adapter with `kernels: 'gpu'` and `ffnOneKernel` (the fused schedule's
// switch to this op; models-gpu-family.test.ts runs the CPU tuning's two pointwise dispatches
// instead, so the op is tested in depth here): tails in the output channels (C past a 64-row tile;
// C < 4), the hidden rows (past a 16-row chunk), the input channels (past a 16-deep stage), the pixels
// (past a 32-pixel tile, H·W not a multiple of 4), batch > 1, every EfficientViT-M0 stage's shape, a
// hidden layer wider than the CPU family's kernel allows, and half-precision weights; and
// EfficientViT-M0 whole, on the fused-ffn schedule (every FFN through this kernel), against PyTorch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { ffn } from '../src/ops/ffn.ts';
import { conv2d, relu, add } from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';
import { Model } from '../src/model.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu', ffnOneKernel: true };

type Weights = { w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array };

/** ffn() in the GPU family, checking that it chose the GPU kernel (and no hidden scratch). */
function gpuFfn(g: GraphBuilder, x: Tensor, p: Weights): Tensor {
  const y = ffn(g, 'ffn', x, p.w1, p.b1, p.w2, p.b2);
  const node = g.nodes[g.nodes.length - 1];
  assert.equal(node.kernel.file, 'gpu/ffn.wgsl');
  assert.deepEqual(Object.keys(node.bind).sort(), ['b1', 'b2', 'w1', 'w2', 'x', 'y']);
  return y;
}

// Weights scaled like a trained layer's (∝ 1/√fan-in), so activations stay O(1).
function weights(C: number, hidden: number, seed: number): Weights {
  const w1 = random(hidden * C, seed).map((v) => v / Math.sqrt(C));
  const w2 = random(C * hidden, seed + 1).map((v) => v / Math.sqrt(hidden));
  return { w1, b1: random(hidden, seed + 2), w2, b2: random(C, seed + 3) };
}

function reference(x: Float32Array, shape: [number, number, number, number], p: Weights): Float32Array {
  const [B, C, H, W] = shape, hidden = p.b1.length;
  const h = relu(conv2d(x, shape, p.w1, p.b1, { cout: hidden, kh: 1, kw: 1 }).y);
  return add(x, conv2d(h, [B, hidden, H, W], p.w2, p.b2, { cout: C, kh: 1, kw: 1 }).y);
}

const cases: { B: number; C: number; hidden: number; H: number; W: number; why: string }[] = [
  { B: 1, C: 13, hidden: 27, H: 3, W: 5, why: 'odd sizes, one partial pixel tile, a partial chunk' },
  { B: 2, C: 13, hidden: 27, H: 7, W: 7, why: 'B = 2, 49 pixels: a full tile and a partial one' },
  { B: 3, C: 3, hidden: 5, H: 5, W: 2, why: 'C < 4, one chunk, three images' },
  { B: 2, C: 70, hidden: 30, H: 5, W: 9, why: 'C past one 64-row output tile (recomputed hidden layer), more outputs than hidden rows' },
  { B: 1, C: 130, hidden: 17, H: 1, W: 1, why: 'one pixel, C past two output tiles and 8 stages, a chunk of one row' },
  { B: 1, C: 64, hidden: 128, H: 14, W: 14, why: 'EfficientViT-M0 stage 1' },
  { B: 2, C: 128, hidden: 256, H: 7, W: 7, why: 'EfficientViT-M0 stage 2, two images' },
  { B: 1, C: 192, hidden: 384, H: 4, W: 4, why: 'EfficientViT-M0 stage 3' },
  { B: 1, C: 20, hidden: 4200, H: 3, W: 3, why: 'a hidden layer past the CPU family\'s 256 × 16 rows' },
  { B: 2, C: 33, hidden: 50, H: 9, W: 11, why: '99 pixels: 3 full tiles and a tail of 3, C past two stages' },
];

for (const { B, C, hidden, H, W, why } of cases) {
  test(`gpu ffn B${B} C${C} hidden${hidden} ${H}x${W}: ${why}`, async () => {
    const shape: [number, number, number, number] = [B, C, H, W];
    const x = random(B * C * H * W, C + hidden);
    const p = weights(C, hidden, 7);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuFfn(g, t, p), { tuning: GPU });
    assertClose(got, reference(x, shape, p), 1e-5, 1e-5, 'ffn');
  });
}

test('gpu ffn: inputs near 1000 (a residual stream far from 0), most hidden units cut by the ReLU', async () => {
  const shape: [number, number, number, number] = [2, 24, 6, 7];
  const [B, C, H, W] = shape;
  const x = random(B * C * H * W, 5).map((v) => 1000 + 4 * v);
  const p = weights(C, 40, 9);
  p.b1 = p.b1.map((v, i) => (i % 3 === 0 ? v : -4000 - v)); // two thirds of the rows stay below 0
  const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuFfn(g, t, p), { tuning: GPU });
  assertClose(got, reference(x, shape, p), 1e-5, 1e-5, 'ffn near 1000');
});

test('gpu ffn with half-precision weights (packed and, where the adapter has it, shader-f16) equals the float32 run on the same halves', async () => {
  const [B, C, hidden, H, W] = [2, 37, 45, 7, 5];
  const half = (n: number, seed: number) => random(n, seed).map((v) => Math.round(v * 64) / 256);
  const p = { w1: half(hidden * C, 11), b1: random(hidden, 12), w2: half(C * hidden, 13), b2: random(C, 14) };
  const x = random(B * C * H * W, 15);
  const build = (g: GraphBuilder, [t]: Tensor[]) => gpuFfn(g, t, p);
  const want = await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});

test('efficientvit_m0 with every FFN through gpu/ffn.wgsl (fused-ffn schedule, GPU family) matches PyTorch, batch 1 and 2', { skip: !torchAvailable() && 'python3-torch is not installed (npm test installs it)' }, async () => {
  for (const spec of ['efficientvit_m0:224:1', 'efficientvit_m0:192:2']) {
    const [c] = goldenCases([spec]);
    const model = Model.fromBytes(await runtime(), 'efficientvit_m0', c.pth, { kernels: 'gpu' });
    try {
      const { logits } = await model.run(c.input, c.batch, c.height, c.width, 'fused-ffn');
      const { maxDiff, tolerance } = logitsError(logits, c.logits);
      assert.ok(maxDiff <= tolerance, `${c.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
      const files = (await model.plan(c.batch, c.height, c.width, 'fused-ffn')).steps.map((s) => s.kernel.key.split(':')[0]);
      assert.equal(files.filter((f) => f === 'gpu/ffn.wgsl').length, 16, `${c.name}: EfficientViT-M0's 16 FFNs run gpu/ffn.wgsl`);
      assert.ok(!files.includes('ffn.wgsl'), `${c.name}: the CPU family's ffn.wgsl ran`);
    } finally {
      model.destroy();
    }
  }
});
