// A tensor on the host, as read from a checkpoint. Floating-point tensors of any width are widened
// or narrowed to float32 on read; integer tensors (e.g. attention_bias_idxs) keep 64-bit values.
export type HostTensor =
  | { dtype: 'f32'; shape: number[]; data: Float32Array }
  | { dtype: 'i64'; shape: number[]; data: BigInt64Array };

export type StateDict = Map<string, HostTensor>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function f32(shape: number[], data: Float32Array): HostTensor {
  if (data.length !== numel(shape)) throw new Error(`tensor data has ${data.length} values but shape [${shape}] needs ${numel(shape)}`);
  return { dtype: 'f32', shape, data };
}

// Only the checkpoint readers build HostTensors; a pickle cannot forge one (it can only make Maps,
// arrays and primitives), so this shape check is enough to tell tensors from other pickled values.
export function isHostTensor(value: unknown): value is HostTensor {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<HostTensor>;
  return Array.isArray(t.shape) && ((t.dtype === 'f32' && t.data instanceof Float32Array) || (t.dtype === 'i64' && t.data instanceof BigInt64Array));
}
