// Host-side conversion between plain NCHW / [B, N] arrays and the padded GPU layout.
import type { Tensor } from './ir.ts';

const rowsAndLength = (t: Tensor): [number, number] =>
  t.shape.length === 4 ? [t.shape[0] * t.shape[1], t.shape[2] * t.shape[3]] : [t.shape[0], t.shape[1]];

export function toPadded(t: Tensor, data: Float32Array): Float32Array {
  const [rows, n] = rowsAndLength(t);
  if (data.length !== rows * n) throw new Error(`${t.name}: expected ${rows * n} values for shape [${t.shape}], got ${data.length}`);
  if (n === t.planeStride) return data.length === t.size ? data : Float32Array.from({ length: t.size }, (_, i) => data[i] ?? 0);
  const out = new Float32Array(t.size);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * n, (r + 1) * n), r * t.planeStride);
  return out;
}

export function fromPadded(t: Tensor, data: Float32Array): Float32Array {
  const [rows, n] = rowsAndLength(t);
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * t.planeStride, r * t.planeStride + n), r * n);
  return out;
}
