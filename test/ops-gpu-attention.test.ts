// The GPU family's attention kernels (flash attention, shaders/include/flash_attention.wgsl) against
// the CPU references, forced on this adapter with `kernels: 'gpu'`: gpu/attention.wgsl (EdgeViT, DeiT),
// gpu/shifted_window_attention.wgsl (Swin) and gpu/cascaded_attention.wgsl (EfficientViT). Shapes with
// tails in every tiled dimension: tokens past a 16-query tile and a 32-key chunk (13, 49, 50, 197),
// head dims past a 16-channel step and a 64-channel value tile (odd d, d = 70, 96), batch 2; large
// logits (q and k ×30: a softmax that overflows without its running max); NaN in the plane padding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { attention } from '../src/ops/attention.ts';
import { shiftedWindowAttention } from '../src/ops/shifted-window-attention.ts';
import { cascadedAttention, type CascadedAttentionWeights } from '../src/ops/cascaded-attention.ts';
import { gatherRelativeBias } from '../src/models/swin-tables.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { fromPadded, toPadded } from '../src/graph/layout.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import * as ref from '../src/reference/ops.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };
/**
 * Each case in both forms of the rows' reductions (lane_groups.wgsl): workgroup memory, and subgroup
 * shuffles (SwiftShader has the feature, and its subgroups hold whole rows: test/lane-groups.test.ts).
 */
const FORMS: [string, Tuning][] = [['workgroup', GPU], ['subgroups', { ...GPU, subgroups: true }]];

/** The last node's kernel file is the GPU family's `file` (and every node's, when `all`), its flash kernel in the tuning's form. */
function chose(g: GraphBuilder, file: string, all = false): void {
  for (const n of all ? g.nodes : g.nodes.slice(-1)) assert.equal(n.kernel.file, file);
  const flash = g.nodes.filter((n) => n.kernel.entry !== 'qkv_main');
  assert.ok(flash.length > 0 && flash.every((n) => !!n.kernel.subgroups === g.tuning.subgroups), 'the flash kernel\'s form');
}

/**
 * Values that are multiples of 1/4 times `scale`: with scale 30 (and d a power of 4, so d^-0.5 is
 * exact) every product and sum before the softmax is exact in float32, so a tight tolerance still
 * holds at logits in the thousands.
 */
const coarse = (n: number, seed: number, scale: number) => random(n, seed).map((v) => (Math.round(4 * v) / 4) * scale);

const attnCases: { B: number; heads: number; d: number; h: number; w: number; big?: boolean }[] = [
  { B: 1, heads: 3, d: 64, h: 1, w: 197 },            // DeiT-T: 197 tokens (12 query tiles and 5, 7 key chunks and 5)
  { B: 2, heads: 1, d: 36, h: 14, w: 14 },            // EdgeViT-XXS stage 1: 196 tokens, d past two q·k steps
  { B: 1, heads: 8, d: 36, h: 7, w: 7 },              // stage 4: 49 tokens
  { B: 2, heads: 5, d: 48, h: 5, w: 10 },             // 50 tokens
  { B: 2, heads: 3, d: 5, h: 13, w: 1 },              // odd d, 13 tokens: one partial query tile and key chunk
  { B: 1, heads: 2, d: 70, h: 7, w: 9 },              // d past one 64-channel value tile
  { B: 1, heads: 1, d: 1, h: 1, w: 1 },               // one token
  { B: 2, heads: 2, d: 64, h: 7, w: 7, big: true },   // q, k ×30: logits in the hundreds
  { B: 1, heads: 3, d: 16, h: 1, w: 197, big: true }, // the same over 7 key chunks
];

for (const c of attnCases) for (const [form, tuning] of FORMS) {
  test(`gpu attention B${c.B} heads${c.heads} d${c.d} ${c.h}×${c.w}${c.big ? ', q and k ×30' : ''} (${form})`, async () => {
    const C = c.heads * c.d, N = c.h * c.w, shape = [c.B, 3 * C, c.h, c.w];
    const qkv = c.big
      ? coarse(c.B * 3 * C * N, 11 + c.d, 1).map((v, i) => (Math.floor(i / N) % (3 * C) < 2 * C ? 30 * v : v))
      : random(c.B * 3 * C * N, 11 + c.d).map((v) => 2 * v);
    const got = await runGraph([{ shape, data: qkv }], (g, [t]) => {
      const y = attention(g, 'attn', t, c.heads);
      chose(g, 'gpu/attention.wgsl');
      return y;
    }, { tuning });
    assertClose(got, ref.multiHeadAttention(qkv, shape, c.heads), 1e-5, 1e-5);
  });
}

test('gpu attention ignores whatever the plane padding holds (NaN here)', async () => {
  const [B, heads, d, h, w] = [2, 2, 5, 7, 5], C = heads * d, shape = [B, 3 * C, h, w];
  const qkv = random(B * 3 * C * h * w, 31);
  const rt = await runtime();
  const g = new GraphBuilder(undefined, GPU);
  const x = g.input('qkv', shape);
  g.output = attention(g, 'attn', x, heads);
  chose(g, 'gpu/attention.wgsl');
  const padded = toPadded(x, qkv);
  for (let r = 0; r < B * 3 * C; r++) for (let i = h * w; i < x.planeStride; i++) padded[r * x.planeStride + i] = NaN;
  const compiled = await rt.compile(g, 'test');
  try {
    assertClose(fromPadded(g.output, await compiled.run(padded)), ref.multiHeadAttention(qkv, shape, heads), 1e-5, 1e-5);
  } finally {
    compiled.destroy();
  }
});

const swinCases = [
  { B: 1, heads: 3, d: 32, H: 14, W: 14, ws: 7, shift: 3 },  // Swin-T stage 3's shape: 49 tokens (4 query tiles, 2 key chunks)
  { B: 2, heads: 2, d: 5, H: 6, W: 6, ws: 3, shift: 1 },     // odd d, 9 tokens
  { B: 2, heads: 3, d: 4, H: 10, W: 15, ws: 5, shift: 2 },   // non-square, 6 windows per image
  { B: 1, heads: 1, d: 7, H: 7, W: 7, ws: 7, shift: 0 },     // one window: the whole map
  { B: 1, heads: 2, d: 70, H: 18, W: 9, ws: 9, shift: 4 },   // 81 tokens and d = 70: past the CPU kernel's limits
  { B: 2, heads: 2, d: 16, H: 14, W: 7, ws: 7, shift: 3, big: true }, // q, k ×30
];

for (const c of swinCases) for (const [form, tuning] of FORMS) {
  test(`gpu shifted window attention B${c.B} h${c.heads} d${c.d} ${c.H}×${c.W} window ${c.ws} shift ${c.shift}${c.big ? ', q and k ×30' : ''} (${form})`, async () => {
    const C = c.heads * c.d, HW = c.H * c.W, shape: [number, number, number, number] = [c.B, 3 * C, c.H, c.W];
    const qkv = c.big
      ? coarse(c.B * 3 * C * HW, C + c.H, 1).map((v, i) => (Math.floor(i / HW) % (3 * C) < 2 * C ? 30 * v : v))
      : random(c.B * 3 * C * HW, C + c.H);
    // Coarse biases keep the big case's logits exact too.
    const table = c.big ? coarse((2 * c.ws - 1) ** 2 * c.heads, 3, 4) : random((2 * c.ws - 1) ** 2 * c.heads, 3);
    const got = await runGraph([{ shape, data: qkv }], (g, [t]) => {
      const y = shiftedWindowAttention(g, 'swa', t, { heads: c.heads, window: c.ws, shift: c.shift, bias: gatherRelativeBias(table, c.heads, c.ws) });
      chose(g, 'gpu/shifted_window_attention.wgsl');
      return y;
    }, { tuning });
    assertClose(got, ref.shiftedWindowAttention(qkv, shape, c.heads, c.ws, c.shift, table), 1e-5, 1e-5);
  });
}

type CascadedWeights = CascadedAttentionWeights & { proj: { weight: Float32Array; bias: Float32Array } };

function cascadedWeights(C: number, heads: number, kernels: number[], r: number, seed: number, big = false): CascadedWeights {
  const d = C / heads, kd = 16;
  let s = seed;
  const rnd = (n: number, scale = 0.5) => random(n, ++s).map((v) => v * scale);
  // big: the q and k rows of each qkv conv ×30 (and the dw conv on q), so the logits reach hundreds.
  const qkv = (j: number, v: number) => (big && j < 2 * kd ? 30 * v : v);
  return {
    keyDim: kd,
    qkv: Array.from({ length: heads }, () => ({ weight: rnd((2 * kd + d) * d, 1 / Math.sqrt(d)).map((v, i) => qkv(Math.floor(i / d), v)), bias: rnd(2 * kd + d).map((v, j) => qkv(j, v)) })),
    dw: kernels.map((k) => ({ weight: rnd(kd * k * k, big ? 1 : 0.3), bias: rnd(kd), k })),
    biases: rnd(heads * r * r, 1),
    proj: { weight: rnd(C * C, 1 / Math.sqrt(C)), bias: rnd(C) },
  };
}

/** EfficientViT's Residual(LocalWindowAttention) without its proj and residual: the concatenated heads. */
function cascadedReference(x: Float32Array, shape: [number, number, number, number], w: CascadedWeights, r: number): Float32Array {
  const [, C] = shape;
  // The reference ends in ReLU → proj; an identity proj on a ReLU'd output would lose the negatives,
  // so run it with proj = I and compare ReLU(cat) (the kernels' cat feeds the same proj).
  const eye = new Float32Array(C * C).map((_, i) => (i % (C + 1) === 0 ? 1 : 0));
  return ref.localWindowAttention(x, shape, {
    heads: w.qkv.length, keyDim: w.keyDim, qkvs: w.qkv, dws: w.dw.map((d) => ({ weight: d.weight, bias: d.bias, kernel: d.k })),
    attentionBiases: w.biases, biasIdxs: ref.attentionBiasIdxs(r), proj: { weight: eye, bias: new Float32Array(C) },
  });
}

const cascadedCases: { B: number; C: number; heads: number; H: number; W: number; r: number; kernels: number[]; big?: boolean }[] = [
  { B: 1, C: 64, heads: 4, H: 14, W: 14, r: 7, kernels: [5, 5, 5, 5] },   // EfficientViT-M0 stage 1: 4 windows of 49 tokens, d = 16
  { B: 2, C: 48, heads: 3, H: 12, W: 12, r: 7, kernels: [7, 5, 3] },      // padded to 14
  { B: 1, C: 36, heads: 2, H: 4, W: 4, r: 4, kernels: [3, 3] },           // whole map, 16 tokens
  { B: 2, C: 30, heads: 3, H: 6, W: 6, r: 6, kernels: [5, 3, 3] },        // d = 10
  { B: 1, C: 24, heads: 2, H: 16, W: 9, r: 7, kernels: [3, 5] },          // non-square, padded to 21×14
  { B: 1, C: 192, heads: 2, H: 7, W: 7, r: 7, kernels: [7, 5] },          // d = 96: two 64-channel value tiles
  { B: 2, C: 64, heads: 2, H: 9, W: 7, r: 7, kernels: [5, 3], big: true }, // q, k ×30
];

for (const c of cascadedCases) for (const [form, tuning] of FORMS) {
  test(`gpu cascaded attention B${c.B} C${c.C} h${c.heads} ${c.H}×${c.W} window ${c.r}${c.big ? ', q and k ×30' : ''} (${form})`, async () => {
    const w = cascadedWeights(c.C, c.heads, c.kernels, c.r, c.C + c.H, c.big);
    const shape: [number, number, number, number] = [c.B, c.C, c.H, c.W];
    const x = random(c.B * c.C * c.H * c.W, 7);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => {
      const y = cascadedAttention(g, 'attn', t, w, c.r);
      chose(g, 'gpu/cascaded_attention.wgsl', true);
      return y;
    }, { tuning });
    // Large logits (up to ~1600 here): one ulp of a logit (1.2e-4) moves its softmax weight by as
    // much, in the reference's own float32 logits too, so 2e-4 there (the CPU family is off by 4e-5,
    // this one by 7e-5 on this case); 1e-5 otherwise. cat goes through ReLU into proj upstream, so
    // ReLU(cat) is compared (the raw head outputs feed the next head: every head but the last is
    // checked through it).
    const tol = c.big ? 2e-4 : 1e-5;
    assertClose(ref.relu(got), cascadedReference(x, shape, w, c.r), tol, tol);
  });
}

test('gpu cascaded attention with half-precision qkv weights (packed and, where the adapter has it, shader-f16) equals the float32 run on the same halves', async () => {
  const [B, C, heads, H, W, r] = [2, 48, 3, 9, 8, 7];
  const w = cascadedWeights(C, heads, [5, 3, 3], r, 5);
  for (const q of w.qkv) q.weight = q.weight.map((v) => Math.round(v * 256) / 256);
  const shape = [B, C, H, W], x = random(B * C * H * W, 9);
  const build = (g: GraphBuilder, [t]: Tensor[]) => cascadedAttention(g, 'attn', t, w, r);
  const want = await runGraph([{ shape, data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape, data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});
