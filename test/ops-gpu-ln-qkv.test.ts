// The GPU family's ln_qkv kernel (shaders/gpu/ln_qkv.wgsl: LayerNorm statistics as a workgroup
// reduction, then a 32 × 32 tiled GEMM staged through workgroup memory) against the CPU reference,
// forced on this adapter with `kernels: 'gpu'`: tails in the outputs (M = 3C past a 32-row tile), the
// channels (C past a 16-deep stage; C < 8, fewer channels than the statistics' 8 parts; C = 1), the
// tokens (N past a 32-token tile and not a multiple of 4), sr ∈ {1, 2, 4}, batch > 1, DeiT-Tiny's and
// EdgeViT's shapes, inputs with |mean| ≥ 1000 × σ, and half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { lnQkv, type LayerNormParams } from '../src/ops/ln-qkv.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';
import * as ref from '../src/reference/ops.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

/** lnQkv() in the GPU family, checking that it chose the GPU kernel. */
function gpuLnQkv(g: GraphBuilder, x: Tensor, sr: number, ln: LayerNormParams, w: Float32Array, b: Float32Array): Tensor {
  const y = lnQkv(g, 'qkv', x, sr, ln, w, b);
  assert.equal(g.nodes[g.nodes.length - 1].kernel.file, 'gpu/ln_qkv.wgsl');
  return y;
}

/** x [B, C, H, W] → the tokens (pixels (i·sr, j·sr)) LayerNorm'd and through the [3C, C] linear, as [B, 3C, H/sr, W/sr] (float64 inside). */
function reference(x: Float32Array, [B, C, H, W]: number[], sr: number, ln: LayerNormParams, w: Float32Array, bias: Float32Array): Float32Array {
  const h = H / sr, wd = W / sr, N = h * wd;
  const rows = new Float32Array(B * N * C);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    rows[(b * N + n) * C + c] = x[((b * C + c) * H + Math.floor(n / wd) * sr) * W + (n % wd) * sr];
  }
  const y = ref.linear(ref.layerNormRows(rows, [B * N, C], ln.gamma, ln.beta, ln.eps), [B * N, C], w, bias);
  const out = new Float32Array(B * 3 * C * N);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let o = 0; o < 3 * C; o++) out[(b * 3 * C + o) * N + n] = y[(b * N + n) * 3 * C + o];
  return out;
}

/** The layer's parameters, scaled like a trained one's (weights ∝ 1/√C). */
function params(C: number, seed: number) {
  const ln = { gamma: random(C, seed).map((v) => 1 + 0.5 * v), beta: random(C, seed + 1).map((v) => 0.5 * v), eps: 1e-6 };
  return { ln, w: random(3 * C * C, seed + 2).map((v) => v / Math.sqrt(C)), b: random(3 * C, seed + 3) };
}

/**
 * [B, C, H, W] values: at each pixel an integer offset of ±(1000 .. 4000) plus dyadic noise in [−1, 1]
 * (exact in float32), so every token's |mean| ≥ 1000·σ.
 */
function offsetMap(B: number, C: number, P: number, seed: number): Float32Array {
  const noise = random(B * C * P, seed).map((v) => Math.round(64 * v) / 64), off = random(B * P, seed + 1);
  return noise.map((v, i) => {
    const b = Math.floor(i / (C * P)), o = off[b * P + (i % P)];
    return Math.sign(o || 1) * Math.round(1000 + 3000 * Math.abs(o)) + v;
  });
}

const cases: { B: number; C: number; H: number; W: number; sr: number; why: string }[] = [
  { B: 1, C: 192, H: 1, W: 197, sr: 1, why: 'DeiT-Tiny: 197 tokens in one row' },
  { B: 2, C: 13, H: 10, W: 6, sr: 2, why: 'odd C (one partial stage), 15 tokens, M = 39' },
  { B: 1, C: 5, H: 12, W: 20, sr: 4, why: 'C < 8: statistics parts without channels; 15 outputs' },
  { B: 2, C: 1, H: 3, W: 5, sr: 1, why: 'C = 1: LayerNorm gives β' },
  { B: 2, C: 50, H: 7, W: 5, sr: 1, why: '35 tokens, M = 150' },
  { B: 1, C: 36, H: 56, W: 56, sr: 4, why: 'EdgeViT-XXS stage 1' },
  { B: 3, C: 72, H: 28, W: 28, sr: 2, why: 'EdgeViT-XXS stage 2, three images' },
  { B: 1, C: 96, H: 14, W: 18, sr: 1, why: 'Swin-T stage 1 channels, 252 tokens: 7 full token tiles and a tail of 28' },
  { B: 2, C: 33, H: 9, W: 7, sr: 1, why: 'C past two stages, 63 tokens' },
];

for (const c of cases) {
  const shape = [c.B, c.C, c.H, c.W];
  test(`gpu ln→qkv B${c.B} C${c.C} ${c.H}×${c.W} sr${c.sr}: ${c.why}`, async () => {
    const x = random(c.B * c.C * c.H * c.W, c.C + c.sr).map((v, i) => v + 3 * Math.sin(i % (c.H * c.W)));
    const { ln, w, b } = params(c.C, 2);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuLnQkv(g, t, c.sr, ln, w, b), { tuning: GPU });
    assertClose(got, reference(x, shape, c.sr, ln, w, b), 1e-5, 1e-5, 'ln_qkv');
  });

  test(`gpu ln→qkv B${c.B} C${c.C} ${c.H}×${c.W} sr${c.sr}: |mean| ≥ 1000·σ`, async () => {
    const x = offsetMap(c.B, c.C, c.H * c.W, c.C + 7);
    const { ln, w, b } = params(c.C, 3);
    const got = await runGraph([{ shape, data: x }], (g, [t]) => gpuLnQkv(g, t, c.sr, ln, w, b), { tuning: GPU });
    assertClose(got, reference(x, shape, c.sr, ln, w, b), 1e-5, 1e-5, 'ln_qkv hostile');
  });
}

test('gpu ln→qkv with half-precision weights (packed and, where the adapter has it, shader-f16) equals the float32 run on the same halves', async () => {
  const [B, C, H, W, sr] = [2, 37, 10, 6, 2];
  // γ = 1 and β = 0 leave the folded weights as given: exact halves, the same values in every form.
  const ln = { gamma: new Float32Array(C).fill(1), beta: new Float32Array(C), eps: 1e-6 };
  const w = random(3 * C * C, 11).map((v) => Math.round(v * 256) / 256), b = random(3 * C, 12), x = random(B * C * H * W, 13);
  const build = (g: GraphBuilder, [t]: Tensor[]) => gpuLnQkv(g, t, sr, ln, w, b);
  const want = await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], build, { tuning: GPU, weights }), want, 1e-6, 1e-6, weights);
  }
});
