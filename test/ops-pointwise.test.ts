// pointwise.wgsl (1×1 conv + epilogues) against the CPU reference, on shapes that are not multiples
// of 4 or of the 16×16 tile; small layers run in workgroups of 4, bigger ones of 16.
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { conv2d, relu, add } from '../src/reference/ops.ts';

const shapes: [number, number, number, number, number][] = [
  // B, K, M, H, W
  [1, 5, 7, 3, 3],
  [2, 19, 33, 7, 7],
  [1, 64, 128, 14, 14],
  [3, 3, 17, 5, 2],
  [1, 130, 20, 1, 1],
  [2, 24, 100, 20, 21], // enough tiles for the 16-wide workgroups, the last one partly idle
];

for (const [B, K, M, H, W] of shapes) {
  test(`pointwise B${B} K${K} M${M} ${H}x${W}: plain, relu in/out, residual, scale`, async () => {
    const x = random(B * K * H * W, K + M), w = random(M * K, 7), b = random(M, 8);
    const res = random(B * M * H * W, 9), sc = random(B * K, 10).map((v) => v + 1.5);
    const want = (xin: Float32Array) => conv2d(xin, [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y;

    assertClose(await runGraph([{ shape: [B, K, H, W], data: x }], (g, [t]) => pointwise(g, 'pw', t, w, b, M)), want(x), 1e-5, 1e-5, 'plain');

    const gotRelu = await runGraph([{ shape: [B, K, H, W], data: x }, { shape: [B, M, H, W], data: res }],
      (g, [t, r]) => pointwise(g, 'pw', t, w, b, M, { reluIn: true, reluOut: true, residual: r }));
    assertClose(gotRelu, add(relu(want(relu(x))), res), 1e-5, 1e-5, 'relu+residual');

    const scaled = x.map((v, i) => v * sc[Math.floor(i / (H * W))]);
    const gotScale = await runGraph([{ shape: [B, K, H, W], data: x }, { shape: [B, K], data: sc }],
      (g, [t, s]) => pointwise(g, 'pw', t, w, b, M, { scale: s }));
    assertClose(gotScale, want(scaled), 1e-5, 1e-5, 'scale');
  });

  // A BatchNorm's running mean of ~1000 left to the kernel (FusedSchedule.fold): every channel sits near
  // its shift (x − shift is exact there), the reference convolves x − shift. Folded into the bias
  // instead (Σ w·x − Σ w·shift), the sums of ~1000·K would cost ~1e-3.
  test(`pointwise B${B} K${K} M${M} ${H}x${W}: input shifted by ~1000 per channel, with relu in`, async () => {
    const shift = random(K, K + 3).map((v) => 1000 + 300 * v);
    const x = random(B * K * H * W, K + M).map((v, i) => shift[Math.floor(i / (H * W)) % K] + v);
    const w = random(M * K, 7), b = random(M, 8);
    const centred = x.map((v, i) => v - shift[Math.floor(i / (H * W)) % K]);
    const got = await runGraph([{ shape: [B, K, H, W], data: x }], (g, [t]) => pointwise(g, 'pw', t, w, b, M, { shift, reluIn: true }));
    assertClose(got, conv2d(centred, [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y, 1e-5, 1e-5, 'shift');
  });
}
