// Whole models whose residual stream carries an offset of 1000 in every channel (golden ":shift"
// cases, scripts/golden: edgevit.shift_stream / deit.shift_stream), so that every LayerNorm input has
// |mean| ≈ 250 .. 1000 × its spread and every BatchNorm on the stream a running mean of ~1000, batch 1
// and 2, fused and unfused, against PyTorch in float64.
// Tolerance: the project's (max|Δ| ≤ 1e-4·max(1, max|y|)), or twice PyTorch's own float32 error
// against float64 where that is larger: the stream's float32 rounding at 1000 (ulp 6e-5) and the
// convs that take the offset out of it again cost any float32 implementation that much (PyTorch in
// float32: 1.4e-4 off for DeiT, 2.4e-4 for EdgeViT, against a tolerance of 3e-4).
// Measured (SwiftShader), max|Δ| against float64, before layer_norm.wgsl → after → now (pointwise's
// LN_IN on shifted sums; BatchNorm means of ~1000 left out of the folds, FusedSchedule.fold):
//   DeiT-T fused 3.9e-1 → 1.9e-4 → 1.4e-4, unfused 5.4e-4 → 1.6e-4;
//   EdgeViT-XXS fused 5.2e-2 → 1.2e-3 → 3.6e-4, unfused 5.3e-4 → 4.0e-4 (PyTorch float32: 2.4e-4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable, type GoldenCase } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';

async function check(name: string, cases: GoldenCase[], schedule: 'fused' | 'unfused'): Promise<void> {
  const model = Model.fromBytes(await runtime(), name, cases[0].pth);
  try {
    for (const c of cases) {
      const { logits } = await model.run(c.input, c.batch, c.height, c.width, schedule);
      const { maxDiff, tolerance: project } = logitsError(logits, c.logits);
      const vs32 = logitsError(logits, c.torch32!).maxDiff;
      const torchOwn = logitsError(c.torch32!, c.logits).maxDiff;
      const tolerance = Math.max(project, 2 * torchOwn);
      if (process.env.WEBVIT_PRINT_ERRORS) console.log(`${c.name} ${schedule}: max|Δ| vs PyTorch f64 ${maxDiff.toExponential(2)}, vs PyTorch f32 ${vs32.toExponential(2)} (tolerance ${tolerance.toExponential(2)})`);
      assert.ok(maxDiff <= tolerance, `${c.name} (${schedule}): max|Δ| = ${maxDiff} > ${tolerance} against PyTorch in float64 (${vs32} against PyTorch in float32, which is ${torchOwn} off float64)`);
    }
  } finally {
    model.destroy();
  }
}

for (const schedule of ['fused', 'unfused'] as const) {
  test(`edgevit_xxs with its residual stream offset by 1000, batch 1 and 2, ${schedule}, matches PyTorch`, { skip }, async () => {
    await check('edgevit_xxs', goldenCases(['edgevit_xxs:224:1:shift', 'edgevit_xxs:224:2:shift']), schedule);
  });
}

for (const schedule of ['fused', 'unfused'] as const) {
  test(`deit_tiny_patch16_224 with its residual stream offset by 1000, batch 1 and 2, ${schedule}, matches PyTorch`, { skip }, async () => {
    await check('deit_tiny_patch16_224', goldenCases(['deit_tiny_patch16_224:224:1:shift', 'deit_tiny_patch16_224:224:2:shift']), schedule);
  });
}
