// The Fashion-MNIST test set (Debian's dataset-fashion-mnist), for the shipped model's accuracy
// parity (bench/accuracy.ts, test/accuracy.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Rgba } from '../src/preprocess.ts';

export const DATA_DIR = process.env.WEBVIT_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist';
export const haveFashionMnist = () => existsSync(`${DATA_DIR}/t10k-images-idx3-ubyte.gz`);

/** An IDX file's dimensions and bytes (big-endian header; type byte 0x08 = uint8). */
function readIdx(name: string): { dims: number[]; data: Uint8Array } {
  const file = `${DATA_DIR}/${name}.gz`;
  if (!existsSync(file)) throw new Error(`${file} not found: apt install dataset-fashion-mnist (npm run setup does)`);
  const b = gunzipSync(readFileSync(file));
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint16(0) !== 0 || b[2] !== 0x08) throw new Error(`${file} is not an IDX file of uint8`);
  const dims = Array.from({ length: b[3] }, (_, i) => v.getUint32(4 + 4 * i));
  return { dims, data: new Uint8Array(b.buffer, b.byteOffset + 4 + 4 * dims.length) };
}

export interface TestSet { count: number; labels: Uint8Array; image(i: number): Rgba }

/** The 10,000 test images (28×28 grey, as RGBA with R = G = B) and their labels. */
export function fashionMnistTest(): TestSet {
  const images = readIdx('t10k-images-idx3-ubyte'), labels = readIdx('t10k-labels-idx1-ubyte');
  const [count, h, w] = images.dims;
  return {
    count, labels: labels.data,
    image(i) {
      const data = new Uint8Array(h * w * 4);
      for (let p = 0; p < h * w; p++) { const g = images.data[i * h * w + p]; data[p * 4] = data[p * 4 + 1] = data[p * 4 + 2] = g; data[p * 4 + 3] = 255; }
      return { width: w, height: h, data };
    },
  };
}
