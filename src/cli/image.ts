// Image files → RGBA pixels in Node (PNG with pngjs, JPEG with jpeg-js); preprocess.ts makes the input.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { Rgba } from '../preprocess.ts';

export function decodeImage(file: string): Rgba {
  const bytes = readFileSync(file);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) { const p = PNG.sync.read(bytes); return { width: p.width, height: p.height, data: p.data }; }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) { const j = jpeg.decode(bytes, { useTArray: true, maxMemoryUsageInMB: 1024 }); return { width: j.width, height: j.height, data: j.data }; }
  throw new Error(`${file}: not a PNG or JPEG image (convert it to one of those)`);
}
