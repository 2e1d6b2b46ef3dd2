// The unfused schedule (one dispatch per eager op, BatchNorms not folded) gives PyTorch's logits,
// and the fused schedule's, for all eleven models; for EfficientViT also batch 2 at a resolution
// whose windows need padding and a checkpoint with a distillation head, for EdgeViT batch 2.
// The third schedule (fused-ffn: the fused one with each FFN in one kernel) too, for two models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { MODELS } from '../src/models/registry.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';
const extra: Record<string, string[]> = { efficientvit_m0: ['192:2', '224:2:dist'], edgevit_xxs: ['224:2'] };
const oneKernelFfn = new Set(['efficientvit_m0', 'efficientvit_m4']);

for (const name of Object.keys(MODELS)) {
  test(`${name}: unfused logits = fused logits = PyTorch's`, { skip }, async () => {
    // Each resolution has its own checkpoint (EfficientViT's bias tables depend on it).
    for (const spec of [`${name}:224:1`, ...(extra[name] ?? []).map((s) => `${name}:${s}`)]) {
      const [c] = goldenCases([spec]);
      const model = Model.fromBytes(await runtime(), name, c.pth);
      try {
        const unfused = (await model.run(c.input, c.batch, c.height, c.width, 'unfused')).logits;
        const fused = (await model.run(c.input, c.batch, c.height, c.width, 'fused')).logits;
        const checks: [string, Float32Array, Float32Array][] = [['unfused vs PyTorch', unfused, c.logits], ['unfused vs fused', unfused, fused]];
        if (oneKernelFfn.has(name)) checks.push(['fused-ffn vs PyTorch', (await model.run(c.input, c.batch, c.height, c.width, 'fused-ffn')).logits, c.logits]);
        for (const [what, got, want] of checks) {
          const { maxDiff, tolerance } = logitsError(got, want);
          assert.ok(maxDiff <= tolerance, `${c.name} ${what}: max|Δ| = ${maxDiff} > ${tolerance}`);
        }
      } finally {
        model.destroy();
      }
    }
  });
}
