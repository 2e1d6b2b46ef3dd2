// Backbone mode against PyTorch (scripts/golden/features/make_features.py): every family's stage
// outputs and embedding, at non-square sizes where the family runs at any size (EfficientViT with its
// classification checkpoint and with a detector's as mmdet saves it, EdgeViT), batch 1 and 2, in both
// schedules; and what a request computes (nothing after its last output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureCases, logitsError, torchAvailable, type FeatureCase } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { load } from '../src/node.ts';
import { MODELS } from '../src/models/registry.ts';
import { readFileSync } from 'node:fs';
import type { ScheduleName } from '../src/schedule/index.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';

async function check(c: FeatureCase, schedules: ScheduleName[]): Promise<void> {
  const model = Model.fromBytes(await runtime(), c.model, c.pth);
  try {
    const stages = c.outputs.filter((o) => o.name !== 'embedding').map((o) => o.name);
    for (const schedule of schedules) {
      const got = await model.features(c.input, c.batch, c.height, c.width, { stages, embedding: true }, schedule);
      assert.deepEqual(got.map((o) => [o.name, o.stride, o.shape]), c.outputs.map((o) => [o.name, o.stride, o.shape]), `${c.name} ${schedule}: outputs`);
      for (const [i, want] of c.outputs.entries()) {
        const { maxDiff, tolerance } = logitsError(got[i].data, want.data);
        assert.ok(maxDiff <= tolerance, `${c.name} ${schedule} ${want.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
      }
    }
  } finally {
    model.destroy();
  }
}

test('EfficientViT-M0 (classification checkpoint) at 320×480 (maps larger than their windows, not multiples) and 512×640, batch 2 and 1, both schedules', { skip }, async () => {
  const [a, b] = featureCases(['efficientvit_m0:320x480:2', 'efficientvit_m0:512x640:1']);
  await check(a, ['fused', 'unfused']);
  await check(b, ['fused']);
});

test('EfficientViT-M4 from a detector checkpoint as mmdet saves it (backbone. keys, 7×7 windows in every stage) at 320×480 and 512×640', { skip }, async () => {
  const [a, b] = featureCases(['efficientvit_m4:320x480:1:det', 'efficientvit_m4:512x640:2:det']);
  await check(a, ['fused', 'unfused']);
  await check(b, ['fused']);
});

test('EdgeViT-XXS stages and embedding at 224×288 and 256×352, batch 2 and 1, both schedules', { skip }, async () => {
  const [a, b] = featureCases(['edgevit_xxs:224x288:2', 'edgevit_xxs:256x352:1']);
  await check(a, ['fused', 'unfused']);
  await check(b, ['fused']);
});

test('DeiT-T tokens after the last block (patch map and class token) and embedding, batch 2, both schedules', { skip }, async () => {
  await check(featureCases(['deit_tiny_patch16_224:224x224:2'])[0], ['fused', 'unfused']);
});

test('Swin-T four stages (before each patch merging) and embedding, both schedules', { skip }, async () => {
  await check(featureCases(['swin_tiny_patch4_window7_224:224x224:1'])[0], ['fused', 'unfused']);
});

test('a request computes nothing after its last output: blocks1 alone is the first stage of the full graph, in less memory', { skip }, async () => {
  const [c] = featureCases(['edgevit_xxs:224x288:2']);
  const model = Model.fromBytes(await runtime(), c.model, c.pth);
  try {
    const { batch: B, height: H, width: W } = c;
    const all = await model.plan(B, H, W, 'fused', undefined, { stages: ['blocks1', 'blocks2', 'blocks3', 'blocks4'], embedding: true });
    const one = await model.plan(B, H, W, 'fused', undefined, { stages: ['blocks1'], embedding: false });
    const modules = one.steps.map((s) => s.node.module);
    assert.ok(modules.every((m) => /^(patch_embed1|blocks1)\b/.test(m)), `nodes past blocks1: ${modules.filter((m) => !/^(patch_embed1|blocks1)\b/.test(m)).join(', ')}`);
    assert.ok(one.steps.length < all.steps.length / 3, `${one.steps.length} dispatches for blocks1 of ${all.steps.length}`);
    assert.ok(one.stats.activationBytes <= all.stats.activationBytes && one.stats.planBytes < all.stats.planBytes,
      `blocks1 alone: ${one.stats.activationBytes} activation / ${one.stats.planBytes} plan bytes; all: ${all.stats.activationBytes} / ${all.stats.planBytes}`);
    // The same numbers as the full graph's blocks1, and the outputs come in the model's order whatever the request's.
    const [first] = await model.features(c.input, B, H, W, { stages: ['blocks1'], embedding: false });
    const full = await model.features(c.input, B, H, W, { stages: ['blocks3', 'blocks1'], embedding: false });
    assert.deepEqual(full.map((o) => o.name), ['blocks1', 'blocks3']);
    assert.deepEqual(first.data, full[0].data);
    const want = c.outputs.find((o) => o.name === 'blocks1')!;
    const { maxDiff, tolerance } = logitsError(first.data, want.data);
    assert.ok(maxDiff <= tolerance, `blocks1 alone: max|Δ| = ${maxDiff} > ${tolerance}`);
  } finally {
    model.destroy();
  }
});

test('a request for a stage the model does not have, or for nothing, says what there is', { skip }, async () => {
  const [c] = featureCases(['edgevit_xxs:224x288:2']);
  const model = Model.fromBytes(await runtime(), c.model, c.pth);
  try {
    const x = new Float32Array(3 * 64 * 64);
    await assert.rejects(model.features(x, 1, 64, 64, { stages: ['layers.0'], embedding: false }), /edgevit_xxs has no stage "layers.0"; its stages are blocks1, blocks2, blocks3, blocks4/);
    await assert.rejects(model.features(x, 1, 64, 64, { stages: [], embedding: false }), /ask edgevit_xxs for at least one stage \(blocks1, blocks2, blocks3, blocks4\) or the embedding/);
    await assert.rejects(model.features(new Float32Array(3 * 64 * 48), 1, 64, 48, { stages: ['blocks1'], embedding: false }), /multiples of 32/);
  } finally {
    model.destroy();
  }
});

test('load(): a detector checkpoint gives features and embeddings, lists what it set aside, and refuses to classify', { skip }, async () => {
  const [c] = featureCases(['efficientvit_m4:320x480:1:det']);
  const m = await load('efficientvit_m4', c.pth, { device: await runtime() });
  try {
    const d = m.details();
    assert.deepEqual(d.setAside, { neck: 2, bbox_head: 2 });
    assert.deepEqual(d.stages, [{ name: 'blocks1', stride: 16, channels: 128 }, { name: 'blocks2', stride: 32, channels: 256 }, { name: 'blocks3', stride: 64, channels: 384 }]);
    assert.equal(m.classes, 0);
    await assert.rejects(m.classify({ width: 2, height: 2, data: new Uint8Array(16) }), /has no classifier head \(a detector's backbone\): use features\(\) or embed\(\)/);
    // A tensor input: every stage by default, the embedding on request, and the GPU buffers on request.
    const tensor = { data: c.input, shape: [c.batch, 3, c.height, c.width] as const };
    const got = await m.features(tensor, { embedding: true, gpu: true });
    assert.deepEqual(got.map((o) => o.name), c.outputs.map((o) => o.name));
    for (const [i, want] of c.outputs.entries()) {
      const { maxDiff, tolerance } = logitsError(got[i].data, want.data);
      assert.ok(maxDiff <= tolerance, `${want.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
      assert.ok(got[i].gpu && got[i].gpu!.buffer.size >= got[i].data.byteLength, `${want.name}: its GPU buffer`);
    }
    const [e] = await m.embed(tensor);
    assert.deepEqual(e, got[got.length - 1].data);
    await assert.rejects(m.features(tensor, { stages: ['head'] }), /efficientvit_m4 has no stage "head"; its stages are blocks1, blocks2, blocks3/);
  } finally {
    m.dispose();
  }
});

test('load(): images as dense inputs ([H, W], or mmdet\'s keep-ratio resize with padding), their placement, and embed() of several', { skip }, async () => {
  const [c] = featureCases(['efficientvit_m0:320x480:2']);
  const m = await load('efficientvit_m0', c.pth, { device: await runtime() });
  try {
    const img = (w: number, h: number, v: number) => ({ width: w, height: h, data: new Uint8Array(w * h * 4).map((_, i) => (i * 7 + v) % 251) });
    const [a, b] = [img(300, 200, 1), img(200, 300, 2)];
    // 300×200 → 800 / 200 = 4, 1333 / 300 = 4.44: 1200×800 (pads to 1216×800); 200×300 → 800×1200 (pads to 800×1216); the batch is 1216×1216.
    const dense = await m.denseInput([a, b], { resize: 'shorter', to: 800, maxLonger: 1333, pad: 32 });
    assert.deepEqual(dense.shape, [2, 3, 1216, 1216]);
    assert.deepEqual(dense.placements.map((p) => [p.resized, p.scale, p.pad]), [[[1200, 800], [4, 4], [16, 416]], [[800, 1200], [4, 4], [416, 16]]]);
    assert.equal(dense.data[(0 * 3 + 1) * 1216 * 1216 + 900 * 1216 + 10], 0, 'the padding is zero');
    // [96, 320]: wider than 256 px, so every map is wider than its window (7, 7, 4): blocks1 is 6×20.
    const maps = await m.features([a, b], { size: [96, 320], stages: ['blocks1'] });
    assert.deepEqual(maps.map((o) => [o.name, o.stride, o.shape]), [['blocks1', 16, [2, 64, 6, 20]]]);
    // embed() of two images is the embedding of each alone.
    const both = await m.embed([a, b]);
    const one = await m.embed(b);
    assert.equal(both.length, 2);
    const { maxDiff, tolerance } = logitsError(both[1], one);
    assert.ok(maxDiff <= tolerance, `the second image's embedding in a batch of two: max|Δ| = ${maxDiff} > ${tolerance}`);
  } finally {
    m.dispose();
  }
});

test("the README's stage table is every model's stages (name, stride, channels) and embedding width", () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const info of Object.values(MODELS)) {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`${info.name}\` |`));
    assert.ok(row, `a row for ${info.name}`);
    const stages = info.stages.map((s) => `\`${s.name}\` (${s.stride || '—'}, ${s.channels})`).join(' · ');
    const last = info.stages.filter((s) => s.stride > 0).at(-1)!;
    // The embedding's width is the last map's channels (DeiT's: its class token's, the same width).
    assert.equal(row, `| \`${info.name}\` | ${stages} | ${last.channels} |`);
  }
});
