// The GPU family's depthwise conv (shaders/gpu/dwconv.wgsl: a workgroup per 2-D tile of one output
// plane, its input halo staged in workgroup memory) against the CPU reference, forced on this adapter
// with `kernels: 'gpu'`: 3×3 at strides 1 and 2, 5×5, 7×7 larger than the map, an even kernel at
// stride 3, no padding; maps narrower than a quad, a tile or several tiles (tails in both directions),
// batch > 1, ReLU, the residual, a channel slice of a bigger map, and the fallback for a kernel whose
// input does not fit the staging array.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { dwconv, dwTileGpu, type DwSpec } from '../src/ops/dwconv.ts';
import * as ref from '../src/reference/ops.ts';
import { CPU_TUNING, type Tuning } from '../src/tuning.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';

const GPU: Tuning = { ...CPU_TUNING, kernels: 'gpu' };

/** dwconv() in the GPU family, checking which kernel it chose. */
function gpuDw(g: GraphBuilder, x: Tensor, w: Float32Array, b: Float32Array, spec: DwSpec, file = 'gpu/dwconv.wgsl'): Tensor {
  const y = dwconv(g, 'dw', x, w, b, spec);
  assert.equal(g.nodes[g.nodes.length - 1].kernel.file, file);
  return y;
}

// B, C, H, W, k, stride, pad
const shapes: [number, number, number, number, number, number, number][] = [
  [1, 7, 9, 11, 3, 1, 1],     // one tile 16 wide (tail of 5), 9 rows
  [2, 13, 14, 14, 3, 2, 1],   // stride 2 → 7×7: tiles 8 wide, two images
  [1, 5, 7, 6, 5, 1, 2],      // 5×5 (EdgeViT's LocalAgg)
  [1, 4, 3, 3, 7, 1, 3],      // 7×7 on a 3×3 map: every tap of a row may be padding
  [2, 3, 37, 45, 3, 1, 1],    // several tiles across and down, tails in both
  [1, 2, 20, 3, 3, 1, 0],     // no padding: a one-column output (tiles one quad wide)
  [1, 3, 12, 17, 4, 3, 1],    // even kernel, stride 3: 4×6 outputs
  [3, 6, 1, 1, 3, 2, 1],      // a 1×1 map at stride 2 keeps its size (the residual applies)
];

for (const [B, C, H, W, k, s, pad] of shapes) {
  test(`gpu dwconv B${B} C${C} ${H}×${W} k${k} s${s} p${pad}: plain, ReLU, residual`, async () => {
    const x = random(B * C * H * W, 21 + C), w = random(C * k * k, 22), b = random(C, 23);
    const conv = ref.conv2d(x, [B, C, H, W], w, b, { cout: C, kh: k, kw: k, stride: s, pad, groups: C });
    const one = [{ shape: [B, C, H, W], data: x }];
    const spec = { k, stride: s, pad };
    assertClose(await runGraph(one, (g, [t]) => gpuDw(g, t, w, b, spec), { tuning: GPU }), conv.y, 1e-5, 1e-5, 'plain');
    assertClose(await runGraph(one, (g, [t]) => gpuDw(g, t, w, b, { ...spec, relu: true }), { tuning: GPU }), ref.relu(conv.y), 1e-5, 1e-5, 'relu');
    const [, , Ho, Wo] = conv.shape;
    if (Ho === H && Wo === W) {
      assertClose(await runGraph(one, (g, [t]) => gpuDw(g, t, w, b, { ...spec, residual: true }), { tuning: GPU }), ref.add(conv.y, x), 1e-5, 1e-5, 'residual');
    }
  });
}

test('gpu dwconv reads a channel slice of a bigger map (EfficientViT\'s q of a qkv map, unfused)', async () => {
  const [B, Cx, H, W, c0, C] = [2, 10, 8, 9, 3, 4];
  const x = random(B * Cx * H * W, 31);
  const slice = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++) slice.set(x.subarray((b * Cx + c0) * H * W, (b * Cx + c0 + C) * H * W), b * C * H * W);
  for (const k of [3, 7]) {
    const w = random(C * k * k, 32), b = random(C, 33);
    const want = ref.conv2d(slice, [B, C, H, W], w, b, { cout: C, kh: k, kw: k, pad: Math.floor(k / 2), groups: C }).y;
    const got = await runGraph([{ shape: [B, Cx, H, W], data: x }], (g, [t]) => gpuDw(g, t, w, b, { k, channels: [c0, C] }), { tuning: GPU });
    assertClose(got, want, 1e-5, 1e-5, `k${k}`);
  }
});

test('gpu dwconv: a kernel whose input does not fit the staging array runs the CPU family\'s kernel', async () => {
  const [B, C, H, W, k] = [1, 2, 5, 5, 45];
  assert.equal(dwTileGpu(H, W, k, 1, B * C), null);
  const x = random(B * C * H * W, 41), w = random(C * k * k, 42), b = random(C, 43);
  const want = ref.conv2d(x, [B, C, H, W], w, b, { cout: C, kh: k, kw: k, pad: 22, groups: C }).y;
  assertClose(await runGraph([{ shape: [B, C, H, W], data: x }], (g, [t]) => gpuDw(g, t, w, b, { k }, 'dwconv.wgsl'), { tuning: GPU }), want, 1e-5, 1e-5);
});

test('gpu dwconv tiles: the models\' maps (EdgeViT-XXS 56² … 7², EfficientViT-M0 14²) fill workgroups, staged input within HALO', () => {
  // [Ho, Wo, k, stride, planes] → [TQ, TH]
  const cases: [number, number, number, number, number, number, number][] = [
    [56, 56, 3, 1, 36, 4, 16], [28, 28, 5, 1, 72, 4, 16], [7, 7, 3, 1, 288, 2, 7],
    [14, 14, 3, 1, 64, 4, 7], [7, 7, 3, 2, 256, 2, 7], [1, 1, 3, 1, 8, 1, 1],
  ];
  for (const [Ho, Wo, k, s, planes, tq, th] of cases) {
    const t = dwTileGpu(Ho, Wo, k, s, planes)!;
    assert.deepEqual([t.tq, t.th], [tq, th], `${Ho}×${Wo} k${k} s${s} × ${planes}`);
    assert.ok(t.iw * t.ih <= 2048 && t.tq * t.th <= 256);
  }
});
