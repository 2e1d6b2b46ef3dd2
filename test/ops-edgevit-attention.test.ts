// EdgeViT's global sparse attention kernels against the CPU reference: ln_qkv.wgsl (LayerNorm → qkv
// on the delegate tokens, sr ∈ {1, 2, 4}) and attention.wgsl (multi-head softmax attention over the
// delegates), on random shapes including odd channel counts, odd head dims and N not a multiple of 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { fromPadded, toPadded } from '../src/graph/layout.ts';
import { lnQkv } from '../src/ops/ln-qkv.ts';
import { attention } from '../src/ops/attention.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import * as ref from '../src/reference/ops.ts';

/** The delegate pixels (i·sr, j·sr) as tokens: [B·N, C] rows. */
function delegates(x: Float32Array, [B, C, H, W]: number[], sr: number): Float32Array {
  const h = H / sr, w = W / sr, N = h * w;
  const t = new Float32Array(B * N * C);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    t[(b * N + n) * C + c] = x[((b * C + c) * H + Math.floor(n / w) * sr) * W + (n % w) * sr];
  }
  return t;
}

/** Token rows [B·N, K] → NCHW [B, K, h, w]. */
function toNCHW(t: Float32Array, B: number, N: number, K: number): Float32Array {
  const y = new Float32Array(B * K * N);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) y[(b * K + k) * N + n] = t[(b * N + n) * K + k];
  return y;
}

function lnQkvReference(x: Float32Array, shape: number[], sr: number, gamma: Float32Array, beta: Float32Array, w: Float32Array, bias: Float32Array): Float32Array {
  const [B, C, H, W] = shape, N = (H / sr) * (W / sr);
  const t = ref.layerNormRows(delegates(x, shape, sr), [B * N, C], gamma, beta, 1e-6);
  return toNCHW(ref.linear(t, [B * N, C], w, bias), B, N, 3 * C);
}

const lnCases: { B: number; C: number; H: number; W: number; sr: number }[] = [
  { B: 1, C: 36, H: 56, W: 56, sr: 4 },  // EdgeViT-XXS stage 1
  { B: 2, C: 72, H: 28, W: 28, sr: 2 },  // stage 2
  { B: 1, C: 288, H: 7, W: 7, sr: 1 },   // stage 4
  { B: 2, C: 13, H: 10, W: 6, sr: 2 },   // odd C, 15 tokens
  { B: 1, C: 5, H: 12, W: 20, sr: 4 },   // 3×5 tokens, 15 outputs (one partial tile)
  { B: 2, C: 50, H: 7, W: 5, sr: 1 },    // 35 tokens
  { B: 1, C: 240, H: 14, W: 14, sr: 2 }, // EdgeViT-XS stage 3
  { B: 2, C: 384, H: 7, W: 7, sr: 1 },   // EdgeViT-XS stage 4
];

for (const c of lnCases) {
  test(`ln→qkv B${c.B} C${c.C} ${c.H}×${c.W} sr${c.sr}`, async () => {
    const shape = [c.B, c.C, c.H, c.W];
    // A mean offset per pixel (≫ the spread) checks that the statistics do not cancel.
    const x = random(c.B * c.C * c.H * c.W, c.C + c.sr).map((v, i) => v + 3 * Math.sin(i % (c.H * c.W)));
    const gamma = random(c.C, 2).map((v) => 1 + 0.5 * v), beta = random(c.C, 3).map((v) => 0.5 * v);
    const w = random(3 * c.C * c.C, 4).map((v) => v / Math.sqrt(c.C)), b = random(3 * c.C, 5);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => lnQkv(g, 'qkv', t, c.sr, { gamma, beta, eps: 1e-6 }, w, b));
    assertClose(got, lnQkvReference(x, shape, c.sr, gamma, beta, w, b), 1e-5, 1e-5);
  });
}

test('ln→qkv rejects a map not divisible by sr, naming the shape', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8, 14, 10]);
  const C = 8, ln = { gamma: new Float32Array(C), beta: new Float32Array(C), eps: 1e-6 };
  assert.throws(() => lnQkv(g, 'qkv', x, 4, ln, new Float32Array(3 * C * C), new Float32Array(3 * C)), /14×10.*\[1,8,14,10\].*sr = 4/);
});

const attnCases: { B: number; heads: number; d: number; h: number; w: number; scale: number }[] = [
  { B: 1, heads: 1, d: 36, h: 14, w: 14, scale: 1 },  // EdgeViT-XXS stage 1: 196 tokens
  { B: 2, heads: 2, d: 36, h: 14, w: 14, scale: 1 },  // stage 2
  { B: 1, heads: 8, d: 36, h: 7, w: 7, scale: 2 },    // stage 4: 49 tokens (peaky softmax)
  { B: 2, heads: 5, d: 48, h: 7, w: 7, scale: 1 },    // EdgeViT-XS stage 3
  { B: 1, heads: 3, d: 5, h: 7, w: 5, scale: 1 },     // odd d, 35 tokens
  { B: 2, heads: 2, d: 13, h: 3, w: 3, scale: 3 },    // 9 tokens: one partial query tile
  { B: 1, heads: 1, d: 1, h: 1, w: 1, scale: 1 },     // one token
  { B: 1, heads: 2, d: 17, h: 5, w: 13, scale: 1 },   // 65 tokens, d past 16
];

for (const c of attnCases) {
  test(`attention B${c.B} heads${c.heads} d${c.d} ${c.h}×${c.w}`, async () => {
    const C = c.heads * c.d, shape = [c.B, 3 * C, c.h, c.w];
    const qkv = random(c.B * 3 * C * c.h * c.w, 11 + c.d).map((v) => v * c.scale);
    const got = await runGraph([{ shape, data: qkv }], (g, [t]) => attention(g, 'attn', t, c.heads));
    assertClose(got, ref.multiHeadAttention(qkv, shape, c.heads), 1e-5, 1e-5);
  });
}

test('attention ignores whatever the plane padding holds (NaN here)', async () => {
  const [B, heads, d, h, w] = [2, 2, 5, 7, 5], C = heads * d, shape = [B, 3 * C, h, w];
  const qkv = random(B * 3 * C * h * w, 31);
  const rt = await runtime();
  const g = new GraphBuilder();
  const x = g.input('qkv', shape);
  g.output = attention(g, 'attn', x, heads);
  const padded = toPadded(x, qkv);
  for (let r = 0; r < B * 3 * C; r++) for (let i = h * w; i < x.planeStride; i++) padded[r * x.planeStride + i] = NaN;
  const compiled = await rt.compile(g, 'test');
  try {
    assertClose(fromPadded(g.output, await compiled.run(padded)), ref.multiHeadAttention(qkv, shape, heads), 1e-5, 1e-5);
  } finally {
    compiled.destroy();
  }
});

const chained: { B: number; C: number; H: number; W: number; sr: number; heads: number }[] = [
  { B: 2, C: 72, H: 28, W: 28, sr: 2, heads: 2 },  // EdgeViT-XXS stage 2
  { B: 1, C: 26, H: 28, W: 20, sr: 4, heads: 2 },  // 7×5 tokens: lnQkv leaves the plane padding non-zero
];

for (const c of chained) {
  test(`ln→qkv → attention B${c.B} C${c.C} ${c.H}×${c.W} sr${c.sr} heads${c.heads}`, async () => {
    const shape = [c.B, c.C, c.H, c.W];
    const x = random(c.B * c.C * c.H * c.W, 21);
    const gamma = random(c.C, 22).map((v) => 1 + 0.5 * v), beta = random(c.C, 23).map((v) => 0.5 * v);
    const w = random(3 * c.C * c.C, 24).map((v) => v / Math.sqrt(c.C)), b = random(3 * c.C, 25);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => attention(g, 'attn', lnQkv(g, 'qkv', t, c.sr, { gamma, beta, eps: 1e-6 }, w, b), c.heads));
    const qkvShape = [c.B, 3 * c.C, c.H / c.sr, c.W / c.sr];
    assertClose(got, ref.multiHeadAttention(lnQkvReference(x, shape, c.sr, gamma, beta, w, b), qkvShape, c.heads), 1e-5, 1e-5);
  });
}
