// DeiT-Tiny against PyTorch golden logits (scripts/golden/deit.py: timm's key names and eager ops,
// checked against torchvision's VisionTransformer in test/deit-torchvision.test.ts), fused and
// unfused, batch 1 and 2; a 384 checkpoint (position embedding for 24×24) runs at 384.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable, type GoldenCase } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { loadStateDict } from '../src/weights/load.ts';
import { defaultResolution } from '../src/models/resolution.ts';
import { modelInfo } from '../src/models/registry.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';
const NAME = 'deit_tiny_patch16_224';

async function check(cases: GoldenCase[], schedule: 'fused' | 'unfused'): Promise<void> {
  const model = Model.fromBytes(await runtime(), NAME, cases[0].pth);
  try {
    for (const c of cases) {
      const { logits } = await model.run(c.input, c.batch, c.height, c.width, schedule);
      const { maxDiff, tolerance } = logitsError(logits, c.logits);
      assert.ok(maxDiff <= tolerance, `${c.name} (${schedule}): max|Δ| = ${maxDiff} > ${tolerance}`);
    }
  } finally {
    model.destroy();
  }
}

for (const schedule of ['fused', 'unfused'] as const) {
  test(`${NAME} at 224, batch 1 and 2, ${schedule}, matches PyTorch`, { skip }, async () => {
    await check(goldenCases([`${NAME}:224:1`, `${NAME}:224:2`]), schedule);
  });
}

test(`${NAME} with a 384 position embedding runs at 384 and matches PyTorch; other sizes are refused, saying which fits`, { skip }, async () => {
  const cases = goldenCases([`${NAME}:384:1`]);
  assert.equal(defaultResolution(modelInfo(NAME), loadStateDict(cases[0].pth)), 384);
  await check(cases, 'fused');
  const model = Model.fromBytes(await runtime(), NAME, cases[0].pth);
  await assert.rejects(model.run(new Float32Array(3 * 224 * 224), 1, 224, 224), /made for a 384×384 input.*run at 384×384/);
  model.destroy();
});
