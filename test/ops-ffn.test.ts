// ffn.wgsl (fused Residual(FFN): y = x + w2·relu(w1·x + b1) + b2) against the CPU reference, on
// shapes that are not multiples of 4 or of the 16-row tile, with every pixel-tile width, and B = 1 and 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { ffn, ffnTiling, type FfnOptions } from '../src/ops/ffn.ts';
import { conv2d, relu, add } from '../src/reference/ops.ts';

// Weights scaled like a trained layer's (∝ 1/√fan-in), so activations stay O(1) at C = 384 and the
// float32-vs-float64 difference stays well inside atol = rtol = 1e-5.
function weights(C: number, hidden: number, seed: number) {
  const w1 = random(hidden * C, seed).map((v) => v / Math.sqrt(C));
  const w2 = random(C * hidden, seed + 1).map((v) => v / Math.sqrt(hidden));
  return { w1, b1: random(hidden, seed + 2), w2, b2: random(C, seed + 3) };
}

function reference(x: Float32Array, shape: [number, number, number, number], hidden: number, p: ReturnType<typeof weights>): Float32Array {
  const C = shape[1];
  const h = relu(conv2d(x, shape, p.w1, p.b1, { cout: hidden, kh: 1, kw: 1 }).y);
  return add(x, conv2d(h, [shape[0], hidden, shape[2], shape[3]], p.w2, p.b2, { cout: C, kh: 1, kw: 1 }).y);
}

const cases: { B: number; C: number; hidden: number; H: number; W: number; opts?: FfnOptions; why: string }[] = [
  { B: 1, C: 13, hidden: 27, H: 3, W: 5, why: 'odd sizes, one partial pixel tile' },
  { B: 2, C: 13, hidden: 27, H: 7, W: 7, opts: { pq: 4 }, why: 'odd sizes, B = 2, 16-pixel tiles, the last one partial' },
  { B: 1, C: 21, hidden: 42, H: 5, W: 9, opts: { pq: 2 }, why: '8-pixel tiles' },
  { B: 2, C: 37, hidden: 30, H: 5, W: 9, opts: { pq: 1 }, why: '4-pixel tiles, more output than hidden tiles' },
  { B: 1, C: 64, hidden: 128, H: 14, W: 14, why: 'EfficientViT stage 1' },
  { B: 2, C: 128, hidden: 256, H: 7, W: 7, why: 'EfficientViT stage 2' },
  { B: 1, C: 384, hidden: 768, H: 4, W: 4, why: 'EfficientViT-M4 stage 3' },
];

for (const { B, C, hidden, H, W, opts, why } of cases) {
  test(`ffn B${B} C${C} hidden${hidden} ${H}x${W} ${JSON.stringify(opts ?? {})}: ${why}`, async () => {
    const shape: [number, number, number, number] = [B, C, H, W];
    const x = random(B * C * H * W, C + hidden);
    const p = weights(C, hidden, 7);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => ffn(g, 'ffn', t, p.w1, p.b1, p.w2, p.b2, opts));
    assertClose(got, reference(x, shape, hidden, p), 1e-5, 1e-5, 'ffn');
  });
}

test('ffnTiling: narrower pixel tiles when the batch has too few, one invocation per 16 hidden rows', () => {
  const two = { minWorkgroups: 2 }; // an adapter with two workers
  assert.deepEqual(ffnTiling(1, 64, 128, 196, two), { pq: 4, wg: 8, hd: 128, tilesP: 13 });
  assert.equal(ffnTiling(1, 384, 768, 16, two).pq, 2); // 2 workgroups of 8 pixels rather than 1 of 16
  assert.equal(ffnTiling(2, 192, 384, 16, two).pq, 4);
  assert.equal(ffnTiling(1, 64, 128, 4, two).pq, 1);
  assert.equal(ffnTiling(1, 37, 30, 16, two).wg, 4); // ceil(37 / 16) = 3 output tiles, 2 hidden tiles
  assert.throws(() => ffnTiling(1, 64, 4100, 196, two), /invocations/);
});
