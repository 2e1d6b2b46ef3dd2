// A minimal safetensors reader for the reference cases (8-byte LE header length, JSON header, raw
// little-endian data). Only F32 and I64 are needed there.
import type { HostTensor, StateDict } from '../weights/tensor.ts';

export function readSafetensors(bytes: Uint8Array): StateDict {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors: StateDict = new Map();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: [begin, end] } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    // copy so the typed array is aligned whatever the header length
    const raw = bytes.slice(dataStart + begin, dataStart + end);
    let tensor: HostTensor;
    if (dtype === 'F32') tensor = { dtype: 'f32', shape, data: new Float32Array(raw.buffer) };
    else if (dtype === 'I64') tensor = { dtype: 'i64', shape, data: new BigInt64Array(raw.buffer) };
    else throw new Error(`safetensors: ${name} has dtype ${dtype}, only F32 and I64 are read`);
    tensors.set(name, tensor);
  }
  return tensors;
}
