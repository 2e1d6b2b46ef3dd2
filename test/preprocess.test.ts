// The one preprocessing (src/preprocess.ts) against torchvision's evaluation transform on real photos
// at odd sizes (scripts/golden/make_preprocess.py): bit-exact from the same decoded pixels (PNG);
// from a JPEG, the two decoders (jpeg-js here, libjpeg in PIL) differ, and by how much is pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { denseSize, preprocess, preprocessDense, resizedSize, resizeFor } from '../src/preprocess.ts';
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

test('dense sizes: mmdet\'s keep-ratio resize (mmcv rescale_size: int(side · factor + 0.5)) and Pad(size_divisor), hand-computed', () => {
  const coco = { resize: 'shorter', to: 800, maxLonger: 1333 } as const;
  // 640×480: min(800/480, 1333/640) = 5/3 → 1066.67 + 0.5 → 1067, 800.5 → 800; pads to 1088×800.
  assert.deepEqual(denseSize(640, 480, coco), { resized: [1067, 800], padded: [1088, 800] });
  // 1000×300: min(800/300, 1333/1000) = 1.333 → 1333.5 → 1333, 400.4 → 400; pads to 1344×416.
  assert.deepEqual(denseSize(1000, 300, coco), { resized: [1333, 400], padded: [1344, 416] });
  // No cap on the longer side, another divisor; an exact size is kept as it is.
  assert.deepEqual(denseSize(500, 375, { resize: 'shorter', to: 512, pad: 64 }), { resized: [683, 512], padded: [704, 512] });
  assert.deepEqual(denseSize(500, 375, { size: [480, 640] }), { resized: [640, 480], padded: [640, 480] });
  assert.throws(() => denseSize(10, 10, { size: [0, 640] }), /size must be \[height, width\] in pixels/);
  assert.throws(() => denseSize(10, 10, { resize: 'longer' as 'shorter', to: 800 }), /a keep-ratio resize is \{ resize: 'shorter'/);
  assert.throws(() => denseSize(10, 10, { ...coco, pad: 0 }), /pad must be a positive integer/);
});

test('dense inputs: each image resized whole, normalised, at the top left of the batch\'s largest padded size, zeros elsewhere', () => {
  const a = { width: 3, height: 2, data: new Uint8Array(24).fill(255) };
  const b = { width: 2, height: 2, data: new Uint8Array(16).fill(0) };
  const { data, height, width, placements } = preprocessDense([a, b], { resize: 'shorter', to: 2, pad: 4 });
  assert.deepEqual([height, width], [4, 4]);
  assert.deepEqual(placements, [{ image: [3, 2], resized: [3, 2], scale: [1, 1], pad: [1, 2] }, { image: [2, 2], resized: [2, 2], scale: [1, 1], pad: [2, 2] }]);
  const v = (bi: number, c: number, y: number, x: number) => data[((bi * 3 + c) * 4 + y) * 4 + x];
  const white = Math.fround(Math.fround(1 - Math.fround(0.485)) / Math.fround(0.229));
  assert.equal(v(0, 0, 1, 2), white);
  assert.equal(v(0, 0, 2, 0), 0);
  assert.equal(v(0, 0, 0, 3), 0);
  assert.equal(v(1, 2, 1, 1), Math.fround(Math.fround(0 - Math.fround(0.406)) / Math.fround(0.225)));
  assert.equal(v(1, 2, 1, 2), 0);
});
