// The CPU reference checked on hand-computed cases and identities, and (when ../shared/refcases is
// there) the EfficientViT reference against upstream PyTorch's outputs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EFFICIENTVIT_CONFIGS } from '../src/models/efficientvit-config.ts';
import { efficientvitReference } from '../src/reference/efficientvit.ts';
import {
  add, attentionBiasIdxs, batchNorm2d, cascadedGroupAttention, conv2d, convTranspose2dDepthwise, erf, erfc, foldBatchNorm, gelu,
  geluScalar, layerNormChannels, layerNormRows, linear, localWindowAttention, meanPoolHW, mul, numBiasOffsets, relu, sigmoid,
  softmaxRows, squeezeExcite, type CascadedAttentionParams, type Shape4,
} from '../src/reference/ops.ts';
import { readSafetensors } from '../src/weights/safetensors.ts';
import { randomFloats as random } from '../src/util/random.ts';

const F = (...v: number[]) => Float32Array.from(v);
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6) {
  assert.equal(actual.length, expected.length, 'length');
  assert.ok(expected.length > 0, 'nothing to compare');
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}] ${actual[i]} vs ${expected[i]}`);
}

/** erf from its everywhere-positive series 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!!: no cancellation, so float64-exact. */
function erfSeries(x: number): number {
  let term = x, sum = x;
  for (let n = 0; Math.abs(term) > 1e-18 * Math.abs(sum); n++) { term *= (2 * x * x) / (2 * n + 3); sum += term; }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

test('erf and erfc match a high-precision series and known values to 1e-12', () => {
  for (let x = -6; x <= 6; x += 0.0137) assert.ok(Math.abs(erf(x) - erfSeries(x)) < 1e-12, `erf(${x})`);
  for (const [x, e, c] of [[0.1, 0.1124629160182849, 0.8875370839817152], [1, 0.8427007929497149, 0.15729920705028513],
    [-0.7, -0.6778011938374184, 1.6778011938374184], [3, 0.9999779095030014, 2.2090496998585438e-5], [5, 0.9999999999984626, 1.5374597944280351e-12]]) {
    assert.ok(Math.abs(erf(x) - e) < 1e-15 && Math.abs(erfc(x) - c) <= 1e-15 * Math.max(1, c), `erf/erfc(${x})`);
  }
});

test('exact GELU, sigmoid, relu, add, mul', () => {
  assert.ok(Math.abs(geluScalar(1) - 0.8413447460685429) < 1e-15);
  assert.ok(Math.abs(geluScalar(-1) + 0.15865525393145707) < 1e-15);
  assert.ok(Math.abs(geluScalar(-3) + 0.004049694094890287) < 1e-15);
  assertClose(gelu(F(0, 1, 2.5)), F(0, 0.8413447460685429, 2.4844758366855597), 0);
  assertClose(sigmoid(F(0, Math.log(3))), F(0.5, 0.75), 1e-7);
  assertClose(relu(F(-1, 0, 2)), F(0, 0, 2), 0);
  assertClose(add(F(1, 2), F(3, 4)), F(4, 6), 0);
  assertClose(mul(F(1, 2), F(3, 4)), F(3, 8), 0);
});

test('conv2d on a hand-computed 3×3 case, with padding and stride', () => {
  const x = F(1, 2, 3, 4, 5, 6, 7, 8, 9), ones = new Float32Array(9).fill(1);
  const same = conv2d(x, [1, 1, 3, 3], ones, F(0.5), { cout: 1, kh: 3, kw: 3, pad: 1 });
  assert.deepEqual(same.shape, [1, 1, 3, 3]);
  assertClose(same.y, F(12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5), 0);
  const strided = conv2d(x, [1, 1, 3, 3], ones, null, { cout: 1, kh: 3, kw: 3, stride: [2, 2], pad: [1, 1] });
  assert.deepEqual(strided.shape, [1, 1, 2, 2]);
  assertClose(strided.y, F(12, 16, 24, 28), 0);
  const tall = conv2d(x, [1, 1, 3, 3], F(1, 1), null, { cout: 1, kh: 2, kw: 1 }); // vertical pairs
  assertClose(tall.y, F(5, 7, 9, 11, 13, 15), 0);
});

test('a 1×1 conv equals a linear layer over pixels', () => {
  const [B, C, H, W, O] = [2, 5, 3, 4, 6];
  const x = random(B * C * H * W, 1), w = random(O * C, 2), b = random(O, 3);
  const conv = conv2d(x, [B, C, H, W], w, b, { cout: O, kh: 1, kw: 1 }).y;
  const rows = new Float32Array(B * H * W * C); // NCHW → [pixels, C]
  for (let n = 0; n < B; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) rows[(n * H * W + p) * C + c] = x[(n * C + c) * H * W + p];
  const lin = linear(rows, [B * H * W, C], w, b);
  for (let n = 0; n < B; n++) for (let o = 0; o < O; o++) for (let p = 0; p < H * W; p++)
    assert.ok(Math.abs(conv[(n * O + o) * H * W + p] - lin[(n * H * W + p) * O + o]) < 1e-6);
});

test('a depthwise conv equals each channel convolved on its own', () => {
  const [C, H, W] = [3, 5, 6];
  const x = random(C * H * W, 4), w = random(C * 9, 5), b = random(C, 6);
  const dw = conv2d(x, [1, C, H, W], w, b, { cout: C, kh: 3, kw: 3, stride: 2, pad: 1, groups: C });
  assert.deepEqual(dw.shape, [1, C, 3, 3]);
  for (let c = 0; c < C; c++) {
    const one = conv2d(x.slice(c * H * W, (c + 1) * H * W), [1, 1, H, W], w.slice(c * 9, c * 9 + 9), b.slice(c, c + 1), { cout: 1, kh: 3, kw: 3, stride: 2, pad: 1 });
    assertClose(dw.y.subarray(c * 9, c * 9 + 9), one.y, 0);
  }
});

test('depthwise ConvTranspose2d with kernel = stride spreads each pixel over its own block', () => {
  const up = convTranspose2dDepthwise(F(1, 2), [1, 1, 1, 2], F(1, 2, 3, 4), F(10), 2);
  assert.deepEqual(up.shape, [1, 1, 2, 4]);
  assertClose(up.y, F(11, 12, 12, 14, 13, 14, 16, 18), 0);
});

test('batch norm, layer norms, pooling and softmax', () => {
  const bn = { weight: F(3, 1), bias: F(1, 0), running_mean: F(1, 0), running_var: F(3, 0) }; // eps 1: √4 and √1
  assertClose(batchNorm2d(F(3, 5, 7, 9), [1, 2, 1, 2], bn, 1), F(4, 7, 7, 9), 0);
  const [rows, C] = [5, 7], x = random(rows * C, 7), g = random(C, 8), b = random(C, 9);
  const byRows = layerNormRows(x, [rows, C], g, b, 1e-6);
  const asMap = new Float32Array(rows * C); // [rows, C] → [1, C, rows, 1]
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) asMap[c * rows + r] = x[r * C + c];
  const byChannels = layerNormChannels(asMap, [1, C, rows, 1], g, b, 1e-6);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) assert.ok(Math.abs(byRows[r * C + c] - byChannels[c * rows + r]) < 1e-6);
  const plain = layerNormRows(F(1, 2, 3, 4), [1, 4], F(1, 1, 1, 1), F(0, 0, 0, 0), 0); // mean 2.5, var 1.25
  assertClose(plain, F(-1.5, -0.5, 0.5, 1.5).map((v) => v / Math.sqrt(1.25)), 1e-6);
  assertClose(meanPoolHW(F(1, 2, 3, 4, 10, 20, 30, 40), [1, 2, 2, 2]), F(2.5, 25), 0);
  assertClose(softmaxRows(F(0, Math.log(3), 5, 5), [2, 2]), F(0.25, 0.75, 0.5, 0.5), 1e-7);
  assertClose(linear(F(1, 2), [1, 2], F(1, 0, 3, 4, 5, 6), F(0, 1, 2)), F(1, 12, 19), 0);
});

test('squeeze-excite scales every channel by sigmoid(fc2(relu(fc1(mean))))', () => {
  // channel means 2 and 4; fc1 [1, 2] = (1, −1) → relu(−2 + 3) = 1; fc2 [2, 1] = (1, −1), bias 0 → gates σ(1), σ(−1)
  const x = F(1, 3, 4, 4);
  const y = squeezeExcite(x, [1, 2, 1, 2], F(1, -1), F(3), F(1, -1), F(0, 0));
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  assertClose(y, F(s(1), 3 * s(1), 4 * s(-1), 4 * s(-1)), 1e-6);
});

test('folding BatchNorm into a conv gives the conv followed by the BatchNorm', () => {
  const [C, O] = [3, 4], shape: Shape4 = [1, C, 4, 4];
  const x = random(C * 16, 10), w = random(O * C * 9, 11);
  const bn = { weight: random(O, 12), bias: random(O, 13), running_mean: random(O, 14), running_var: random(O, 15).map((v) => v + 1.5) };
  const conv = conv2d(x, shape, w, null, { cout: O, kh: 3, kw: 3, pad: 1 });
  const folded = foldBatchNorm(w, null, bn, 1e-5);
  assertClose(conv2d(x, shape, folded.weight, folded.bias, { cout: O, kh: 3, kw: 3, pad: 1 }).y, batchNorm2d(conv.y, conv.shape, bn, 1e-5), 1e-5);
});

test('attention bias index tables', () => {
  assert.deepEqual([...attentionBiasIdxs(2)], [0, 1, 2, 3, 1, 0, 3, 2, 2, 3, 0, 1, 3, 2, 1, 0]);
  // row 1 of the 4×4 table as upstream's checkpoint stores it
  assert.deepEqual([...attentionBiasIdxs(4).subarray(16, 32)], [1, 0, 1, 2, 5, 4, 5, 6, 9, 8, 9, 10, 13, 12, 13, 14]);
  for (const [r, count] of [[7, 49], [4, 16], [3, 9]]) {
    assert.equal(numBiasOffsets(r), count);
    assert.equal(Math.max(...attentionBiasIdxs(r)) + 1, count);
  }
});

/** One head per channel, keyDim 1: q, k, v = (qk·x, qk·x, x), identity dw on q and identity proj. */
function simpleAttention(C: number, r: number, qk: number, biases?: Float32Array): CascadedAttentionParams {
  const heads = C, keyDim = 1;
  const eye = new Float32Array(C * C);
  for (let c = 0; c < C; c++) eye[c * C + c] = 1;
  return {
    heads, keyDim,
    qkvs: Array.from({ length: heads }, () => ({ weight: F(qk, qk, 1), bias: F(0, 0, 0) })),
    dws: Array.from({ length: heads }, () => ({ weight: F(0, 0, 0, 0, 1, 0, 0, 0, 0), bias: F(0), kernel: 3 })),
    attentionBiases: biases ?? new Float32Array(heads * numBiasOffsets(r)), biasIdxs: attentionBiasIdxs(r),
    proj: { weight: eye, bias: new Float32Array(C) },
  };
}

test('cascaded attention: uniform weights average v, and each head adds the previous head output', () => {
  const x = F(1, 2, 3, 6, /* channel 1 */ -8, 0, 0, 0); // r = 2; channel means 3 and −2
  const y = cascadedGroupAttention(x, [1, 2, 2, 2], simpleAttention(2, 2, 0));
  assertClose(y, F(3, 3, 3, 3, 1, 1, 1, 1), 1e-6); // head 1 sees −2 + 3; ReLU before proj
});

test('cascaded attention: scaled q·k logits, and bias tables indexed by offset', () => {
  const x = F(0.5, -1, 2, 0.25), qk = 1; // keyDim 1 → scale 1
  const y = cascadedGroupAttention(x, [1, 1, 2, 2], simpleAttention(1, 2, qk));
  const expected = [...x].map((xn) => {
    const w = [...x].map((xm) => Math.exp(xn * xm));
    return Math.max(0, w.reduce((s, wm, m) => s + wm * x[m], 0) / w.reduce((s, v) => s + v, 0));
  });
  assertClose(y, expected, 1e-6);
  const selfOnly = F(0, -1e4, -1e4, -1e4); // offset 0 is the token itself
  assertClose(cascadedGroupAttention(x, [1, 1, 2, 2], simpleAttention(1, 2, 0, selfOnly)), relu(x), 1e-6);
});

test('local window attention: the whole map when it fits, else zero-padded windows cropped back', () => {
  const p = simpleAttention(2, 3, 0.7, random(2 * 9, 16));
  const small = random(2 * 9, 17);
  assertClose(localWindowAttention(small, [1, 2, 3, 3], p), cascadedGroupAttention(small, [1, 2, 3, 3], p), 0);
  const [H, W] = [5, 4], x = random(2 * H * W, 18); // windows: 3×3, 3×1(+pad), 2×3(+pad), 2×1(+pad)
  const y = localWindowAttention(x, [1, 2, H, W], p);
  for (const [y0, x0] of [[0, 0], [0, 3], [3, 0], [3, 3]]) {
    const win = new Float32Array(2 * 9); // the window cut out by hand, zeros where the map ends
    for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++)
      if (y0 + i < H && x0 + j < W) win[c * 9 + i * 3 + j] = x[(c * H + y0 + i) * W + x0 + j];
    const out = cascadedGroupAttention(win, [1, 2, 3, 3], p);
    for (let c = 0; c < 2; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++)
      if (y0 + i < H && x0 + j < W) assert.equal(y[(c * H + y0 + i) * W + x0 + j], out[c * 9 + i * 3 + j]);
  }
});

const refcases = fileURLToPath(new URL('../../shared/refcases/', import.meta.url));
const loaderPath = fileURLToPath(new URL('../src/weights/load.ts', import.meta.url));

test('efficientvit_m0 reference matches upstream PyTorch (refcase)', async (t) => {
  const base = `${refcases}efficientvit_m0_r224_s0`;
  if (!existsSync(`${base}.pth`)) return t.skip('../shared/refcases is not here');
  if (!existsSync(loaderPath)) return t.skip('no .pth loader (src/weights/load.ts) yet');
  const { loadStateDict } = await import(loaderPath);
  const sd = await loadStateDict(new Uint8Array(readFileSync(`${base}.pth`)));
  const input = new Float32Array(new Uint8Array(readFileSync(`${base}.input.f32`)).buffer);
  const expected = readSafetensors(new Uint8Array(readFileSync(`${base}.activations.safetensors`)));
  const result = efficientvitReference(sd, EFFICIENTVIT_CONFIGS.efficientvit_m0, input, [1, 3, 224, 224]);
  const outputs: [string, Float32Array][] = [...Object.entries(result.stages).map(([k, v]) => [k, v.data] as [string, Float32Array]), ['logits', result.logits]];
  for (const [name, actual] of outputs) {
    const want = expected.get(name)!.data as Float32Array;
    let maxDiff = 0, maxAbs = 0;
    for (let i = 0; i < want.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(actual[i] - want[i])); maxAbs = Math.max(maxAbs, Math.abs(want[i])); }
    assert.equal(actual.length, want.length, name);
    assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `${name}: max|Δ| ${maxDiff} (max|y| ${maxAbs})`);
  }
  // at 192 the stage-2 map is 6×6, one window of 36 offsets: the 224 checkpoint's 49-offset tables do not fit
  assert.throws(() => efficientvitReference(sd, EFFICIENTVIT_CONFIGS.efficientvit_m0, new Float32Array(3 * 192 * 192), [1, 3, 192, 192]), /fit a 7×7 window/);
});
