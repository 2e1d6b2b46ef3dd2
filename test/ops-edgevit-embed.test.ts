// patch_embed.wgsl (strided conv + LayerNorm) and local_prop_proj.wgsl (LocalProp + LayerNorm + proj
// + residual) against the CPU reference, on sizes that are not multiples of 4 or of the tiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import { localPropProj, tileWidth } from '../src/ops/local-prop-proj.ts';
import * as ref from '../src/reference/ops.ts';
import type { Shape4 } from '../src/reference/ops.ts';

// B, Cin, Cout, H, W, k. Input sizes that k does not divide (the conv floors), channel counts that
// are not multiples of 4 or 16, a kernel whose taps are not a multiple of 4 (k = 3), and a map with
// more pixel tiles than fit whole workgroups (Cout 13: 4 tiles per workgroup, 10 tiles per image).
const EMBED: [number, number, number, number, number, number][] = [
  [2, 5, 13, 25, 27, 2],
  [1, 3, 36, 19, 18, 4],
  [2, 7, 19, 10, 11, 3],
  [1, 11, 40, 8, 9, 2],
];

for (const [B, Cin, Cout, H, W, k] of EMBED) {
  test(`patch embedding B${B} ${Cin}→${Cout} ${H}×${W} k${k}, with and without LayerNorm`, async () => {
    const x = random(B * Cin * H * W, 51), w = random(Cout * Cin * k * k, 52), b = random(Cout, 53);
    const gamma = random(Cout, 54), beta = random(Cout, 55);
    const conv = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: k, pad: 0 });
    const want = ref.layerNormChannels(conv.y, conv.shape, gamma, beta, 1e-5);
    const got = await runGraph([{ shape: [B, Cin, H, W], data: x }], (g, [t]) => {
      const y = patchEmbed(g, 'pe', t, w, b, k, { gamma, beta, eps: 1e-5 });
      assert.deepEqual(y.shape, [B, Cout, Math.floor(H / k), Math.floor(W / k)]);
      return y;
    });
    assertClose(got, want, 1e-5, 1e-5);
    // Without the LayerNorm: the conv alone (the unfused schedule's kernel for non-overlapping patches).
    const plain = await runGraph([{ shape: [B, Cin, H, W], data: x }], (g, [t]) => patchEmbed(g, 'pe', t, w, b, k, null));
    assertClose(plain, conv.y, 1e-5, 1e-5, 'conv without LayerNorm');
  });
}

test('patch embedding LayerNorm is exact for a large common offset (two-pass statistics)', async () => {
  // Conv outputs of 1000 ± ~0.6: in float32, one-pass E[v²] − E[v]² is off by up to ~3 here (checked
  // by hand), the two-pass statistics by ~2.5e-4.
  const [B, Cin, Cout, H, W, k] = [1, 2, 21, 6, 6, 2];
  const x = random(B * Cin * H * W, 61), w = random(Cout * Cin * k * k, 62).map((v) => v * 0.1);
  const b = random(Cout, 63).map((v) => 1000 + v), gamma = random(Cout, 64), beta = random(Cout, 65);
  const conv = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: k, pad: 0 });
  const want = ref.layerNormChannels(conv.y, conv.shape, gamma, beta, 1e-5);
  const got = await runGraph([{ shape: [B, Cin, H, W], data: x }], (g, [t]) => patchEmbed(g, 'pe', t, w, b, k, { gamma, beta, eps: 1e-5 }));
  // 1e-3, not 1e-5: the conv outputs themselves round at 1000 (float32 ulp 6e-5, GPU and reference
  // sum in different orders) before the LayerNorm divides by their spread of ~0.6.
  assertClose(got, want, 1e-3, 1e-3);
});

/** LocalProp (sr > 1), LayerNorm (if given), proj, + residual, in the CPU reference's float64 ops. */
function localPropProjRef(o: Float32Array, shape: Shape4, sr: number, lp: { weight: Float32Array; bias: Float32Array } | null,
  ln: { gamma: Float32Array; beta: Float32Array; eps: number } | null, pw: Float32Array, pb: Float32Array, residual: Float32Array): Float32Array {
  let u = o, s = shape;
  if (lp) ({ y: u, shape: s } = ref.convTranspose2dDepthwise(o, shape, lp.weight, lp.bias, sr));
  if (ln) u = ref.layerNormChannels(u, s, ln.gamma, ln.beta, ln.eps);
  return ref.add(ref.conv2d(u, s, pw, pb, { cout: s[1], kh: 1, kw: 1 }).y, residual);
}

// B, C, h, w (delegate grid), sr, LayerNorm. Covered: sr 1/2/4 on the fast paths (quads share
// delegates and kernel rows; tiles 16, 8 and 4 wide), widths with W % 4 = 2 (the last quad of a row
// is moved left, not cut), W < 4 and sr = 3 (per-pixel path), LayerNorm at sr = 1, more tiles than
// fit whole workgroups (C 40: 4 tiles per workgroup, 14 per image; C 9, 21 and 5: 2 per workgroup, 3).
const PROP: [number, number, number, number, number, boolean][] = [
  [1, 13, 3, 5, 2, true],
  [2, 7, 2, 3, 4, true],
  [1, 9, 5, 7, 1, false],
  [2, 21, 3, 3, 2, true],
  [2, 40, 7, 7, 2, true],
  [1, 6, 3, 1, 2, true],
  [2, 10, 3, 5, 1, true],
  [1, 5, 2, 2, 3, true],
];

for (const [B, C, h, w, sr, useLn] of PROP) {
  const H = h * sr, W = w * sr;
  test(`${sr > 1 ? 'LocalProp + ' : ''}${useLn ? 'LayerNorm + ' : ''}proj + residual B${B} C${C} ${h}×${w} sr${sr} → ${H}×${W} (tile width ${tileWidth(H, W)})`, async () => {
    const o = random(B * C * h * w, 71), res = random(B * C * H * W, 72);
    const lp = sr > 1 ? { weight: random(C * sr * sr, 73), bias: random(C, 74) } : null;
    const ln = useLn ? { gamma: random(C, 75), beta: random(C, 76), eps: 1e-5 } : null;
    const proj = { weight: random(C * C, 77), bias: random(C, 78) };
    const want = localPropProjRef(o, [B, C, h, w], sr, lp, ln, proj.weight, proj.bias, res);
    const got = await runGraph([{ shape: [B, C, h, w], data: o }, { shape: [B, C, H, W], data: res }],
      (g, [to, tr]) => localPropProj(g, 'lpp', to, sr, lp, ln, proj, tr));
    assertClose(got, want, 1e-5, 1e-5);
  });
}

test('localPropProj and patchEmbed reject inconsistent arguments with a hint', () => {
  const g = new GraphBuilder();
  const o = g.input('o', [1, 4, 2, 2]), res = g.input('res', [1, 4, 4, 4]);
  const proj = { weight: new Float32Array(16), bias: new Float32Array(4) };
  assert.throws(() => localPropProj(g, 'lpp', o, 2, null, null, proj, res), /LocalProp weights are needed exactly when sr > 1/);
  assert.throws(() => localPropProj(g, 'lpp', o, 1, { weight: new Float32Array(4), bias: new Float32Array(4) }, null, proj, res), /sr = 1, LocalProp given/);
  assert.throws(() => localPropProj(g, 'lpp', o, 4, { weight: new Float32Array(64), bias: new Float32Array(4) }, null, proj, res), /res has shape \[1,4,4,4\], expected \[1,4,8,8\]/);
  const x = g.input('x', [1, 3, 3, 3]);
  assert.throws(() => patchEmbed(g, 'pe', x, new Float32Array(5 * 3 * 16), new Float32Array(5), 4, { gamma: new Float32Array(5), beta: new Float32Array(5), eps: 1e-5 }), /smaller than one 4×4 patch/);
  assert.throws(() => patchEmbed(g, 'pe', x, new Float32Array(7), new Float32Array(5), 2, null), /weight \[5, 3, 2, 2\] has 7 values, expected 60/);
});
