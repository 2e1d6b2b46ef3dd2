// conv2d.wgsl, dwconv.wgsl, squeeze_excite.wgsl and pool_linear.wgsl against the CPU reference, on
// sizes that are not multiples of 4 or of the tiles.
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { conv2d } from '../src/ops/conv2d.ts';
import { dwconv } from '../src/ops/dwconv.ts';
import { squeezeExciteGate } from '../src/ops/squeeze-excite.ts';
import { poolLinear } from '../src/ops/pool-linear.ts';
import * as ref from '../src/reference/ops.ts';

const relu = (a: Float32Array) => ref.relu(a);

for (const [B, Cin, Cout, H, W, k, s, pad] of [[1, 3, 8, 17, 13, 3, 2, 1], [2, 5, 19, 9, 10, 3, 1, 1], [1, 16, 32, 28, 28, 3, 2, 1], [1, 3, 7, 11, 9, 4, 4, 0]]) {
  test(`conv2d B${B} ${Cin}→${Cout} ${H}×${W} k${k} s${s} p${pad}, with and without ReLU`, async () => {
    const x = random(B * Cin * H * W, 11), w = random(Cout * Cin * k * k, 12), b = random(Cout, 13);
    const want = ref.conv2d(x, [B, Cin, H, W], w, b, { cout: Cout, kh: k, kw: k, stride: s, pad });
    for (const reluOn of [false, true]) {
      const got = await runGraph([{ shape: [B, Cin, H, W], data: x }], (g, [t]) => conv2d(g, 'c', t, w, b, { cout: Cout, k, stride: s, pad, relu: reluOn }));
      assertClose(got, reluOn ? relu(want.y) : want.y, 1e-5, 1e-5, `relu=${reluOn}`);
    }
  });
}

for (const [B, C, H, W, k, s, mode] of [[1, 7, 9, 11, 3, 1, 'residual'], [2, 13, 14, 14, 3, 2, 'relu'], [1, 5, 7, 6, 5, 1, 'plain'], [1, 4, 3, 3, 7, 1, 'residual']] as const) {
  test(`dwconv B${B} C${C} ${H}×${W} k${k} s${s} ${mode}`, async () => {
    const x = random(B * C * H * W, 21), w = random(C * k * k, 22), b = random(C, 23);
    const pad = Math.floor(k / 2);
    const y = ref.conv2d(x, [B, C, H, W], w, b, { cout: C, kh: k, kw: k, stride: s, pad, groups: C }).y;
    const want = mode === 'residual' ? ref.add(y, x) : mode === 'relu' ? relu(y) : y;
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => dwconv(g, 'dw', t, w, b, { k, stride: s, relu: mode === 'relu', residual: mode === 'residual' }));
    assertClose(got, want, 1e-5, 1e-5);
  });
}

for (const [B, C, R, H, W] of [[1, 24, 8, 7, 7], [2, 37, 11, 4, 5], [1, 768, 192, 7, 7]]) {
  test(`squeeze-excite gate B${B} C${C} R${R} ${H}×${W}`, async () => {
    const x = random(B * C * H * W, 31), w1 = random(R * C, 32), b1 = random(R, 33), w2 = random(C * R, 34), b2 = random(C, 35);
    // The gate alone is what squeezeExcite multiplies x by: recover it with x = 1 at the mean of x.
    const pooled = ref.meanPoolHW(x, [B, C, H, W]);
    const hidden = ref.relu(ref.linear(pooled, [B, C], w1, b1));
    const want = ref.sigmoid(ref.linear(hidden, [B, R], w2, b2));
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => squeezeExciteGate(g, 'se', t, w1, b1, w2, b2, R));
    assertClose(got, want, 1e-6, 1e-5);
    // and the reference's full SE equals x · gate
    const full = ref.squeezeExcite(x, [B, C, H, W], w1, b1, w2, b2);
    assertClose(full, x.map((v, i) => v * want[Math.floor(i / (H * W))]), 1e-6, 1e-5, 'reference SE = x·gate');
  });
}

for (const [B, C, O, H, W] of [[1, 64, 1000, 4, 4], [2, 37, 13, 3, 5], [3, 384, 1000, 7, 7]]) {
  test(`mean pool + linear B${B} C${C} O${O} ${H}×${W}`, async () => {
    const x = random(B * C * H * W, 41), w = random(O * C, 42), b = random(O, 43);
    const want = ref.linear(ref.meanPoolHW(x, [B, C, H, W]), [B, C], w, b);
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => poolLinear(g, 'head', t, w, b, O));
    assertClose(got, want, 1e-5, 1e-5);
  });

  // A BatchNorm's running mean of ~1000 left to the kernel (FusedSchedule.fold): each channel sits near
  // its shift, which the kernel subtracts before summing (x − shift is exact there); the reference
  // pools x − shift. Folded into the bias instead, the mean of ~1000 and the dot product would cost ~1e-3.
  test(`mean pool + linear B${B} C${C} O${O} ${H}×${W}, input shifted by ~1000 per channel`, async () => {
    const shift = random(C, 44).map((v) => 1000 + 300 * v);
    const noise = random(B * C * H * W, 45);
    const x = noise.map((v, i) => shift[Math.floor(i / (H * W)) % C] + v);
    const w = random(O * C, 42), b = random(O, 43);
    const centred = x.map((v, i) => v - shift[Math.floor(i / (H * W)) % C]);
    const want = ref.linear(ref.meanPoolHW(centred, [B, C, H, W]), [B, C], w, b);
    const got = await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => poolLinear(g, 'head', t, w, b, O, shift));
    assertClose(got, want, 1e-5, 1e-5);
  });
}
