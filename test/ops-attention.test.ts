// cascaded_attention.wgsl and the proj pointwise after it against the CPU reference of EfficientViT's
// Residual(LocalWindowAttention): whole-map windows, maps that need zero padding, odd head dims.
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { cascadedAttention, type CascadedAttentionWeights } from '../src/ops/cascaded-attention.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import * as ref from '../src/reference/ops.ts';

type Weights = CascadedAttentionWeights & { proj: { weight: Float32Array; bias: Float32Array } };

function weights(C: number, heads: number, kernels: number[], r: number, seed: number): Weights {
  const d = C / heads, kd = 16;
  let s = seed;
  const rnd = (n: number, scale = 0.5) => random(n, ++s).map((v) => v * scale);
  return {
    keyDim: kd,
    qkv: Array.from({ length: heads }, () => ({ weight: rnd((2 * kd + d) * d, 1 / Math.sqrt(d)), bias: rnd(2 * kd + d) })),
    dw: kernels.map((k) => ({ weight: rnd(kd * k * k, 0.3), bias: rnd(kd), k })),
    biases: rnd(heads * r * r, 1),
    proj: { weight: rnd(C * C, 1 / Math.sqrt(C)), bias: rnd(C) },
  };
}

function reference(x: Float32Array, shape: [number, number, number, number], w: Weights, r: number): Float32Array {
  const heads = w.qkv.length;
  const y = ref.localWindowAttention(x, shape, {
    heads, keyDim: w.keyDim, qkvs: w.qkv, dws: w.dw.map((d) => ({ weight: d.weight, bias: d.bias, kernel: d.k })),
    attentionBiases: w.biases, biasIdxs: ref.attentionBiasIdxs(r), proj: w.proj,
  });
  return ref.add(x, y);
}

const cases: { B: number; C: number; heads: number; H: number; W: number; r: number; kernels: number[] }[] = [
  { B: 1, C: 64, heads: 4, H: 14, W: 14, r: 7, kernels: [5, 5, 5, 5] },   // 4 windows, no padding
  { B: 2, C: 48, heads: 3, H: 12, W: 12, r: 7, kernels: [7, 5, 3] },      // padded to 14
  { B: 1, C: 36, heads: 2, H: 4, W: 4, r: 4, kernels: [3, 3] },          // whole map
  { B: 2, C: 30, heads: 3, H: 6, W: 6, r: 6, kernels: [5, 3, 3] },       // d = 10, not a multiple of 4
  { B: 1, C: 24, heads: 2, H: 16, W: 9, r: 7, kernels: [3, 5] },         // non-square, padded to 21×14
];

for (const c of cases) {
  test(`cascaded attention B${c.B} C${c.C} h${c.heads} ${c.H}×${c.W} window ${c.r}`, async () => {
    const w = weights(c.C, c.heads, c.kernels, c.r, c.C + c.H);
    const shape: [number, number, number, number] = [c.B, c.C, c.H, c.W];
    const x = random(c.B * c.C * c.H * c.W, 7);
    const got = await runGraph([{ shape, data: x }], (g, [t]) =>
      pointwise(g, 'proj', cascadedAttention(g, 'attn', t, w, c.r), w.proj.weight, w.proj.bias, c.C, { reluIn: true, residual: t }));
    assertClose(got, reference(x, shape, w, c.r), 1e-5, 1e-5);
  });
}
