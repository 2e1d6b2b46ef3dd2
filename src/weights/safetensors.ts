// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}},
// then the raw little-endian tensor bytes. Offsets are relative to the end of the header.

import { BYTES_PER_ELEMENT, asBytes, decodeElements, floatToHalf, hostIsLittleEndian, isFloatType, type ElementType } from './dtype.ts';
import { MemoryBudget, defaultMaxBytes, preview } from './budget.ts';
import { numel, type HostTensor, type StateDict } from './tensor.ts';

const DTYPES: Record<string, ElementType> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i64', I32: 'i32', I16: 'i16', I8: 'i8', U64: 'u64', U32: 'u32', U16: 'u16', U8: 'u8', BOOL: 'bool',
};
// The reference implementation refuses headers above 100 MB; so do we, before parsing any JSON.
const MAX_HEADER_BYTES = 100_000_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A string with an unpaired UTF-16 surrogate (a JSON escape such as "\\ud800", which the reference library refuses). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

type HeaderEntry = { dtype: string; shape: number[]; data_offsets: [number, number] };

/** Whether the bytes start like a safetensors file (plausible header length followed by "{"). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const headerLength = readHeaderLength(bytes);
  return headerLength >= 2 && headerLength <= bytes.length - 8 && bytes[8] === 0x7b;
}

const readHeaderLength = (bytes: Uint8Array): number => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
};

const fail = (why: string): never => { throw new Error(`invalid safetensors file: ${why}; re-export it (safetensors.torch.save_file)`); };

/**
 * The header, checked as the safetensors library checks it: a length that fits the file, valid
 * UTF-8 JSON starting with "{", known dtypes, and tensors that tile the data section exactly — in
 * offset order, each starting where the previous one ends, the last ending at the end of the file
 * (no gaps, no overlaps, no trailing bytes).
 */
function parseHeader(bytes: Uint8Array): { entries: [string, HeaderEntry][]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, too short for the 8-byte header length`);
  const headerLength = readHeaderLength(bytes);
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} is over the 100 MB the format allows`);
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let text = '';
  try { text = utf8.decode(bytes.subarray(8, 8 + headerLength)); } catch { fail('header is not valid UTF-8'); }
  if (!text.startsWith('{')) fail('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${e instanceof Error ? e.message.slice(0, 120) : 'parse error'})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries: [string, HeaderEntry][] = [];
  let metadata: Record<string, string> = {};
  for (const name of Object.keys(header as object)) {
    const value = (header as Record<string, unknown>)[name];
    if (LONE_SURROGATE.test(name)) fail(`a tensor name ${preview(name)} holds an unpaired surrogate escape`);
    if (name === '__metadata__') {
      if (value === null) continue; // the library reads a null __metadata__ as none
      if (typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== 'string' || LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) fail(`__metadata__[${preview(k)}] is not a string`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const entry = value as Partial<HeaderEntry>;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail(`tensor ${preview(name)} is not described by an object`);
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPES, dtype)) fail(`tensor ${preview(name)} has unsupported dtype ${preview(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || shape.length > 64 || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) fail(`tensor ${preview(name)} has an invalid shape ${preview(shape)}`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0) || offsets[0] > offsets[1]) {
      fail(`tensor ${preview(name)} has invalid data_offsets ${preview(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) fail(`tensor ${preview(name)} spans bytes ${begin}..${end} but the data section has only ${dataLength} bytes (truncated?)`);
    const expected = numel(shape as number[]) * BYTES_PER_ELEMENT[DTYPES[dtype as string]];
    if (end - begin !== expected) fail(`tensor ${preview(name)} has ${end - begin} bytes but shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected}`);
    entries.push([name, entry as HeaderEntry]);
  }
  // In data order, the tensors must tile the data section: each starts where the previous one ended.
  const order = [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0] || a[1].data_offsets[1] - b[1].data_offsets[1]);
  let covered = 0, previous = '';
  for (const [name, { data_offsets: [begin, end] }] of order) {
    if (begin < covered) fail(`tensors ${preview(previous)} and ${preview(name)} overlap`);
    if (begin > covered) fail(`bytes ${covered}..${begin} of the data section belong to no tensor (before ${preview(name)})`);
    covered = end;
    previous = name;
  }
  if (covered !== dataLength) fail(`the tensors cover ${covered} bytes but the data section has ${dataLength} (a wrong header length, or bytes belonging to no tensor)`);
  return { entries, metadata, dataStart };
}

export function readSafetensors(input: Uint8Array | ArrayBuffer, opts: { maxBytes?: number; budget?: MemoryBudget } = {}): StateDict {
  const bytes = asBytes(input);
  const { entries, dataStart } = parseHeader(bytes);
  const budget = opts.budget ?? new MemoryBudget(opts.maxBytes ?? defaultMaxBytes(bytes.length), bytes.length);
  const sd: StateDict = new Map();
  for (const [name, { dtype, shape, data_offsets: [begin, end] }] of entries) {
    const type = DTYPES[dtype];
    budget.charge((numel(shape) * (isFloatType(type) ? 4 : 8)), `tensor ${preview(name)}`);
    const data = decodeElements(bytes.subarray(dataStart + begin, dataStart + end), type);
    sd.set(name, data instanceof Float32Array ? { dtype: 'f32', shape: [...shape], data } : { dtype: 'i64', shape: [...shape], data });
  }
  return sd;
}

/** Read only the __metadata__ string map of a safetensors file (empty when absent). */
export function readSafetensorsMetadata(input: Uint8Array | ArrayBuffer): Record<string, string> {
  return parseHeader(asBytes(input)).metadata;
}

/** Serialise a state dict (float tensors as F32, or F16 with `floats: 'f16'`; I64; in Map order) as safetensors bytes. */
export function writeSafetensors(sd: StateDict, metadata?: Record<string, string>, floats: 'f32' | 'f16' = 'f32'): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new Error(`safetensors metadata "${k}" must be a string`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const tensors: HostTensor[] = [];
  for (const [name, t] of sd) {
    if (name === '__metadata__') throw new Error('a tensor cannot be named "__metadata__" in safetensors');
    if (t.data.length !== numel(t.shape)) throw new Error(`tensor "${name}" has ${t.data.length} values but shape [${t.shape}]`);
    const bytes = t.dtype === 'f32' && floats === 'f16' ? 2 * t.data.length : t.data.byteLength;
    header[name] = { dtype: t.dtype === 'f32' ? (floats === 'f16' ? 'F16' : 'F32') : 'I64', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
    tensors.push(t);
  }
  // Pad the header with spaces so tensor data starts 8-byte aligned, as the spec recommends.
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    const src = t.data;
    if (src instanceof Float32Array && floats === 'f16') {
      const le = new DataView(out.buffer, at, 2 * src.length);
      for (let i = 0; i < src.length; i++) le.setUint16(i * 2, floatToHalf(src[i]), true);
      at += 2 * src.length;
      continue;
    }
    const le = new DataView(out.buffer, at, src.byteLength);
    // safetensors is little endian: copy bytes as they are on such hosts, else write each value explicitly.
    if (hostIsLittleEndian) out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), at);
    else if (src instanceof Float32Array) for (let i = 0; i < src.length; i++) le.setFloat32(i * 4, src[i], true);
    else for (let i = 0; i < src.length; i++) le.setBigInt64(i * 8, src[i], true);
    at += src.byteLength;
  }
  return out;
}
