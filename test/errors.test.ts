// Bad input gets a clear error that says what to do: the wrong model for a checkpoint, a truncated
// checkpoint, NaN or mis-sized inputs, a resolution the checkpoint's attention biases do not fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goldenCases, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';

const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';

test('an EdgeViT checkpoint loaded as EfficientViT lists missing and unexpected keys', { skip }, async () => {
  const [c] = goldenCases(['edgevit_xxs:224:1']);
  const m = Model.fromBytes(await runtime(), 'efficientvit_m0', c.pth);
  await assert.rejects(m.run(c.input, 1, 224, 224), (e: Error) => {
    assert.match(e.message, /does not fit efficientvit_m0/);
    assert.match(e.message, /missing patch_embed\.0\.c\.weight \(expected \[8,3,3,3\]\)/);
    assert.match(e.message, /unexpected patch_embed1\.proj\.weight \[36,3,4,4\]/);
    return true;
  });
});

test('a checkpoint of another EfficientViT variant names the mismatched shapes', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const m = Model.fromBytes(await runtime(), 'efficientvit_m1', c.pth);
  await assert.rejects(m.run(c.input, 1, 224, 224), /patch_embed\.0\.c\.weight: expected float \[16,3,3,3\], found f32 \[8,3,3,3\]/);
});

test('a truncated checkpoint fails at load with advice', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  assert.throws(() => Model.fromBytes({} as never, 'efficientvit_m0', c.pth.subarray(0, c.pth.length >> 1)),
    /checkpoint is not a valid zip archive \(no end-of-central-directory record\): it is truncated or corrupt; re-download it or re-save it with torch\.save/);
});

test('NaN and mis-sized inputs are refused before any GPU work', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const m = Model.fromBytes(await runtime(), 'efficientvit_m0', c.pth);
  const bad = c.input.slice(); bad[123] = NaN;
  await assert.rejects(m.run(bad, 1, 224, 224), /input value 123 is NaN/);
  await assert.rejects(m.run(c.input.subarray(1), 1, 224, 224), /input has 150527 floats; \[1, 3, 224, 224\] needs 150528$/);
  m.destroy();
});

test('an EfficientViT checkpoint at a size its bias tables do not serve names the sizes they do', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const m = Model.fromBytes(await runtime(), 'efficientvit_m0', c.pth);
  // Windows 7, 7, 4 (made for 224): squares from max(16·6, 32·6, 64·3) + 1 = 193 px, any side over max(16·7, 32·7, 64·4) = 256 px.
  // 160 px: blocks2 is a 5×5 map, smaller than its 7×7 window.
  const sizes = /square inputs of 193 px and more work, and any input taller or wider than 256 px/;
  await assert.rejects(m.run(new Float32Array(3 * 160 * 160), 1, 160, 160), /a 160×160 input gives blocks2 a 5×5 map, smaller than the 7×7 window/);
  await assert.rejects(m.run(new Float32Array(3 * 160 * 160), 1, 160, 160), sizes);
  // 256×192: blocks3 is 4×3 under a 4×4 window; 176×320 is wider than 256 px (every map wider than its window): it runs.
  await assert.rejects(m.run(new Float32Array(3 * 256 * 192), 1, 256, 192), /a 256×192 input gives blocks3 a 4×3 map, smaller than the 4×4 window/);
  const { logits } = await m.run(new Float32Array(3 * 176 * 320).fill(0.5), 1, 176, 320);
  assert.ok(logits.every(Number.isFinite));
  m.destroy();
});
