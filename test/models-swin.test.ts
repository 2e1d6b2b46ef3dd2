// Swin-T against PyTorch golden logits (scripts/golden/swin.py: the official layout and eager ops,
// checked against torchvision's swin_t in test/swin-torchvision.test.ts), fused and unfused, batch 1
// and 2; the same weights in timm ≥ 0.9's layout (downsample at the start of the next stage,
// head.fc, no buffers) give the same logits; a wrong buffer is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, logitsError, torchAvailable, type GoldenCase } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { loadStateDict } from '../src/weights/load.ts';
import { modelInfo } from '../src/models/registry.ts';
import type { StateDict } from '../src/weights/tensor.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';
const NAME = 'swin_tiny_patch4_window7_224';

async function check(model: Model, cases: GoldenCase[], schedule: 'fused' | 'unfused'): Promise<void> {
  for (const c of cases) {
    const { logits } = await model.run(c.input, c.batch, c.height, c.width, schedule);
    const { maxDiff, tolerance } = logitsError(logits, c.logits);
    assert.ok(maxDiff <= tolerance, `${c.name} (${schedule}): max|Δ| = ${maxDiff} > ${tolerance}`);
  }
}

for (const schedule of ['fused', 'unfused'] as const) {
  test(`${NAME} at 224, batch 1 and 2, ${schedule}, matches PyTorch`, { skip }, async () => {
    const cases = goldenCases([`${NAME}:224:1`, `${NAME}:224:2`]);
    const model = Model.fromBytes(await runtime(), NAME, cases[0].pth);
    try { await check(model, cases, schedule); } finally { model.destroy(); }
  });
}

/** The official checkpoint's weights as timm ≥ 0.9 stores them. */
function toTimm(sd: StateDict): StateDict {
  const out: StateDict = new Map();
  for (const [k, v] of sd) {
    if (k.endsWith('.attn_mask') || k.endsWith('.relative_position_index')) continue;
    const m = /^layers\.(\d+)\.downsample\.(.*)$/.exec(k);
    out.set(m ? `layers.${Number(m[1]) + 1}.downsample.${m[2]}` : k.startsWith('head.') ? `head.fc.${k.slice(5)}` : k, v);
  }
  return out;
}

test(`${NAME}: timm ≥ 0.9's layout of the same weights gives PyTorch's logits; a wrong buffer is refused`, { skip }, async () => {
  const cases = goldenCases([`${NAME}:224:1`]);
  const sd = loadStateDict(cases[0].pth);
  const model = new Model(await runtime(), modelInfo(NAME), toTimm(sd));
  try { await check(model, cases, 'fused'); } finally { model.destroy(); }
  const bad = new Map(sd);
  const mask = sd.get('layers.0.blocks.1.attn_mask')!;
  bad.set('layers.0.blocks.1.attn_mask', { dtype: 'f32', shape: mask.shape, data: (mask.data as Float32Array).map((v) => -v) });
  assert.throws(() => modelInfo(NAME).build(bad, { batch: 1, height: 224, width: 224 }), /layers\.0\.blocks\.1\.attn_mask .* is not the \[64, 49, 49\] mask of a 56×56 map/);
});
