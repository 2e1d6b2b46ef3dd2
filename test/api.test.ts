// The library API in Node (src/node.ts): load → classify / run / dispose, labels, progress, one
// weight buffer shared by every input shape, and `webvit convert` round trips (f32 exact to the
// golden tolerance, f16 within 1e-2·max(1, |y|)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load, topClasses, type LoadProgress } from '../src/node.ts';
import { runtime } from './helpers/gpu.ts';
import { goldenCases, logitsError, preprocessCases, torchAvailable, torchvisionAvailable } from './helpers/golden.ts';
import { loadStateDict, checkpointMetadata } from '../src/weights/load.ts';
import { convertCheckpoint } from '../src/weights/convert.ts';
import { writeSafetensors } from '../src/weights/safetensors.ts';
import { modelInfo } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { preprocess } from '../src/preprocess.ts';
import { decodeImageBytes } from '../src/node-image.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';
const IMAGENET_LABELS: string[] = JSON.parse(readFileSync(new URL('../src/labels/imagenet.json', import.meta.url), 'utf8'));

/** Softmax in float64 from its definition (shifted by the max, which does not change it) and the k best classes. */
function handSoftmaxTop(logits: ArrayLike<number>, k: number, labels: readonly string[]) {
  const xs = Array.from(logits), max = Math.max(...xs);
  let sum = 0;
  for (const x of xs) sum += Math.exp(x - max);
  const ranked = xs.map((x, index) => ({ index, x })).sort((a, b) => b.x - a.x || a.index - b.index);
  return ranked.slice(0, k).map(({ index, x }) => ({ index, label: labels[index], probability: Math.exp(x - max) / sum }));
}

test('topClasses against a softmax written out: ties by class index, huge logits without overflow, k past the count', () => {
  const labels = ['a', 'b', 'c', 'd'];
  const logits = Float32Array.from([1000, -5, 1000, 999]);
  const got = topClasses(logits, 3, labels), want = handSoftmaxTop(logits, 3, labels);
  assert.deepEqual(got.map((g) => [g.index, g.label]), [[0, 'a'], [2, 'c'], [3, 'd']]);
  got.forEach((g, i) => assert.ok(Math.abs(g.probability - want[i].probability) < 1e-15, `#${i}: ${g.probability} vs ${want[i].probability}`));
  // e^0 : e^0 : e^-1 (and e^-1005, which is 0 in float64)
  const z = 2 + Math.exp(-1);
  assert.ok(Math.abs(got[0].probability - 1 / z) < 1e-15 && Math.abs(got[2].probability - Math.exp(-1) / z) < 1e-15);
  assert.equal(topClasses(logits, 10, labels).length, 4);
});

test('classify: the top-k of a softmax over the logits, ImageNet labels, from a path, bytes or pixels', { skip: skip || (!torchvisionAvailable() && 'no torchvision photos') }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const photo = path.join(preprocessCases(), 'hopper_509x343.png');
  const model = await load('efficientvit_m0', c.pth, { device: await runtime() });
  try {
    const rgba = decodeImageBytes(readFileSync(photo), photo);
    const { logits } = await model.run(preprocess(rgba, 224));
    // The expected answer without the code classify runs (topClasses): a softmax written out here,
    // the classes ranked by logit, the names read from the label file.
    const want = handSoftmaxTop(logits, 5, IMAGENET_LABELS);
    for (const input of [photo, readFileSync(photo), rgba]) {
      const got = await model.classify(input, { topK: 5 });
      assert.deepEqual(got.map((g) => [g.index, g.label]), want.map((w) => [w.index, w.label]));
      got.forEach((g, i) => assert.ok(Math.abs(g.probability - want[i].probability) < 1e-6, `#${i}: ${g.probability} vs ${want[i].probability}`));
    }
    const all = await model.classify(rgba, { topK: 1000 });
    assert.ok(Math.abs(all.reduce((a, g) => a + g.probability, 0) - 1) < 1e-9, 'probabilities over all classes sum to 1');
    assert.equal(model.labels.length, 1000);
    assert.equal(model.labels[0], 'tench');
    // Several images are one batch, each with its own list.
    const both = await model.classify([photo, rgba], { topK: 2 });
    assert.equal(both.length, 2);
    assert.deepEqual(both[0].map((x) => x.index), want.slice(0, 2).map((x) => x.index));
    await assert.rejects(model.classify(Buffer.from('GIF89a')), /not a PNG or JPEG/);
  } finally {
    model.dispose();
  }
  await assert.rejects(model.classify(photo), /was disposed/);
});

test('a checkpoint with another class count gets the caller\'s labels, or "class N"', async () => {
  const sd = randomStateDict('efficientvit_m0', 224, 3, 10);
  const bytes = writeSafetensors(sd);
  const rt = await runtime();
  const plain = await load('efficientvit_m0', bytes, { device: rt });
  assert.equal(plain.classes, 10);
  assert.deepEqual(plain.labels.slice(0, 2), ['class 0', 'class 1']);
  plain.dispose();
  const labels = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
  const named = await load('efficientvit_m0', bytes, { device: rt, labels });
  const rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).fill(128) };
  const top = await named.classify(rgba, { topK: 3 });
  assert.equal(top.length, 3);
  assert.ok(top.every((t) => labels[t.index] === t.label));
  named.dispose();
  await assert.rejects(load('efficientvit_m0', bytes, { device: rt, labels: ['a', 'b'] }), /2 labels for a checkpoint with 10 classes/);
  await assert.rejects(load('efficientvit_m0', bytes, { device: rt, dtype: 'bf16' as 'f32' }), /dtype "bf16" is not one of 'f32', 'f16', 'auto'/);
});

test('progress: read, parse, fold, upload, compile, in order, each reaching its total', async () => {
  const bytes = writeSafetensors(randomStateDict('efficientvit_m1'));
  const events: LoadProgress[] = [];
  const model = await load('efficientvit_m1', bytes, { device: await runtime(), onProgress: (p) => events.push(p) });
  model.dispose();
  const phases = events.map((e) => e.phase).filter((p, i, a) => i === 0 || p !== a[i - 1]);
  assert.deepEqual(phases, ['read', 'parse', 'fold', 'upload', 'compile']);
  for (const phase of phases) {
    const mine = events.filter((e) => e.phase === phase);
    mine.forEach((e, i) => assert.ok(i === 0 || e.loaded >= mine[i - 1].loaded, `${phase} went backwards`));
    const last = mine[mine.length - 1];
    assert.ok(last.total > 0 && last.loaded === last.total, `${phase} ends at ${last.loaded}/${last.total}`);
  }
  assert.equal(events.find((e) => e.phase === 'read')!.total, bytes.length);
});

test('every input shape shares one upload of the weights', async () => {
  const model = await load('efficientvit_m0', writeSafetensors(randomStateDict('efficientvit_m0')), { device: await runtime() });
  try {
    const one = model.details().memory;
    const p2 = await model.model.plan(2, 224, 224);
    const p3 = await model.model.plan(1, 256, 256);
    const three = model.details().memory;
    assert.equal(three.weights, one.weights, 'the weights are not uploaded again');
    assert.ok(!p2.ownsWeights && !p3.ownsWeights);
    assert.equal(p2.stats.weightBytes, one.weights);
    assert.equal(three.plans, one.plans + p2.stats.planBytes + p3.stats.planBytes);
    assert.equal(three.peak, three.total);
    // The batch-2 plan gives the batch-1 result twice (same weights, same kernels).
    const x = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
    const a = (await model.run(x)).logits, b = (await model.run(Float32Array.from([...x, ...x]), [2, 3, 224, 224])).logits;
    assert.deepEqual(Array.from(b.subarray(0, 1000)), Array.from(a));
  } finally {
    model.dispose();
  }
});

for (const name of ['efficientvit_m0', 'edgevit_xxs']) {
  test(`${name}: webvit convert (BatchNorms folded) gives the original's logits, f32 to 1e-4·max(1,|y|), f16 to 1e-2`, { skip }, async () => {
    const [c] = goldenCases([`${name}:224:1`]);
    const sd = loadStateDict(c.pth);
    const rt = await runtime();
    for (const dtype of ['f32', 'f16'] as const) {
      const bytes = convertCheckpoint(modelInfo(name), sd, { dtype, resolution: 224, source: 'm.pth' });
      const meta = checkpointMetadata(loadStateDict(bytes));
      assert.equal(meta['webvit.model'], name);
      assert.equal(meta['webvit.folded'], 'batchnorm');
      assert.ok(![...loadStateDict(bytes).keys()].some((k) => /\.bn\.|\.norm1\.running|num_batches/.test(k)), 'no BatchNorm is left');
      const model = await load(name, bytes, { device: rt });
      try {
        const { logits } = await model.run(c.input);
        const { maxDiff, tolerance } = logitsError(logits, c.logits);
        const tol = dtype === 'f32' ? tolerance : 100 * tolerance;
        assert.ok(maxDiff <= tol, `${dtype}: max|Δ| ${maxDiff} > ${tol}`);
      } finally {
        model.dispose();
      }
      if (dtype === 'f16') assert.ok(bytes.length < 0.55 * c.pth.length, `f16: ${bytes.length} bytes vs ${c.pth.length}`);
      const other = name === 'edgevit_xxs' ? 'edgevit_xs' : 'efficientvit_m1';
      await assert.rejects(load(other, bytes, { device: rt }), new RegExp(`converted from ${name}, not ${other}`));
    }
  });
}
