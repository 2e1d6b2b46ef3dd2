// The allow-list of Python globals a torch state_dict pickle may reference, each re-implemented in JS.
// Anything not listed here is refused by the unpickler.

import { PyGlobal, type GlobalResolver } from './pickle.ts';
import { BYTES_PER_ELEMENT, decodeElements, hostIsLittleEndian, isFloatType, type ElementType } from './dtype.ts';
import { preview, type MemoryBudget } from './budget.ts';
import { isHostTensor, numel, type HostTensor } from './tensor.ts';

/** A tensor storage referenced from the pickle: its raw bytes in the archive, decoded by each tensor that views it. */
export type TorchStorage = {
  readonly kind: 'torch-storage'; readonly key: string; readonly type: ElementType;
  readonly raw: Uint8Array; readonly littleEndian: boolean; readonly length: number;
};

export const isTorchStorage = (x: unknown): x is TorchStorage =>
  typeof x === 'object' && x !== null && (x as TorchStorage).kind === 'torch-storage';

const STORAGE_TYPES: Record<string, ElementType> = {
  FloatStorage: 'f32', HalfStorage: 'f16', BFloat16Storage: 'bf16', DoubleStorage: 'f64',
  LongStorage: 'i64', IntStorage: 'i32', ShortStorage: 'i16', CharStorage: 'i8', ByteStorage: 'u8', BoolStorage: 'bool',
};

// torch pickles dtype objects by name (e.g. GLOBAL 'torch float16'); they appear beside state dicts, e.g. in training args.
const DTYPES = [
  'float32', 'float', 'float16', 'half', 'bfloat16', 'float64', 'double',
  'int64', 'long', 'int32', 'int', 'int16', 'short', 'int8', 'uint8', 'bool',
];

/** The element type a storage-type marker (e.g. torch.FloatStorage) stands for. */
export function storageElementType(marker: unknown): ElementType | undefined {
  return marker instanceof PyGlobal && marker.module === 'torch' && Object.hasOwn(STORAGE_TYPES, marker.name) ? STORAGE_TYPES[marker.name] : undefined;
}

// Broadcast (stride-0) views may legitimately be larger than their storage; cap those separately.
const MAX_BROADCAST_ELEMENTS = 1 << 24;

/** The allowed globals; every tensor they build is charged to `budget` before it is allocated. */
export function torchGlobalResolver(budget: MemoryBudget): GlobalResolver {
  // Called as Python calls them: with exactly their positional arguments, requires_grad a bool and
  // only on a floating-point tensor (torch refuses the rest, so a file that has them is corrupt).
  const rebuildTensorV2 = new PyGlobal('torch._utils', '_rebuild_tensor_v2', (args) => {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]): torch ≥ 2.0
    // adds metadata only when a tensor has some (conjugate/negative bits), which webvit cannot apply.
    arity('_rebuild_tensor_v2', args, 6, 7);
    if (args.length === 7 && !(args[6] === null || (args[6] instanceof Map && args[6].size === 0))) {
      throw new Error(`torch._utils._rebuild_tensor_v2: the tensor carries metadata ${preview(args[6])} (a conjugate or negative view), which webvit does not apply; save the tensors with .resolve_conj().resolve_neg()`);
    }
    return requiresGrad('_rebuild_tensor_v2', rebuildTensor(args, budget), args[4]);
  });
  const rebuildParameter = (name: string, count: number) => new PyGlobal('torch._utils', name, (args) => {
    arity(name, args, count, count);
    const [data] = args;
    if (!isHostTensor(data)) throw new Error(`torch._utils.${name}: expected a tensor as its first argument`);
    return requiresGrad(name, data, args[1]);
  });
  const allowed = new Map<string, unknown>([
    ['torch._utils._rebuild_tensor_v2', rebuildTensorV2],
    ['torch._utils._rebuild_tensor', new PyGlobal('torch._utils', '_rebuild_tensor', (args) => { arity('_rebuild_tensor', args, 4, 4); return rebuildTensor(args, budget); })],
    ['torch._utils._rebuild_parameter', rebuildParameter('_rebuild_parameter', 3)],
    ['torch._utils._rebuild_parameter_with_state', rebuildParameter('_rebuild_parameter_with_state', 4)],
    ['collections.OrderedDict', new PyGlobal('collections', 'OrderedDict', orderedDict)],
  ]);
  for (const name of Object.keys(STORAGE_TYPES)) allowed.set(`torch.${name}`, new PyGlobal('torch', name));
  for (const name of DTYPES) allowed.set(`torch.${name}`, new PyGlobal('torch', name));
  return (module, name) => allowed.get(`${module}.${name}`);
}

function arity(name: string, args: readonly unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    throw new Error(`torch._utils.${name} is called with ${args.length} arguments, not ${min === max ? min : `${min}–${max}`}; the checkpoint is corrupt`);
  }
}

function requiresGrad(name: string, t: HostTensor, flag: unknown): HostTensor {
  if (typeof flag !== 'boolean') throw new Error(`torch._utils.${name}: requires_grad is ${preview(flag)}, not a bool; the checkpoint is corrupt`);
  if (flag && t.dtype !== 'f32') throw new Error(`torch._utils.${name}: an integer tensor cannot require gradients; the checkpoint is corrupt`);
  return t;
}

function orderedDict(args: readonly unknown[]): Map<unknown, unknown> {
  const dict = new Map<unknown, unknown>();
  if (args.length === 0) return dict;
  const [pairs] = args;
  if (pairs instanceof Map) return new Map(pairs);
  if (!Array.isArray(pairs)) throw new Error('collections.OrderedDict: expected no argument or a list of (key, value) pairs');
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new Error('collections.OrderedDict: expected (key, value) pairs');
    dict.set(pair[0], pair[1]);
  }
  return dict;
}

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None)
// and the legacy _rebuild_tensor(storage, storage_offset, size, stride): a strided view of a storage,
// decoded into its own contiguous array in one pass.
function rebuildTensor(args: readonly unknown[], budget: MemoryBudget): HostTensor {
  const [storage, offset, size, stride] = args;
  if (!isTorchStorage(storage)) throw new Error('torch._utils._rebuild_tensor_v2: the first argument is not a tensor storage');
  const what = `tensor on storage ${preview(`data/${storage.key}`, 40)}`;
  const ok = isIndex(offset) && Array.isArray(size) && Array.isArray(stride) && size.length === stride.length && size.length <= 64 &&
    size.every(isIndex) && stride.every(isIndex);
  if (!ok) {
    throw new Error(`${what} has an invalid offset, size or stride (offset ${preview(offset)}, size ${preview(size)}, stride ${preview(stride)}); the checkpoint is corrupt`);
  }
  const shape = [...size] as number[], strides = [...stride] as number[];
  const count = numel(shape);
  if (!Number.isSafeInteger(count)) throw new Error(`${what} has a size of more than 2^53 elements; the checkpoint is corrupt`);
  if (count > 0) {
    const last = shape.reduce((acc, n, d) => acc + (n - 1) * strides[d], offset);
    if (!(last < storage.length)) throw new Error(`${what} reads element ${last} but the storage holds only ${storage.length}; the checkpoint is corrupt`);
  }
  if (count > storage.length && count > MAX_BROADCAST_ELEMENTS) {
    throw new Error(`${what} is a broadcast view of ${count} elements over a storage of ${storage.length}; refusing to materialise it`);
  }
  const float = isFloatType(storage.type);
  budget.charge(count * (float ? 4 : 8), what);
  const data = viewElements(storage, offset, shape, strides, budget, what);
  return data instanceof Float32Array ? { dtype: 'f32', shape, data } : { dtype: 'i64', shape, data };
}

/** The view's elements, decoded straight from the storage's raw bytes (float types to float32, integers to int64). */
function viewElements(s: TorchStorage, offset: number, shape: number[], strides: number[], budget: MemoryBudget, what: string): Float32Array | BigInt64Array {
  const size = BYTES_PER_ELEMENT[s.type], count = numel(shape);
  if (isContiguous(shape, strides)) return decodeElements(s.raw.subarray(offset * size, (offset + count) * size), s.type, s.littleEndian);
  // A strided view: gather from the storage's elements, read in place where they are float32 or
  // int64 in this host's byte order and aligned, else decoded once (a temporary the size of the storage).
  const inPlace = (s.type === 'f32' || s.type === 'i64') && s.littleEndian === hostIsLittleEndian && (s.raw.byteOffset % size) === 0;
  if (!inPlace) budget.charge(s.length * (isFloatType(s.type) ? 4 : 8), `decoding the storage of ${what}`);
  const elements = inPlace
    ? (s.type === 'f32' ? new Float32Array(s.raw.buffer, s.raw.byteOffset, s.length) : new BigInt64Array(s.raw.buffer, s.raw.byteOffset, s.length))
    : decodeElements(s.raw, s.type, s.littleEndian);
  return gatherStrided(elements, offset, shape, strides);
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** Copy a strided view out into a new contiguous row-major array. */
export function gatherStrided<T extends Float32Array | BigInt64Array>(src: T, offset: number, shape: number[], strides: number[]): T {
  const count = numel(shape);
  if (isContiguous(shape, strides)) return src.slice(offset, offset + count) as T;
  const dst = (src instanceof Float32Array ? new Float32Array(count) : new BigInt64Array(count)) as T;
  if (count === 0) return dst;
  const nd = shape.length;
  const inner = shape[nd - 1];
  const innerStride = strides[nd - 1];
  const index = new Array<number>(nd - 1).fill(0);
  let base = offset;
  let o = 0;
  for (;;) {
    for (let j = 0; j < inner; j++) dst[o++] = src[base + j * innerStride];
    // Advance the outer indices like an odometer.
    let d = nd - 2;
    for (; d >= 0; d--) {
      base += strides[d];
      if (++index[d] < shape[d]) break;
      base -= strides[d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) return dst;
  }
}
