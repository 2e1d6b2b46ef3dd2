// Encoded images → RGBA pixels in Node: PNG (pngjs) and JPEG (jpeg-js). Browsers decode with their own
// decoders (browser.ts). preprocess.ts then makes the model input.
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { Rgba } from './preprocess.ts';

export function decodeImageBytes(bytes: Uint8Array, what: string): Rgba {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) { const p = PNG.sync.read(b); return { width: p.width, height: p.height, data: p.data }; }
    if (b[0] === 0xff && b[1] === 0xd8) { const j = jpeg.decode(b, { useTArray: true, maxMemoryUsageInMB: 1024 }); return { width: j.width, height: j.height, data: j.data }; }
  } catch (e) {
    throw new Error(`${what}: cannot decode the image (${(e as Error).message}); is the file complete?`);
  }
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') {
    throw new Error(`${what}: WebP images are decoded in browsers only; in Node convert it to PNG or JPEG`);
  }
  throw new Error(`${what}: not a PNG or JPEG image (convert it to one of those)`);
}
