// Element types found in checkpoints, and their conversion to the two host types we keep:
// every floating type becomes float32, every integer/bool type becomes int64.

export type ElementType = 'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u64' | 'u32' | 'u16' | 'u8' | 'bool';

export const BYTES_PER_ELEMENT: Record<ElementType, number> = {
  f64: 8, f32: 4, f16: 2, bf16: 2, i64: 8, i32: 4, i16: 2, i8: 1, u64: 8, u32: 4, u16: 2, u8: 1, bool: 1,
};

export const isFloatType = (t: ElementType): boolean => t === 'f64' || t === 'f32' || t === 'f16' || t === 'bf16';

export const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// 64 K entries: decoding half floats by table lookup is exact and fast.
let halfTable: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) halfTable[h] = sign * frac * 2 ** -24; // zero / subnormal
    else if (exp === 31) halfTable[h] = frac ? NaN : sign * Infinity;
    else halfTable[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return halfTable;
}

/** float32 → IEEE half bits, rounded to nearest even (overflow → ±Inf, tiny → subnormal or 0). */
const scratchF = new Float32Array(1), scratchU = new Uint32Array(scratchF.buffer);

export function floatToHalf(v: number): number {
  scratchF[0] = v;
  const u = scratchU[0];
  const sign = (u >>> 16) & 0x8000, exp = (u >>> 23) & 0xff, man = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 : 0); // Inf, NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    const m = man | 0x800000, shift = 14 - e;
    const half = m >>> shift, rest = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (man >>> 13), rest = man & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0)); // a carry rounds up into the exponent, as it should
}

/** Whether every value is exactly an IEEE half (as a checkpoint stored in f16 is): float32 bit tests, no rounding. */
export function allHalfExact(values: Float32Array): boolean {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < u.length; i++) {
    const bits = u[i], exp = (bits >>> 23) & 0xff;
    if ((bits & 0x7fffffff) === 0) continue; // ±0
    if (exp >= 113 && exp <= 142) { if (bits & 0x1fff) return false; continue; } // a normal half: 10 mantissa bits
    if (exp >= 103 && exp < 113) { if (bits & ((1 << (13 + 113 - exp)) - 1)) return false; continue; } // a subnormal half
    return false; // beyond half's range
  }
  return true;
}

/** float32 values as little-endian IEEE half (2 bytes each), rounded to nearest even, zero-padded to `length` values. */
export function toHalves(src: Float32Array, length = src.length): Uint16Array {
  const out = new Uint16Array(Math.max(length, src.length));
  for (let i = 0; i < src.length; i++) out[i] = floatToHalf(src[i]);
  if (!hostIsLittleEndian) for (let i = 0; i < src.length; i++) out[i] = ((out[i] & 0xff) << 8) | (out[i] >>> 8);
  return out;
}

/**
 * A plain Uint8Array view of the input. Node's Buffer is a Uint8Array whose slice() does not copy,
 * so readers normalise first and never hand Buffers around.
 */
export const asBytes = (input: Uint8Array | ArrayBuffer): Uint8Array =>
  ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : new Uint8Array(input);

/** A copy of `bytes` in a fresh, aligned buffer (typed-array views need aligned offsets). */
const alignedCopy = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

/** Decode raw element bytes into float32 (floating types) or int64 (integer and bool types). */
export function decodeElements(bytes: Uint8Array, type: ElementType, littleEndian = true): Float32Array | BigInt64Array {
  const size = BYTES_PER_ELEMENT[type];
  if (bytes.length % size !== 0) throw new Error(`${bytes.length} bytes is not a whole number of ${type} elements (${size} bytes each)`);
  const n = bytes.length / size;
  const nativeOrder = littleEndian === hostIsLittleEndian;
  if (type === 'f32' && nativeOrder) return new Float32Array(alignedCopy(bytes));
  if (type === 'i64' && nativeOrder) return new BigInt64Array(alignedCopy(bytes));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isFloatType(type)) {
    const out = new Float32Array(n);
    if (type === 'f32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, littleEndian);
    else if (type === 'f64') for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, littleEndian);
    else if (type === 'f16') {
      const table = halfToFloatTable();
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(i * 2, littleEndian)];
    } else {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, littleEndian) << 16;
    }
    return out;
  }
  const out = new BigInt64Array(n);
  const read = integerReader(view, type, littleEndian);
  for (let i = 0; i < n; i++) out[i] = BigInt(read(i));
  return out;
}

function integerReader(view: DataView, type: ElementType, le: boolean): (i: number) => number | bigint {
  switch (type) {
    case 'i64': return (i) => view.getBigInt64(i * 8, le);
    case 'i32': return (i) => view.getInt32(i * 4, le);
    case 'i16': return (i) => view.getInt16(i * 2, le);
    case 'i8': return (i) => view.getInt8(i);
    case 'u64': return (i) => BigInt.asIntN(64, view.getBigUint64(i * 8, le)); // as int64, wrapping (as numpy's astype)
    case 'u32': return (i) => view.getUint32(i * 4, le);
    case 'u16': return (i) => view.getUint16(i * 2, le);
    case 'u8': return (i) => view.getUint8(i);
    case 'bool': return (i) => (view.getUint8(i) ? 1 : 0);
    default: throw new Error(`not an integer element type: ${type}`);
  }
}
