// End to end in a browser: a test page (test/pages/run-case.html + dist/webvit.js) in headless Chromium
// runs the models on WebGPU (SwiftShader here), both kernel families, and must match PyTorch's logits.
// The demo page itself, driven as a person would, is test/demo.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable, CHROMIUM, featuresInPage, openDemo, runInPage, type DemoPage, type PageRun } from './helpers/chromium.ts';
import { featureCases, goldenCases, logitsError } from './helpers/golden.ts';
import { assertGolden } from './helpers/browser-cases.ts';
import { MODELS } from '../src/models/registry.ts';
import type { ScheduleName } from '../src/schedule/index.ts';

const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM} (run \`npm run setup\`)`;
let demo: DemoPage | undefined;
const runs = new Map<string, PageRun>();

before(async () => { if (!skip) demo = await openDemo(); });
after(async () => { await demo?.close(); });

// SwiftShader compiles pipelines for each new shape (seconds each), so five cases only: the default
// shape, batch 2 at a resolution whose maps need padding, EdgeViT-XXS, DeiT-Tiny and Swin-T at batch 2.
for (const spec of ['efficientvit_m0:224:1', 'efficientvit_m0:192:2', 'edgevit_xxs:224:1', 'deit_tiny_patch16_224:224:2', 'swin_tiny_patch4_window7_224:224:2']) {
  test(`in Chromium, matches PyTorch: ${spec}`, { skip, timeout: 150_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(demo!, c.model, c.pth, c.input, c.batch, c.height);
    runs.set(spec, r);
    const { maxDiff, tolerance } = assertGolden('Chromium', c, r);
    console.log(`# ${c.name}: max|Δ| ${maxDiff.toExponential(2)} (tol ${tolerance.toExponential(2)}), build ${r.buildMs.toFixed(0)} ms, ` +
      `run ${r.times[0].toFixed(1)} ms, ${r.stats.dispatches} dispatches, ${r.stats.buffers} buffers, adapter ${r.adapter.vendor}/${r.adapter.architecture}`);
  });
}

// The GPU kernel family forced (the CPU family is this adapter's default), every model once, batch 1
// and 2 and both schedules spread over them (test/models-gpu-family.test.ts runs every model in every
// combination in Node, on the same Dawn): EfficientViT-M0 at 192 (split-K at batch 2, cascaded
// attention, dwconv, SE, the head) in both schedules; EdgeViT (ln_qkv, flash attention, local
// propagation, patch embedding); DeiT's and Swin's attentions.
const GPU_CASES: [string, ScheduleName[]][] = [
  ['efficientvit_m0:192:2', ['fused', 'unfused']], ['efficientvit_m1:224:1', ['unfused']], ['efficientvit_m2:224:2', ['fused']],
  ['efficientvit_m3:224:1', ['fused']], ['efficientvit_m4:224:2', ['unfused']], ['efficientvit_m5:224:1', ['fused']],
  ['edgevit_xxs:224:1', ['fused']], ['edgevit_xs:224:2', ['unfused']], ['edgevit_s:224:1', ['fused']],
  ['deit_tiny_patch16_224:224:2', ['unfused']], ['swin_tiny_patch4_window7_224:224:1', ['fused']],
];
for (const [spec, schedules] of GPU_CASES) {
  test(`in Chromium, the GPU kernel family matches PyTorch: ${spec} ${schedules.join(', ')}`, { skip, timeout: 300_000 }, async () => {
    const [c] = goldenCases([spec]);
    for (const schedule of schedules) {
      const r = await runInPage(demo!, c.model, c.pth, c.input, c.batch, c.height, { kernels: 'gpu', schedule });
      assertGolden(`Chromium, GPU family, ${schedule}`, c, r);
      const files = new Set(r.kernels.map((k) => k.split(':')[0]));
      assert.ok(files.has('gpu/pointwise.wgsl') && !files.has('pointwise.wgsl'), `${schedule}: the GPU family ran (${[...files].join(', ')})`);
    }
  });
}

test('in Chromium, the GPU-family cases cover every model, both schedules and batch 1 and 2', () => {
  assert.deepEqual(new Set(GPU_CASES.map(([s]) => s.split(':')[0])), new Set(Object.keys(MODELS)));
  assert.deepEqual(new Set(GPU_CASES.flatMap(([, s]) => s)), new Set(['fused', 'unfused']));
  assert.deepEqual(new Set(GPU_CASES.map(([s]) => s.split(':')[2])), new Set(['1', '2']));
});

test('in Chromium, backbone mode from a detector checkpoint (mmdet layout) matches PyTorch: every stage, the embedding, the GPU buffers', { skip, timeout: 300_000 }, async () => {
  const [c] = featureCases(['efficientvit_m4:320x480:1:det']);
  const r = await featuresInPage(demo!, c.model, c.pth, c.input, [c.batch, 3, c.height, c.width]);
  assert.deepEqual(r.details.setAside, { neck: 2, bbox_head: 2 });
  assert.equal(r.details.classes, 0);
  assert.deepEqual(r.outputs.map((o) => [o.name, o.stride, o.shape]), c.outputs.map((o) => [o.name, o.stride, o.shape]));
  for (const [i, want] of c.outputs.entries()) {
    const { maxDiff, tolerance } = logitsError(Float32Array.from(r.outputs[i].data), want.data);
    assert.ok(maxDiff <= tolerance, `Chromium ${want.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
    assert.ok(r.outputs[i].gpuBytes >= want.data.byteLength, `${want.name}: its GPU buffer`);
  }
});

// Runs after the 224 case, so the page's runtime already holds the pipelines this needs.
test('in Chromium, a bad checkpoint gets a readable error', { skip, timeout: 30_000 }, async () => {
  await assert.rejects(runInPage(demo!, 'efficientvit_m0', new TextEncoder().encode('not a checkpoint'), new Float32Array(3 * 224 * 224), 1, 224), /unrecognised checkpoint/);
});
