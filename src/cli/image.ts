// Image → model input, as torchvision's eval transform: resize the shorter side to res·256/224
// (bilinear), centre-crop res×res, scale to [0, 1], normalise with the ImageNet mean and std.
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

const MEAN = [0.485, 0.456, 0.406], STD = [0.229, 0.224, 0.225];

export interface Rgba { width: number; height: number; data: Uint8Array }

export function decodeImage(file: string): Rgba {
  const bytes = readFileSync(file);
  if (bytes[0] === 0x89 && bytes[1] === 0x50) { const p = PNG.sync.read(bytes); return { width: p.width, height: p.height, data: p.data }; }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) { const j = jpeg.decode(bytes, { useTArray: true, maxMemoryUsageInMB: 1024 }); return { width: j.width, height: j.height, data: j.data }; }
  throw new Error(`${file}: not a PNG or JPEG image (convert it to one of those)`);
}

/** NCHW float32 [1, 3, res, res]. */
export function preprocess(img: Rgba, res: number): Float32Array {
  const short = Math.floor((res * 256) / 224);
  const scale = short / Math.min(img.width, img.height);
  const rw = Math.round(img.width * scale), rh = Math.round(img.height * scale);
  const left = Math.round((rw - res) / 2), top = Math.round((rh - res) / 2);
  const out = new Float32Array(3 * res * res);
  for (let y = 0; y < res; y++) {
    for (let x = 0; x < res; x++) {
      // Pixel centre in the resized image, mapped back to the source (align_corners = false).
      const sy = Math.min(Math.max((y + top + 0.5) / (rh / img.height) - 0.5, 0), img.height - 1);
      const sx = Math.min(Math.max((x + left + 0.5) / (rw / img.width) - 0.5, 0), img.width - 1);
      const y0 = Math.floor(sy), x0 = Math.floor(sx), y1 = Math.min(y0 + 1, img.height - 1), x1 = Math.min(x0 + 1, img.width - 1);
      const fy = sy - y0, fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c];
        const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        out[(c * res + y) * res + x] = (v / 255 - MEAN[c]) / STD[c];
      }
    }
  }
  return out;
}
