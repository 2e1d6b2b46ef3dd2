// EdgeViT XXS/XS/S against PyTorch golden logits (our definition with upstream key names, checked
// against upstream's refcase), batch 1 and 2, plus a non-square input (upstream allows any H, W
// that are multiples of 32).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable, type GoldenCase } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';

const hasTorch = torchAvailable();
const skip = !hasTorch && 'python3-torch is not installed (npm test installs it)';

async function check(name: string, cases: GoldenCase[]): Promise<void> {
  const model = Model.fromBytes(await runtime(), name, cases[0].pth);
  try {
    for (const c of cases) {
      const { logits } = await model.run(c.input, c.batch, c.height, c.width);
      const { maxDiff, tolerance } = logitsError(logits, c.logits);
      assert.ok(maxDiff <= tolerance, `${c.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
    }
  } finally {
    model.destroy();
  }
}

for (const name of ['edgevit_xxs', 'edgevit_xs', 'edgevit_s']) {
  test(`${name} at 224, batch 1 and 2, matches PyTorch`, { skip }, async () => {
    await check(name, goldenCases([`${name}:224:1`, `${name}:224:2`]));
  });
}

test('edgevit_xxs on a non-square 224×288 input matches PyTorch', { skip }, async () => {
  await check('edgevit_xxs', goldenCases(['edgevit_xxs:224x288:1']));
});

test('edgevit_xxs refuses an input whose sides are not multiples of 32, saying why', { skip }, async () => {
  const [c] = goldenCases(['edgevit_xxs:224:1']);
  const model = Model.fromBytes(await runtime(), 'edgevit_xxs', c.pth);
  await assert.rejects(model.run(new Float32Array(3 * 240 * 240), 1, 240, 240), /multiples of 32/);
  model.destroy();
});
