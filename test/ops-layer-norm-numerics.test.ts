// Hostile LayerNorm statistics: every kernel that normalises (pointwise.wgsl's LN_IN, ln_qkv.wgsl,
// norm.wgsl, patch_embed.wgsl, local_prop_proj.wgsl; all include shaders/include/layer_norm.wgsl) on
// channel vectors whose |mean| is ≥ 1000 × their standard deviation, with channel and pixel tails
// and batch 2, against the CPU reference (statistics and sums in float64).
//
// Tolerance: 1e-5 absolute + relative, the non-hostile tests' bound. The LayerNorm inputs are exact in
// float32 on the GPU and in the reference alike: read from memory, or computed by a conv or LocalProp
// from dyadic values (multiples of 1/64) that every order of summation gives exactly. So what is left
// is the kernel's statistics and sums against float64: a few float32 ulps of the O(1) normalised
// values, grown by the sums over K (measured ≤ 1e-6). E[x²] − μ² and Σw·x − μ·Σw miss it by orders
// of magnitude here (their errors scale with eps_f32·|μ|²/σ²), and so does centring on a float32
// mean (eps_f32·|μ|/σ: ~1e-4 at these offsets of 1000 .. 4000).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { lnQkv } from '../src/ops/ln-qkv.ts';
import { layerNorm } from '../src/ops/layer-norm.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import { localPropProj } from '../src/ops/local-prop-proj.ts';
import { viewOf, type View } from '../src/graph/ir.ts';
import * as ref from '../src/reference/ops.ts';

/** Uniform in [−1, 1], rounded to multiples of 1/64 (exact in float32, and so are small sums of products). */
const dyadic = (n: number, seed: number) => random(n, seed).map((v) => Math.round(64 * v) / 64);

/**
 * [B, C, P] values: at each (b, p) an integer offset of ±(1000 .. 4000) (sign and size vary with the
 * pixel) plus dyadic noise in [−1, 1] (σ ≈ 0.58) — so |mean| ≥ 1000·σ for every channel vector.
 */
function offsetVectors(B: number, C: number, P: number, seed: number): Float32Array {
  const noise = dyadic(B * C * P, seed), off = random(B * P, seed + 1);
  const x = new Float32Array(B * C * P);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < P; p++) {
      const o = off[b * P + p];
      const offset = Math.sign(o || 1) * Math.round(1000 + 3000 * Math.abs(o));
      for (let c = 0; c < C; c++) x[(b * C + c) * P + p] = offset + noise[(b * C + c) * P + p];
    }
  }
  return x;
}

/** Checks the premise: min over channel vectors of |mean| / std (float64), for [B, C, P] values. */
function minMeanOverStd(x: ArrayLike<number>, B: number, C: number, P: number): number {
  let worst = Infinity;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += x[(b * C + c) * P + p];
      const mean = s / C;
      let v = 0;
      for (let c = 0; c < C; c++) v += (x[(b * C + c) * P + p] - mean) ** 2;
      worst = Math.min(worst, Math.abs(mean) / Math.sqrt(v / C));
    }
  }
  return worst;
}

const TOL = 1e-5;

// B, K, M, H, W: K and M not multiples of 4 or 16, H·W not a multiple of 4 (pixel quad tails).
for (const [B, K, M, H, W] of [[2, 37, 45, 5, 7], [2, 130, 19, 3, 3], [2, 6, 17, 1, 5]]) {
  test(`pointwise LN_IN, |mean| ≥ 1000·σ: B${B} K${K} M${M} ${H}×${W}`, async () => {
    const x = offsetVectors(B, K, H * W, K);
    assert.ok(minMeanOverStd(x, B, K, H * W) >= 1000);
    const w = random(M * K, 2).map((v) => v / Math.sqrt(K)), b = random(M, 3);
    const gamma = random(K, 4).map((v) => 1 + 0.5 * v), beta = random(K, 5);
    const eps = 1e-6;
    const want = ref.conv2d(ref.layerNormChannels(x, [B, K, H, W], gamma, beta, eps), [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y;
    const got = await runGraph([{ shape: [B, K, H, W], data: x }], (g, [t]) => pointwise(g, 'fc1', t, w, b, M, { ln: { gamma, beta, eps } }));
    assertClose(got, want, TOL, TOL, 'pointwise LN_IN');
  });
}

/** x [B, C, H, W] → the delegate tokens (pixels (i·sr, j·sr)), LayerNorm'd and through the [3C, C] linear, as [B, 3C, H/sr, W/sr]. */
function lnQkvReference(x: Float32Array, [B, C, H, W]: number[], sr: number, gamma: Float32Array, beta: Float32Array, w: Float32Array, bias: Float32Array): Float32Array {
  const h = H / sr, wd = W / sr, N = h * wd;
  const rows = new Float32Array(B * N * C);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    rows[(b * N + n) * C + c] = x[((b * C + c) * H + Math.floor(n / wd) * sr) * W + (n % wd) * sr];
  }
  const y = ref.linear(ref.layerNormRows(rows, [B * N, C], gamma, beta, 1e-6), [B * N, C], w, bias);
  const out = new Float32Array(B * 3 * C * N);
  for (let b = 0; b < B; b++) for (let n = 0; n < N; n++) for (let o = 0; o < 3 * C; o++) out[(b * 3 * C + o) * N + n] = y[(b * N + n) * 3 * C + o];
  return out;
}

for (const [B, C, H, W, sr] of [[2, 29, 10, 6, 2], [2, 50, 7, 5, 1], [2, 5, 12, 20, 4]]) {
  test(`ln_qkv, |mean| ≥ 1000·σ: B${B} C${C} ${H}×${W} sr${sr}`, async () => {
    const x = offsetVectors(B, C, H * W, C + sr);
    assert.ok(minMeanOverStd(x, B, C, H * W) >= 1000);
    const gamma = random(C, 2).map((v) => 1 + 0.5 * v), beta = random(C, 3);
    const w = random(3 * C * C, 4).map((v) => v / Math.sqrt(C)), b = random(3 * C, 5);
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => lnQkv(g, 'qkv', t, sr, { gamma, beta, eps: 1e-6 }, w, b));
    assertClose(got, lnQkvReference(x, [B, C, H, W], sr, gamma, beta, w, b), TOL, TOL, 'ln_qkv');
  });
}

test('layer_norm (norm.wgsl), |mean| ≥ 1000·σ, over a token-major view: B2 C37 3×5', async () => {
  const [B, C, H, W] = [2, 37, 3, 5];
  const x = offsetVectors(B, C, H * W, 21);
  assert.ok(minMeanOverStd(x, B, C, H * W) >= 1000);
  const gamma = random(C, 22), beta = random(C, 23);
  const tokens = (v: View): View => ({ ...v, shape: [B, H * W, C], strides: [v.strides[0], 1, v.strides[1]] });
  const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => {
    const y = g.tensor('y', [B, C, H, W]);
    layerNorm(g, 'ln', tokens(viewOf(t)), gamma, beta, 1e-6, tokens(viewOf(y)));
    return y;
  });
  assertClose(got, ref.layerNormChannels(x, [B, C, H, W], gamma, beta, 1e-6), TOL, TOL, 'layer_norm');
});

test('patch_embed LayerNorm, conv outputs with |mean| ≥ 1000·σ: B2 5→37 11×13 k2', async () => {
  const [B, Cin, Cout, H, W, k] = [2, 5, 37, 11, 13, 2];
  // Dyadic inputs and weights (the conv is exact); the offset comes from the bias (2000) and from input
  // channel 0, an integer 1 .. 4 per pixel times weights of 128 in every output channel.
  const x = dyadic(B * Cin * H * W, 31), w = dyadic(Cout * Cin * k * k, 32);
  for (let b = 0; b < B; b++) for (let i = 0; i < H * W; i++) x[b * Cin * H * W + i] = 1 + ((i * 7 + b) % 4);
  for (let co = 0; co < Cout; co++) for (let t = 0; t < k * k; t++) w[co * Cin * k * k + t] = 128;
  const b = dyadic(Cout, 33).map((v) => 2000 + v), gamma = random(Cout, 34), beta = random(Cout, 35);
  const conv = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: k, pad: 0 });
  const P = conv.shape[2] * conv.shape[3];
  assert.ok(minMeanOverStd(conv.y, B, Cout, P) >= 1000, `premise: min |mean|/σ = ${minMeanOverStd(conv.y, B, Cout, P)}`);
  const got = await runGraph([{ shape: [B, Cin, H, W], data: x }], (g, [t]) => patchEmbed(g, 'pe', t, w, b, k, { gamma, beta, eps: 1e-5 }));
  assertClose(got, ref.layerNormChannels(conv.y, conv.shape, gamma, beta, 1e-5), TOL, TOL, 'patch_embed');
});

// B, C, h, w, sr: sr = 1 reads u = o from memory, sr = 2 computes it (LocalProp) first.
for (const [B, C, h, w, sr] of [[2, 21, 3, 5, 1], [2, 40, 3, 3, 2], [2, 13, 3, 5, 2]]) {
  const H = h * sr, W = w * sr;
  test(`local_prop_proj LayerNorm, |mean| ≥ 1000·σ: B${B} C${C} ${h}×${w} sr${sr}`, async () => {
    const o = offsetVectors(B, C, h * w, 41 + C);
    // LocalProp scales by a power of two per tap (the same for every channel, so u keeps o's offset
    // and ratio) and adds a small dyadic bias: u is exact.
    const lp = sr > 1 ? { weight: Float32Array.from({ length: C * sr * sr }, (_, i) => 2 ** ((i % (sr * sr)) % 2)), bias: dyadic(C, 43).map((v) => v / 4) } : null;
    const u = lp ? ref.convTranspose2dDepthwise(o, [B, C, h, w], lp.weight, lp.bias, sr) : { y: o, shape: [B, C, h, w] as ref.Shape4 };
    assert.ok(minMeanOverStd(u.y, B, C, H * W) >= 1000, `premise: min |mean|/σ = ${minMeanOverStd(u.y, B, C, H * W)}`);
    const ln = { gamma: random(C, 44), beta: random(C, 45), eps: 1e-5 };
    const proj = { weight: random(C * C, 46).map((v) => v / Math.sqrt(C)), bias: random(C, 47) };
    const res = random(B * C * H * W, 48);
    const want = ref.add(ref.conv2d(ref.layerNormChannels(u.y, u.shape, ln.gamma, ln.beta, ln.eps), u.shape, proj.weight, proj.bias, { cout: C, kh: 1, kw: 1 }).y, res);
    const got = await runGraph([{ shape: [B, C, h, w], data: o }, { shape: [B, C, H, W], data: res }],
      (g, [to, tr]) => localPropProj(g, 'lpp', to, sr, lp, ln, proj, tr));
    assertClose(got, want, TOL, TOL, 'local_prop_proj');
  });
}
