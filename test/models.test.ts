// Every EfficientViT variant against PyTorch golden logits (our definition with upstream key names,
// checked against upstream's own refcase), at 224 and at resolutions whose windows need padding
// (192: 12×12 → 14×14 in stage 1; 256: 16×16 → 21×21 and 8×8 → 14×14), batch 1 and 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';

const MODELS = ['efficientvit_m0', 'efficientvit_m1', 'efficientvit_m2', 'efficientvit_m3', 'efficientvit_m4', 'efficientvit_m5'];
const RESOLUTIONS = [224, 192, 256];
const hasTorch = torchAvailable();

for (const name of MODELS) {
  for (const res of RESOLUTIONS) {
    test(`${name} at ${res}, batch 1 and 2, matches PyTorch`, { skip: !hasTorch && 'python3-torch is not installed (npm test installs it)' }, async () => {
      const [b1, b2] = goldenCases([`${name}:${res}:1`, `${name}:${res}:2`]);
      const model = Model.fromBytes(await runtime(), name, b1.pth);
      try {
        for (const c of [b1, b2]) {
          const { logits } = await model.run(c.input, c.batch, res, res);
          const { maxDiff, tolerance } = logitsError(logits, c.logits);
          assert.ok(maxDiff <= tolerance, `${c.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
        }
      } finally {
        model.destroy();
      }
    });
  }
}
