// Reading a strided view out of a tensor's padded storage, for the tests of kernels that take views.

/** The elements of view `v` of `buf` (a tensor's padded floats), in row-major order of its shape. */
export function readView(buf: Float32Array, v: { offset: number; shape: number[]; strides: number[] }): Float32Array {
  const n = v.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let r = i, at = v.offset;
    for (let d = v.shape.length - 1; d >= 0; d--) { at += (r % v.shape[d]) * v.strides[d]; r = Math.floor(r / v.shape[d]); }
    out[i] = buf[at];
  }
  return out;
}
