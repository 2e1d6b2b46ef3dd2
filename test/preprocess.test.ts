// The one preprocessing (src/preprocess.ts) against torchvision's evaluation transform on real photos
// at odd sizes (scripts/golden/make_preprocess.py): bit-exact from the same decoded pixels (PNG);
// from a JPEG, the two decoders (jpeg-js here, libjpeg in PIL) differ, and by how much is pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { preprocess, resizedSize, resizeFor } from '../src/preprocess.ts';
import { preprocessCases, torchvisionAvailable } from './helpers/golden.ts';

const skip = !torchvisionAvailable() && 'python3-torchvision / python-matplotlib-data are not installed (npm test installs them)';

test('torchvision\'s sizes: int(res·256/224), the long side truncated, Python\'s round-half-even crop', () => {
  assert.equal(resizeFor(224), 256);
  assert.equal(resizeFor(64), 73);
  assert.deepEqual(resizedSize(640, 427, 256), [383, 256]); // 640·256/427 = 383.7 → 383
  assert.deepEqual(resizedSize(317, 593, 256), [256, 478]);
  assert.throws(() => preprocess({ width: 4, height: 4, data: new Uint8Array(10) }, 224), /needs 64 RGBA bytes/);
});

test('preprocessing equals torchvision\'s Resize → CenterCrop → ToTensor → Normalize on photos', { skip }, () => {
  const dir = preprocessCases();
  const meta = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { resolutions: number[]; cases: { name: string; file: string; jpeg?: boolean }[] };
  assert.ok(meta.cases.length >= 7);
  for (const c of meta.cases) {
    const bytes = readFileSync(path.join(dir, c.file));
    const img = c.jpeg ? jpeg.decode(bytes, { useTArray: true }) : PNG.sync.read(bytes);
    for (const res of meta.resolutions) {
      const b = readFileSync(path.join(dir, `${c.name}.r${res}.f32`));
      const want = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const got = preprocess({ width: img.width, height: img.height, data: img.data }, res);
      assert.equal(got.length, 3 * res * res);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      // Same pixels in: the same floats out. A JPEG decoded by jpeg-js instead of libjpeg (no fancy
      // chroma upsampling): within 0.25 (15/255 before normalisation), measured 0.21 at 224.
      if (c.jpeg) assert.ok(worst <= 0.25, `${c.name} at ${res}: max|Δ| ${worst}`);
      else assert.equal(worst, 0, `${c.name} (${img.width}×${img.height}) at ${res}: max|Δ| ${worst}`);
    }
  }
});
