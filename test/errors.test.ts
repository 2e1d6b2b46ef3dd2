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

test('an EfficientViT checkpoint at a resolution its bias tables do not fit names the one they fit', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const m = Model.fromBytes(await runtime(), 'efficientvit_m0', c.pth);
  // 160 px: stage 2 is a 5×5 map, smaller than the checkpoint's 7×7 windows (made for 224).
  await assert.rejects(m.run(new Float32Array(3 * 160 * 160), 1, 160, 160), /7×7 window, made for an input of about 224×224 px; this input gives a 5×5 map/);
  m.destroy();
});
