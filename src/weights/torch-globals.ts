// The allow-list of Python globals a torch state_dict pickle may reference, each re-implemented in JS.
// Anything not listed here is refused by the unpickler.

import { PyGlobal, type GlobalResolver } from './pickle.ts';
import type { ElementType } from './dtype.ts';
import { isHostTensor, numel, type HostTensor } from './tensor.ts';

/** A tensor storage referenced from the pickle; its elements are decoded on first use and shared by all views. */
export type TorchStorage = { readonly kind: 'torch-storage'; readonly key: string; readonly type: ElementType; elements(): Float32Array | BigInt64Array };

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
  return marker instanceof PyGlobal && marker.module === 'torch' ? STORAGE_TYPES[marker.name] : undefined;
}

/** Caps how many elements rebuilt tensors may materialise, so stride-0 or repeated views cannot exhaust memory. */
export type ElementBudget = { remaining: number };

// Broadcast (stride-0) views may legitimately be larger than their storage; cap those separately.
const MAX_BROADCAST_ELEMENTS = 1 << 24;

export function torchGlobalResolver(budget: ElementBudget): GlobalResolver {
  const rebuildTensorV2 = new PyGlobal('torch._utils', '_rebuild_tensor_v2', (args) => rebuildTensor(args, budget));
  const rebuildParameter = (name: string) => new PyGlobal('torch._utils', name, ([data]) => {
    if (!isHostTensor(data)) throw new Error(`torch._utils.${name}: expected a tensor as its first argument`);
    return data;
  });
  const allowed = new Map<string, unknown>([
    ['torch._utils._rebuild_tensor_v2', rebuildTensorV2],
    ['torch._utils._rebuild_tensor', new PyGlobal('torch._utils', '_rebuild_tensor', (args) => rebuildTensor(args, budget))],
    ['torch._utils._rebuild_parameter', rebuildParameter('_rebuild_parameter')],
    ['torch._utils._rebuild_parameter_with_state', rebuildParameter('_rebuild_parameter_with_state')],
    ['collections.OrderedDict', new PyGlobal('collections', 'OrderedDict', orderedDict)],
  ]);
  for (const name of Object.keys(STORAGE_TYPES)) allowed.set(`torch.${name}`, new PyGlobal('torch', name));
  for (const name of DTYPES) allowed.set(`torch.${name}`, new PyGlobal('torch', name));
  return (module, name) => allowed.get(`${module}.${name}`);
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
// copied out contiguously.
function rebuildTensor(args: readonly unknown[], budget: ElementBudget): HostTensor {
  const [storage, offset, size, stride] = args;
  if (!isTorchStorage(storage)) throw new Error('torch._utils._rebuild_tensor_v2: the first argument is not a tensor storage');
  const shape = Array.isArray(size) ? [...size] : [];
  const strides = Array.isArray(stride) ? [...stride] : [];
  const what = `tensor on storage data/${storage.key}`;
  if (!isIndex(offset) || !Array.isArray(size) || !shape.every(isIndex) || !Array.isArray(stride) ||
      strides.length !== shape.length || !strides.every(isIndex)) {
    throw new Error(`${what} has an invalid offset, size or stride (offset ${String(offset)}, size [${shape}], stride [${strides}]); the checkpoint is corrupt`);
  }
  const elements = storage.elements();
  const count = numel(shape);
  if (count > 0) {
    const last = shape.reduce((acc, n, d) => acc + (n - 1) * strides[d], offset);
    if (last >= elements.length) {
      throw new Error(`${what} reads element ${last} but the storage holds only ${elements.length}; the checkpoint is corrupt`);
    }
  }
  if (count > elements.length && count > MAX_BROADCAST_ELEMENTS) {
    throw new Error(`${what} is a broadcast view of ${count} elements over a storage of ${elements.length}; refusing to materialise it`);
  }
  if (count > budget.remaining) throw new Error(`${what}: the checkpoint's tensors add up to far more elements than its storages hold; refusing to materialise them`);
  budget.remaining -= count;
  const data = gatherStrided(elements, offset, shape, strides);
  return data instanceof Float32Array ? { dtype: 'f32', shape, data } : { dtype: 'i64', shape, data };
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
