// Half-precision matrix weights (shaders/include/weights_f16*.wgsl): every kernel that reads
// `array<wvec4>` weights, run with them stored as IEEE half and read unpacked ('f16-packed': works on
// any adapter, so here too), against the same op with float32 weights. The weights are rounded to half
// first, so both runs multiply the same values; ops that fold a norm into their weights (LN_IN, the
// EdgeViT proj) round the folded values again, hence the 2e-3 tolerance, far below what a misread
// weight (wrong half, wrong offset) gives. The 'f16' form (shader-f16) reads the same bytes; it is
// compiled and validated in test/f16-validation.test.ts, on a device that has the feature.
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { decodeElements, toHalves } from '../src/weights/dtype.ts';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../src/graph/builder.ts';
import { WeightPool } from '../src/graph/weights.ts';
import type { Tensor } from '../src/graph/ir.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { conv2d } from '../src/ops/conv2d.ts';
import { ffn } from '../src/ops/ffn.ts';
import { lnQkv } from '../src/ops/ln-qkv.ts';
import { localPropProj } from '../src/ops/local-prop-proj.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import { poolLinear } from '../src/ops/pool-linear.ts';
import { squeezeExciteGate } from '../src/ops/squeeze-excite.ts';
import { cascadedAttention } from '../src/ops/cascaded-attention.ts';

/** `v` rounded to the nearest IEEE half, as float32 (the checkpoint reader's f16 decoding). */
const halfRounded = (v: Float32Array): Float32Array => decodeElements(new Uint8Array(toHalves(v).buffer), 'f16') as Float32Array;

let seed = 100;
/** Random half-exact weights, scaled (made outside the graph builders: each run must get the same). */
const hw = (n: number, scale = 1) => halfRounded(random(n, ++seed).map((v) => v * scale));

type Input = { shape: number[]; data: Float32Array };
async function sameAsF32(inputs: Input[], build: (g: GraphBuilder, xs: Tensor[]) => Tensor, tol: number): Promise<void> {
  // The op really stores half weights and names the kernel form that reads them.
  const g = new GraphBuilder(new WeightPool('f16-packed', true));
  build(g, inputs.map((x, i) => g.input(`x${i}`, x.shape)));
  const half = g.nodes.filter((n) => Object.values(n.bind).some((b) => 'weight' in b && b.weight.dtype === 'f16'));
  assert.ok(half.length > 0 && half.every((n) => n.kernel.weights === 'f16-packed'), 'the op binds no half weights');
  const want = await runGraph(inputs, build);
  const got = await runGraph(inputs, build, { weights: 'f16-packed' });
  assertClose(got, want, tol, tol, 'f16-packed vs f32');
}
const input = (shape: number[]): Input => ({ shape, data: random(shape.reduce((a, b) => a * b, 1), ++seed) });

test('pointwise: plain + ReLU, and with a LayerNorm folded in', async () => {
  const [B, K, M, H, W] = [2, 19, 33, 7, 7];
  const w = hw(M * K, 0.3), b = hw(M);
  await sameAsF32([input([B, K, H, W])], (g, [t]) => pointwise(g, 'pw', t, w, b, M, { reluOut: true }), 1e-5);
  const gamma = hw(K), beta = hw(K);
  await sameAsF32([input([B, K, H, W])], (g, [t]) => pointwise(g, 'pw', t, w, b, M, { ln: { gamma, beta, eps: 1e-5 }, geluOut: true }), 2e-3);
});

test('conv2d: the 3×3 stride-2 path and the generic one', async () => {
  const [B, Cin, Cout, H, W] = [1, 3, 24, 15, 13];
  const w3 = hw(Cout * Cin * 9, 0.3), b3 = hw(Cout), w5 = hw(7 * 5 * 25, 0.3), b5 = hw(7);
  await sameAsF32([input([B, Cin, H, W])], (g, [t]) => conv2d(g, 'c', t, w3, b3, { cout: Cout, k: 3, stride: 2, pad: 1, relu: true }), 1e-5);
  await sameAsF32([input([B, 5, 9, 8])], (g, [t]) => conv2d(g, 'c', t, w5, b5, { cout: 7, k: 5, stride: 1, pad: 2, relu: false }), 1e-5);
});

test('ffn (one kernel)', async () => {
  const [B, C, hidden, H, W] = [2, 13, 27, 7, 7];
  const w1 = hw(hidden * C, 0.3), b1 = hw(hidden), w2 = hw(C * hidden, 0.3), b2 = hw(C);
  await sameAsF32([input([B, C, H, W])], (g, [t]) => ffn(g, 'ffn', t, w1, b1, w2, b2, { pq: 4 }), 1e-5);
});

test('LayerNorm → qkv (EdgeViT), folded', async () => {
  const [B, C, H, W, sr] = [2, 13, 10, 6, 2];
  const gamma = hw(C), beta = hw(C);
  const w = hw(3 * C * C, 0.3), b = hw(3 * C);
  await sameAsF32([input([B, C, H, W])], (g, [t]) => lnQkv(g, 'qkv', t, sr, { gamma, beta, eps: 1e-6 }, w, b), 2e-3);
});

test('LocalProp + LayerNorm + proj + residual (EdgeViT)', async () => {
  const [B, C, h, w, sr] = [1, 20, 3, 4, 2];
  const lp = { weight: hw(C * sr * sr), bias: hw(C) };
  const ln = { gamma: hw(C), beta: hw(C), eps: 1e-5 };
  const proj = { weight: hw(C * C, 0.3), bias: hw(C) };
  await sameAsF32([input([B, C, h, w]), input([B, C, h * sr, w * sr])], (g, [o, r]) => localPropProj(g, 'lpp', o, sr, lp, ln, proj, r), 2e-3);
});

test('patch embedding with LayerNorm (EdgeViT)', async () => {
  const [B, Cin, Cout, H, W, k] = [2, 3, 20, 12, 8, 4];
  const w = hw(Cout * Cin * k * k, 0.3), b = hw(Cout), ln = { gamma: hw(Cout), beta: hw(Cout), eps: 1e-5 };
  await sameAsF32([input([B, Cin, H, W])], (g, [t]) => patchEmbed(g, 'pe', t, w, b, k, ln), 1e-5);
});

test('pool + linear head, squeeze-excite', async () => {
  const [B, C, O, H, W] = [2, 21, 10, 5, 5];
  const w = hw(O * C, 0.3), b = hw(O);
  await sameAsF32([input([B, C, H, W])], (g, [t]) => poolLinear(g, 'head', t, w, b, O), 1e-5);
  const R = 6, w1 = hw(R * C, 0.3), b1 = hw(R), w2 = hw(C * R, 0.3), b2 = hw(C);
  await sameAsF32([input([B, C, H, W])], (g, [t]) => squeezeExciteGate(g, 'se', t, w1, b1, w2, b2, R), 1e-5);
});

test('cascaded group attention (EfficientViT)', async () => {
  const [B, C, heads, H, W, r] = [2, 30, 3, 6, 6, 6];
  const d = C / heads, kd = 16;
  const w = {
    keyDim: kd,
    qkv: Array.from({ length: heads }, () => ({ weight: hw((2 * kd + d) * d, 1 / Math.sqrt(d)), bias: hw(2 * kd + d, 0.5) })),
    dw: [5, 3, 3].map((k) => ({ weight: hw(kd * k * k, 0.3), bias: hw(kd, 0.5), k })),
    biases: hw(heads * r * r),
  };
  await sameAsF32([input([B, C, H, W])], (g, [t]) => cascadedAttention(g, 'attn', t, w, r), 1e-5);
});
