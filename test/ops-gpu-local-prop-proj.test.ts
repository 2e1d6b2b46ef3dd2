// The GPU family's LocalProp + LayerNorm + proj + residual (shaders/gpu/local_prop_proj.wgsl: 64
// channels × 64 pixels per workgroup, u built from o as it is staged) against the CPU reference,
// forced on this adapter with `kernels: 'gpu'`: sr 1 (no LocalProp; Swin's proj + residual), 2, 3
// and 4, with and without LayerNorm; channels past a 16-channel stage and a 64-channel tile, pixels
// past a 64-pixel tile and not a multiple of 4, maps narrower than 4, batch > 1; LayerNorm inputs with
// |mean| ≥ 1000·σ; half-precision weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph, runtime } from './helpers/gpu.ts';
import { localPropProj, type ChannelNorm, type LocalProp } from '../src/ops/local-prop-proj.ts';
import * as ref from '../src/reference/ops.ts';
import type { Shape4 } from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

function gpuLpp(g: GraphBuilder, o: Tensor, sr: number, lp: LocalProp | null, ln: ChannelNorm | null, proj: { weight: Float32Array; bias: Float32Array }, res: Tensor): Tensor {
  const y = localPropProj(g, 'lpp', o, sr, lp, ln, proj, res);
  assert.equal(g.nodes[g.nodes.length - 1].kernel.file, 'gpu/local_prop_proj.wgsl');
  return y;
}

/** LocalProp (sr > 1), LayerNorm (if given), proj, + residual, in the CPU reference's float64 ops. */
function want(o: Float32Array, shape: Shape4, sr: number, lp: LocalProp | null, ln: ChannelNorm | null, pw: Float32Array, pb: Float32Array, residual: Float32Array): Float32Array {
  let u = o, s = shape;
  if (lp) ({ y: u, shape: s } = ref.convTranspose2dDepthwise(o, shape, lp.weight, lp.bias, sr));
  if (ln) u = ref.layerNormChannels(u, s, ln.gamma, ln.beta, ln.eps);
  return ref.add(ref.conv2d(u, s, pw, pb, { cout: s[1], kh: 1, kw: 1 }).y, residual);
}

// B, C, h, w (delegate grid), sr
const shapes: [number, number, number, number, number][] = [
  [1, 13, 3, 5, 2],     // 6×10: one pixel tile, C < 16
  [2, 7, 2, 3, 4],      // 8×12, two images
  [1, 9, 5, 7, 1],      // no LocalProp, 35 pixels (a quad tail)
  [2, 40, 7, 7, 2],     // 14×14: 196 pixels = 3 tiles + 4, C past two stages
  [1, 6, 3, 1, 2],      // 6×2: narrower than a quad
  [1, 5, 2, 2, 3],      // sr 3
  [1, 70, 5, 6, 2],     // 10×12, C past one 64-channel tile (and a 16-channel stage)
  [2, 36, 14, 14, 4],   // EdgeViT-XXS stage 1 (56×56, C 36), two images
];

for (const [B, C, h, w, sr] of shapes) {
  const H = h * sr, W = w * sr;
  test(`gpu ${sr > 1 ? 'LocalProp + ' : ''}(LayerNorm +) proj + residual B${B} C${C} ${h}×${w} sr${sr} → ${H}×${W}`, async () => {
    const o = random(B * C * h * w, 71 + C), res = random(B * C * H * W, 72);
    const lp = sr > 1 ? { weight: random(C * sr * sr, 73), bias: random(C, 74) } : null;
    const ln = { gamma: random(C, 75), beta: random(C, 76), eps: 1e-5 };
    const proj = { weight: random(C * C, 77), bias: random(C, 78) };
    const inputs = [{ shape: [B, C, h, w], data: o }, { shape: [B, C, H, W], data: res }];
    for (const norm of [ln, null]) {
      const got = await runGraph(inputs, (g, [to, tr]) => gpuLpp(g, to, sr, lp, norm, proj, tr), { tuning: GPU });
      assertClose(got, want(o, [B, C, h, w], sr, lp, norm, proj.weight, proj.bias, res), 1e-5, 1e-5, norm ? 'LayerNorm' : 'no LayerNorm');
    }
  });
}

// As test/ops-layer-norm-numerics.test.ts: at each (b, pixel) an integer offset of ±(1000 .. 4000)
// plus dyadic noise, so every channel vector has |mean| ≥ 1000·σ and u is exact in float32.
for (const [B, C, h, w, sr] of [[2, 21, 3, 5, 1], [2, 40, 3, 3, 2], [1, 70, 4, 5, 2]]) {
  const H = h * sr, W = w * sr;
  test(`gpu local_prop_proj LayerNorm, |mean| ≥ 1000·σ: B${B} C${C} ${h}×${w} sr${sr}`, async () => {
    const P = h * w, noise = random(B * C * P, 41 + C).map((v) => Math.round(64 * v) / 64), off = random(B * P, 42 + C);
    const o = noise.map((v, i) => {
      const b = Math.floor(i / (C * P)), p = i % P, f = off[b * P + p];
      return Math.sign(f || 1) * Math.round(1000 + 3000 * Math.abs(f)) + v;
    });
    // LocalProp scales by a power of two per tap (the same for every channel) and adds a small dyadic bias: u is exact.
    const lp = sr > 1 ? { weight: Float32Array.from({ length: C * sr * sr }, (_, i) => 2 ** ((i % (sr * sr)) % 2)), bias: random(C, 43).map((v) => Math.round(64 * v) / 256) } : null;
    const ln = { gamma: random(C, 44), beta: random(C, 45), eps: 1e-5 };
    const proj = { weight: random(C * C, 46).map((v) => v / Math.sqrt(C)), bias: random(C, 47) };
    const res = random(B * C * H * W, 48);
    const got = await runGraph([{ shape: [B, C, h, w], data: o }, { shape: [B, C, H, W], data: res }],
      (g, [to, tr]) => gpuLpp(g, to, sr, lp, ln, proj, tr), { tuning: GPU });
    assertClose(got, want(o, [B, C, h, w], sr, lp, ln, proj.weight, proj.bias, res), 1e-5, 1e-5);
  });
}

test('gpu local_prop_proj with half-precision weights equals the float32 run on the same halves', async () => {
  const [B, C, h, w, sr] = [2, 40, 7, 7, 2];
  const o = random(B * C * h * w, 81), res = random(B * C * h * sr * w * sr, 82);
  const lp = { weight: random(C * sr * sr, 83), bias: random(C, 84) };
  // γ = 1, β = 0 so that the folded weights are the exact halves themselves.
  const ln = { gamma: new Float32Array(C).fill(1), beta: new Float32Array(C), eps: 1e-5 };
  const proj = { weight: random(C * C, 85).map((v) => Math.round(v * 256) / 256), bias: random(C, 86) };
  const inputs = [{ shape: [B, C, h, w], data: o }, { shape: [B, C, h * sr, w * sr], data: res }];
  const build = (g: GraphBuilder, [to, tr]: Tensor[]) => gpuLpp(g, to, sr, lp, ln, proj, tr);
  const f32 = await runGraph(inputs, build, { tuning: GPU });
  const rt = await runtime();
  for (const weights of ['f16-packed', 'f16'] as const) {
    if (weights === 'f16' && !rt.gpu.hasF16) continue;
    assertClose(await runGraph(inputs, build, { tuning: GPU, weights }), f32, 1e-6, 1e-6, weights);
  }
});
