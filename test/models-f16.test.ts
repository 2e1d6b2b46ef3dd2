// Models with half-precision matrix weights (load(…, { dtype: 'f16' })) against PyTorch's float32
// logits: within 1e-2·max(1, max|y|), with the weights taking about half the GPU memory. On this
// adapter (no shader-f16) the kernels read the halves packed in u32s; test/f16-validation.test.ts
// compiles the shader-f16 form of the same graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { loadStateDict } from '../src/weights/load.ts';
import { modelInfo } from '../src/models/registry.ts';

const hasTorch = torchAvailable();
// Between them these run every kernel that reads matrix weights except the one-kernel FFN (fused-ffn),
// which test/ops-f16-weights.test.ts covers.
const MODELS = ['efficientvit_m0', 'edgevit_xxs', 'deit_tiny_patch16_224'];

for (const name of MODELS) {
  test(`${name} with f16 weights, batch 2, matches PyTorch within 1e-2 and halves the weights`, { skip: !hasTorch && 'python3-torch is not installed (npm test installs it)' }, async () => {
    const [c] = goldenCases([`${name}:224:2`]);
    const rt = await runtime();
    const sd = loadStateDict(c.pth);
    const half = new Model(rt, modelInfo(name), sd, { dtype: 'f16' });
    const full = new Model(rt, modelInfo(name), sd);
    try {
      assert.equal(half.weightFormat, rt.gpu.hasF16 ? 'f16' : 'f16-packed');
      const { logits } = await half.run(c.input, c.batch, 224, 224);
      let maxDiff = 0, maxAbs = 0;
      for (let i = 0; i < c.logits.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(logits[i] - c.logits[i])); maxAbs = Math.max(maxAbs, Math.abs(c.logits[i])); }
      const tolerance = 1e-2 * Math.max(1, maxAbs);
      assert.ok(maxDiff <= tolerance, `max|Δ| = ${maxDiff} > ${tolerance}`);
      // Not equal to float32's either: the halves were really used.
      const exact = await full.run(c.input, c.batch, 224, 224);
      assert.ok(exact.logits.some((v, i) => v !== logits[i]), 'f16 logits are bit-identical to f32 ones');
      const ratio = half.memory().weights / full.memory().weights;
      assert.ok(ratio > 0.5 && ratio < 0.6, `f16 weights take ${ratio.toFixed(3)} of f32's GPU memory`);
      console.log(`${name}: f16 max|Δ| ${maxDiff.toExponential(2)} (tolerance ${tolerance.toExponential(2)}), weights ${half.memory().weights} B vs ${full.memory().weights} B`);
    } finally {
      half.destroy();
      full.destroy();
    }
  });
}
