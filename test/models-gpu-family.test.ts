// Every model with the GPU kernel family forced (load's `kernels: 'gpu'`; on this CPU adapter the
// default is 'cpu') gives PyTorch's logits: all eleven fused and unfused at batch 1, fused at batch 2
// (a second image shares each workgroup's weights; EfficientViT-M0's at 192, whose maps need padding),
// and unfused at batch 2 for one model per family whose unfused kernels are the GPU family's own
// (matmul, softmax, LayerNorm, mean: the others share them; Swin adds only roll and copies, which
// have one family); every combination everywhere would add minutes to CI for no new kernel path.
// Where the GPU family has a kernel (shaders/gpu/), its CPU sibling must not run: the plans are
// checked. Then one model per family with a GPU adapter's whole default tuning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { MODELS } from '../src/models/registry.ts';
import type { ScheduleName } from '../src/schedule/index.ts';
import { randomStateDict } from '../src/models/random.ts';
import { readdirSync } from 'node:fs';
import { nodeRuntime } from '../src/node.ts';
import { DEFAULT_LIMITS, gpuTuning } from '../src/tuning.ts';

/** The GPU family's kernel files (shaders/gpu/): where one exists, the CPU family's sibling must not run. */
const GPU_FILES = new Set(readdirSync(new URL('../shaders/gpu/', import.meta.url)).filter((f) => f.endsWith('.wgsl')).map((f) => `gpu/${f}`));

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';
const batch2 = (name: string) => `${name}:${name === 'efficientvit_m0' ? 192 : 224}:2`;
const UNFUSED_BATCH2 = new Set(['efficientvit_m0', 'edgevit_xxs', 'deit_tiny_patch16_224']);

for (const name of Object.keys(MODELS)) {
  test(`${name} on the GPU kernel family matches PyTorch`, { skip }, async () => {
    for (const spec of [`${name}:224:1`, batch2(name)]) {
      const [c] = goldenCases([spec]);
      const model = Model.fromBytes(await runtime(), name, c.pth, { kernels: 'gpu' });
      try {
        const schedules: ScheduleName[] = ['fused', ...(c.batch === 1 || UNFUSED_BATCH2.has(name) ? ['unfused' as const] : [])];
        for (const schedule of schedules) {
          const { logits } = await model.run(c.input, c.batch, c.height, c.width, schedule);
          const { maxDiff, tolerance } = logitsError(logits, c.logits);
          assert.ok(maxDiff <= tolerance, `${c.name} ${schedule}: max|Δ| = ${maxDiff} > ${tolerance}`);
          const plan = await model.plan(c.batch, c.height, c.width, schedule);
          const files = new Set(plan.steps.map((s) => s.kernel.key.split(':')[0]));
          assert.ok(files.has('gpu/pointwise.wgsl'), `${c.name} ${schedule}: no GPU-family kernel ran (${[...files].join(', ')})`);
          const cpuRan = [...files].filter((f) => GPU_FILES.has(`gpu/${f}`));
          assert.deepEqual(cpuRan, [], `${c.name} ${schedule}: CPU-family kernels ran where the GPU family has its own`);
        }
      } finally {
        model.destroy();
      }
    }
  });
}

test('the kernel family is the runtime\'s unless a model asks: details() says which; an unknown one is refused', async () => {
  const rt = await runtime();
  assert.equal(rt.tuning.kernels, 'cpu', 'this CPU adapter defaults to the CPU family');
  const sd = randomStateDict('efficientvit_m0');
  const info = MODELS.efficientvit_m0;
  assert.equal(new Model(rt, info, sd).tuning.kernels, 'cpu');
  assert.equal(new Model(rt, info, sd, { kernels: 'gpu' }).tuning.kernels, 'gpu');
  assert.equal(new Model(rt, info, sd, { kernels: 'gpu' }).on(rt).tuning.kernels, 'gpu', 'a model moved to a new device keeps its family');
  assert.throws(() => new Model(rt, info, sd, { kernels: 'tpu' as never }), /kernels "tpu" is not one of 'cpu', 'gpu'/);
});

test('with a GPU adapter\'s default tuning (split-K, subgroup reductions, GPU workgroup sizes), one model per family matches PyTorch', { skip }, async () => {
  // The tuning a GPU adapter gets (src/tuning.ts gpuTuning), on this CPU adapter: what GPUs run.
  const rt = await nodeRuntime({ tuning: gpuTuning(DEFAULT_LIMITS) });
  assert.equal(rt.tuning.kernels, 'gpu');
  for (const spec of ['efficientvit_m0:224:1', 'edgevit_xxs:224:2', 'deit_tiny_patch16_224:224:1', 'swin_tiny_patch4_window7_224:224:1']) {
    const [c] = goldenCases([spec]);
    const model = Model.fromBytes(rt, c.model, c.pth);
    try {
      const { logits } = await model.run(c.input, c.batch, c.height, c.width, 'fused');
      const { maxDiff, tolerance } = logitsError(logits, c.logits);
      assert.ok(maxDiff <= tolerance, `${c.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
      const plan = await model.plan(c.batch, c.height, c.width, 'fused');
      const keys = plan.steps.map((s) => s.kernel.key);
      if (c.model.startsWith('efficientvit')) assert.ok(keys.some((k) => k.includes('SPLIT_K=1')), `${c.name}: no split-K dispatch ran`);
      assert.ok(keys.some((k) => /attention\.wgsl:\w+\[subgroups\]/.test(k)), `${c.name}: no flash attention in its subgroup form ran`);
    } finally {
      model.destroy();
    }
  }
});
