// Firefox as the second WebGPU engine: headless firefox-esr (wgpu, shaders compiled by naga; Mesa's
// lavapipe on a machine without a GPU) runs the same test page as test/browser.test.ts does in
// Chromium (test/pages/run-case.html + dist/webvit.js) and must give PyTorch's logits: every model
// once at batch 2 in the fused schedule, one model of each family unfused, and half-precision
// weights for three models (EfficientViT M0 and M4, DeiT-T), where an adapter with shader-f16
// (lavapipe has it) must take the native vec4<f16> path; and half activations (one model per
// family fused, M0 fused-ffn, DeiT-T unfused, M4 with half weights too), the only engine here that
// runs them. The demo page and the profiler in Firefox:
// test/firefox-demo.test.ts; every kernel compiled by naga: test/firefox-kernels.test.ts.
// Run the Firefox tests alone:
//   node --import tsx --test --test-concurrency=1 test/firefox*.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runInPage, type PageRun } from './helpers/chromium.ts';
import { firefoxSkip, openFirefoxPage, type FirefoxPage } from './helpers/firefox.ts';
import { goldenCases, torchAvailable } from './helpers/golden.ts';
import { assertGolden } from './helpers/browser-cases.ts';
import { slowCompiler } from '../src/tuning.ts';
import type { Gpu } from '../src/gpu/device.ts';

const skip = firefoxSkip || (!torchAvailable() && 'python3-torch is not installed (npm test installs it)');
let ff: FirefoxPage | undefined;
const fused = new Map<string, PageRun>();

before(async () => { if (!skip) ff = await openFirefoxPage('test/pages/run-case.html'); });
after(async () => { await ff?.close(); });

// EfficientViT M1-M5 at 192 (windows padded, and fewer pixels for lavapipe); the rest at 224.
const FUSED = ['efficientvit_m0:224:2', 'efficientvit_m1:192:2', 'efficientvit_m2:192:2', 'efficientvit_m3:192:2', 'efficientvit_m4:192:2', 'efficientvit_m5:192:2',
  'edgevit_xxs:224:2', 'edgevit_xs:224:2', 'edgevit_s:224:2', 'deit_tiny_patch16_224:224:2', 'swin_tiny_patch4_window7_224:224:2'];
const UNFUSED = ['efficientvit_m0:224:2', 'edgevit_xxs:224:2', 'deit_tiny_patch16_224:224:2', 'swin_tiny_patch4_window7_224:224:2'];
// EdgeViT's half forms compile in firefox-kernels.test.ts; run here they cost lavapipe ~2 minutes of compiling.
const HALF = ['efficientvit_m0:224:2', 'efficientvit_m4:192:2', 'deit_tiny_patch16_224:224:2'];
// Half activations: logits within this many golden tolerances (1e-4·max(1, max|y|)) of PyTorch's:
// 1e-2·max(1, max|y|), the bound half weights have (measured 3e-4 to 1.5e-3·max|y| on 2026-12-07).
const ACT16_SCALE = 100;

const log = (spec: string, what: string, r: PageRun, e: { maxDiff: number; tolerance: number }) =>
  console.log(`# Firefox ${spec} ${what}: max|Δ| ${e.maxDiff.toExponential(2)} (tol ${e.tolerance.toExponential(2)}), build ${r.buildMs.toFixed(0)} ms, first run ${r.times[0].toFixed(0)} ms, ` +
    `${r.stats.dispatches} dispatches, weights ${r.weights}, features ${r.features.join(' ')}`);

/** The fused f32 run of `spec`: the fused test's, or run here when a name filter left that test out. */
const fusedRun = async (spec: string): Promise<PageRun> => {
  const cached = fused.get(spec);
  if (cached) return cached;
  const [c] = goldenCases([spec]);
  const r = await runInPage(ff!, c.model, c.pth, c.input, c.batch, c.height);
  fused.set(spec, r);
  return r;
};

for (const spec of FUSED) {
  test(`in Firefox, fused, matches PyTorch: ${spec}`, { skip, timeout: 600_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(ff!, c.model, c.pth, c.input, c.batch, c.height);
    fused.set(spec, r);
    assert.equal(r.weights, 'f32');
    log(spec, 'fused', r, assertGolden('Firefox', c, r));
  });
}

test("in Firefox, the tuning says where its CPU adapter takes another path: the stems' 3×3 stride-2 convs use conv2d.wgsl's generic kernel", { skip }, () => {
  const r = fused.get('efficientvit_m0:224:2');
  assert.ok(r, 'the fused EfficientViT-M0 case ran');
  // Firefox names no adapter; its CPU adapter (lavapipe) takes minutes to compile the s2k3 kernel.
  const generic = slowCompiler({ adapterInfo: r.adapter, isFallback: r.fallback } as Gpu);
  assert.equal((r.tuning.conv2d as { s2k3: boolean }).s2k3, !generic);
  const stem = r.kernels.filter((k) => k.startsWith('conv2d.wgsl:'));
  assert.ok(stem.length > 0 && stem.every((k) => k.startsWith(generic ? 'conv2d.wgsl:main' : 'conv2d.wgsl:s2k3')), stem.join(', '));
});

for (const spec of UNFUSED) {
  test(`in Firefox, unfused, matches PyTorch: ${spec}`, { skip, timeout: 600_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(ff!, c.model, c.pth, c.input, c.batch, c.height, { schedule: 'unfused' });
    log(spec, 'unfused', r, assertGolden('Firefox', c, r));
    assert.ok(r.stats.dispatches > (await fusedRun(spec)).stats.dispatches, 'the unfused schedule dispatches more kernels');
  });
}

for (const spec of HALF) {
  test(`in Firefox, half weights (load with dtype 'f16'), within 1e-2 of PyTorch, native f16 where the adapter has shader-f16: ${spec}`, { skip, timeout: 600_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(ff!, c.model, c.pth, c.input, c.batch, c.height, { dtype: 'f16' });
    // details().weights: vec4<f16> reads (enable f16; in naga) where the device has shader-f16, else halves unpacked from u32s.
    assert.equal(r.weights, r.features.includes('shader-f16') ? 'f16' : 'f16-packed');
    log(spec, 'f16', r, assertGolden('Firefox', c, r, 100));
    const full = await fusedRun(spec);
    assert.equal(full.weights, 'f32');
    assert.equal(full.logits.length, r.logits.length);
    assert.ok(full.logits.some((v, i) => v !== r.logits[i]), 'f16 logits are bit-identical to f32 ones: the halves were not used');
  });
}

// Half activations (`activations: 'f16'`, the GPU family, every kernel in its act_f16.wgsl form):
// one model per family fused, and one unfused (its primitives: matmul, softmax, LayerNorm,
// elementwise, copies, and the weights they read cast to half).
// With half weights as well (load's dtype 'f16') for one model; M0 also with each FFN one kernel
// (fused-ffn: gpu/ffn.wgsl).
const ACT16: [string, 'fused' | 'unfused' | 'fused-ffn', 'f16' | undefined][] = [
  ['efficientvit_m0:224:2', 'fused', undefined], ['efficientvit_m0:224:2', 'fused-ffn', undefined], ['edgevit_xxs:224:2', 'fused', undefined], ['deit_tiny_patch16_224:224:2', 'fused', undefined],
  ['swin_tiny_patch4_window7_224:224:2', 'fused', undefined], ['deit_tiny_patch16_224:224:2', 'unfused', undefined], ['efficientvit_m4:192:2', 'fused', 'f16'],
];
for (const [spec, schedule, dtype] of ACT16) {
  test(`in Firefox, half activations (activations 'f16', GPU family${dtype ? ', half weights' : ''}), ${schedule}, within ${ACT16_SCALE}× the golden tolerance of PyTorch: ${spec}`, { skip, timeout: 600_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(ff!, c.model, c.pth, c.input, c.batch, c.height, { kernels: 'gpu', activations: 'f16', schedule, dtype });
    assert.equal(r.weights, dtype ?? 'f32');
    assert.ok(r.features.includes('shader-f16'), 'the adapter has shader-f16');
    const plain = r.kernels.filter((k) => !k.includes('[f16 activations]'));
    assert.deepEqual(plain, [], 'every kernel in its half-activation form');
    if (schedule === 'fused-ffn') assert.ok(r.kernels.some((k) => k.startsWith('gpu/ffn.wgsl:')), 'the one-kernel FFN ran');
    log(spec, `f16 activations${dtype ? ' and weights' : ''} ${schedule}`, r, assertGolden('Firefox', c, r, ACT16_SCALE));
  });
}
