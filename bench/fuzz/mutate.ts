// The fuzz benchmark's cases: real checkpoints (scripts/fuzz/make_seeds.py's .pth files, and
// safetensors files written from them) changed by one mutation each, chosen by a seeded generator
// so that case i is the same on every run. Mutations: bit flips and overwrites anywhere; truncation
// at every structural boundary; lies in zip header fields (sizes, offsets, counts, names, methods)
// and in the safetensors header (its length, dtypes, shapes, offsets, names, metadata); duplicate
// and renamed zip entries; pickle opcode edits (the archive rebuilt around the edited pickle, so the
// edit reaches the unpickler); storage types and sizes changed inside the pickle; compression bombs.
import { readZipDirectory, entryBytes } from '../../src/weights/zip.ts';
import { MemoryBudget } from '../../src/weights/budget.ts';
import { makeZip, type ZipPart } from '../../test/helpers/zip.ts';
import { Lcg } from '../../src/util/random.ts';

export interface Seed { name: string; kind: 'p' | 's'; bytes: Uint8Array; /** bytes of its tensors as webvit holds them (f32 / i64) */ weights: number }
export interface Case { id: number; seed: string; kind: 'p' | 's'; family: string; mutation: string; bytes: Uint8Array; weights: number }

type Rng = Lcg;

const SPECIAL_U32 = [0, 1, 2, 3, 4, 7, 8, 64, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const lie = (r: Rng, v: number): number => {
  const k = r.int(4);
  if (k === 0) return r.pick(SPECIAL_U32);
  if (k === 1) return Math.max(0, v + r.pick([-64, -8, -4, -1, 1, 4, 8, 64]));
  if (k === 2) return (v * r.pick([2, 16, 1024])) >>> 0;
  return r.int(2 ** 32);
};

function bitflip(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const out = b.slice(), n = 1 + r.int(8), at: number[] = [];
  for (let i = 0; i < n; i++) { const p = r.int(out.length); out[p] ^= 1 << r.int(8); at.push(p); }
  return [out, `flip ${n} bits at ${at.join(',')}`];
}
function overwrite(r: Rng, b: Uint8Array): [Uint8Array, string] {
  const out = b.slice(), at = r.int(out.length), n = 1 + r.int(8), v = r.pick([0, 0xff, 0x7f, 0x80, -1]);
  for (let i = at; i < Math.min(out.length, at + n); i++) out[i] = v < 0 ? r.int(256) : v;
  return [out, `overwrite ${n} bytes at ${at} with ${v < 0 ? 'random' : v}`];
}
function truncate(r: Rng, b: Uint8Array, boundaries: number[]): [Uint8Array, string] {
  const cut = r.next() < 0.8 && boundaries.length ? Math.max(0, Math.min(b.length - 1, r.pick(boundaries) + r.pick([-1, 0, 0, 1]))) : r.int(b.length);
  return [b.subarray(0, cut), `truncate at ${cut} of ${b.length}`];
}

// ---- zip (.pth) seeds -------------------------------------------------------------------------

interface ZipLayout { parts: ZipPart[]; local: number[]; central: number[]; end: number; pickle: number }
function layout(bytes: Uint8Array): ZipLayout {
  const dir = readZipDirectory(bytes), budget = new MemoryBudget(Infinity, bytes.length);
  const parts = [...dir.values()].map((e) => ({ name: e.name, data: entryBytes(bytes, e, budget), method: e.method }));
  const z = makeZip(parts);
  return { parts, local: z.local, central: z.central, end: z.end, pickle: parts.findIndex((p) => String(p.name).endsWith('data.pkl')) };
}
const u32 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(at, v >>> 0, true);
const u16 = (b: Uint8Array, at: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint16(at, v & 0xffff, true);

/** Header fields worth lying in: [name, offset within the record, width]. */
const LOCAL_FIELDS = [['method', 8, 2], ['crc', 14, 4], ['csize', 18, 4], ['size', 22, 4], ['nameLength', 26, 2], ['extraLength', 28, 2]] as const;
const CENTRAL_FIELDS = [['flags', 8, 2], ['method', 10, 2], ['crc', 16, 4], ['csize', 20, 4], ['size', 24, 4], ['nameLength', 28, 2],
  ['extraLength', 30, 2], ['commentLength', 32, 2], ['localOffset', 42, 4]] as const;
const END_FIELDS = [['disk', 4, 2], ['entriesHere', 8, 2], ['entries', 10, 2], ['cdSize', 12, 4], ['cdOffset', 16, 4], ['commentLength', 20, 2]] as const;

function zipField(r: Rng, seed: Uint8Array, z: ZipLayout): [Uint8Array, string] {
  const out = makeZip(z.parts).bytes; // the rebuilt archive the layout's offsets describe
  const where = r.int(3);
  const [records, fields, label] = where === 0 ? [z.local, LOCAL_FIELDS, 'local'] : where === 1 ? [z.central, CENTRAL_FIELDS, 'central'] : [[z.end], END_FIELDS, 'end'];
  const i = r.int(records.length), [name, off, width] = r.pick(fields as readonly (readonly [string, number, number])[]);
  const at = records[i] + off, old = width === 4 ? new DataView(out.buffer).getUint32(at, true) : new DataView(out.buffer).getUint16(at, true);
  const v = lie(r, old);
  (width === 4 ? u32 : u16)(out, at, v);
  void seed;
  return [out, `${label}[${i}].${name} ${old} -> ${v >>> 0}`];
}

const STORAGE_NAMES = ['FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage', 'LongStorage', 'IntStorage', 'ShortStorage', 'CharStorage',
  'ByteStorage', 'BoolStorage', 'ComplexFloatStorage', 'QInt8Storage', 'Storage', 'UntypedStorage'];

/** Pickle edits: opcode bytes, integer arguments (sizes, strides, offsets, numels), storage type names, byte ranges. */
function picklePatch(r: Rng, pkl: Uint8Array): [Uint8Array, string] {
  const k = r.int(6);
  if (k === 0) { // an integer argument: BININT1 (K), BININT2 (M), BININT (J)
    const at: number[] = [];
    for (let i = 2; i < pkl.length - 1; i++) if (pkl[i] === 0x4b || pkl[i] === 0x4d || pkl[i] === 0x4a) at.push(i);
    if (at.length) {
      const p = r.pick(at), out = pkl.slice(), width = pkl[p] === 0x4b ? 1 : pkl[p] === 0x4d ? 2 : 4;
      const v = r.pick([0, 1, 2, 3, 255, 65535, 0x7fffffff, 0xffffffff, r.int(300)]);
      for (let j = 0; j < width && p + 1 + j < out.length; j++) out[p + 1 + j] = (v >>> (8 * j)) & 0xff;
      return [out, `integer at ${p} (width ${width}) -> ${v}`];
    }
  }
  if (k === 1) { // a storage type name
    const text = new TextDecoder('latin1').decode(pkl), names = STORAGE_NAMES.filter((n) => text.includes(n));
    if (names.length) {
      const from = r.pick(names), to = r.pick(STORAGE_NAMES), i = text.indexOf(from);
      const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
      let head = pkl.subarray(0, i);
      // SHORT_BINUNICODE (protocol 4) carries its length in the byte before the text.
      if (i > 0 && pkl[i - 2] === 0x8c && pkl[i - 1] === from.length) head = Uint8Array.from([...pkl.subarray(0, i - 1), to.length]);
      return [Uint8Array.from([...head, ...enc(to), ...pkl.subarray(i + from.length)]), `storage type ${from} -> ${to}`];
    }
  }
  if (k === 2) { const out = pkl.slice(), p = r.int(out.length); const v = r.int(256); out[p] = v; return [out, `opcode byte at ${p} -> 0x${v.toString(16)}`]; }
  if (k === 3) { const p = r.int(pkl.length), n = 1 + r.int(16); return [Uint8Array.from([...pkl.subarray(0, p), ...pkl.subarray(p + n)]), `delete ${n} bytes at ${p}`]; }
  if (k === 4) { const p = r.int(pkl.length), n = 1 + r.int(32), q = r.int(pkl.length); return [Uint8Array.from([...pkl.subarray(0, q), ...pkl.subarray(p, p + n), ...pkl.subarray(q)]), `copy ${n} bytes from ${p} to ${q}`]; }
  const p = r.int(pkl.length), ops = [0x28, 0x29, 0x2e, 0x30, 0x32, 0x5d, 0x61, 0x65, 0x71, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x87, 0x8a, 0x8b, 0x93, 0x94, 0x52, 0x62, 0x51];
  const op = r.pick(ops);
  return [Uint8Array.from([...pkl.subarray(0, p), op, ...pkl.subarray(p)]), `insert opcode 0x${op.toString(16)} at ${p}`];
}

function repack(r: Rng, z: ZipLayout): [Uint8Array, string, string] {
  const parts = z.parts.map((p) => ({ ...p }));
  const storages = parts.map((p, i) => [p, i] as const).filter(([p]) => /\/data\/\d+$/.test(String(p.name))).map(([, i]) => i);
  const k = r.int(8);
  if (k <= 2) { // the pickle, edited
    const [pkl, m] = picklePatch(r, parts[z.pickle].data);
    parts[z.pickle] = { ...parts[z.pickle], data: pkl };
    return [makeZip(parts).bytes, 'pickle', m];
  }
  if (k === 3) { // a duplicate entry (same name or differing in case), with other bytes
    const i = r.int(parts.length), p = parts[i], name = r.next() < 0.5 ? p.name : String(p.name).toUpperCase();
    const dup = { ...p, name, data: p.data.map((v) => v ^ 0x55) };
    const at = r.int(parts.length + 1);
    parts.splice(at, 0, dup);
    return [makeZip(parts).bytes, 'duplicate', `entry ${String(p.name)} again as ${String(name)} at ${at}`];
  }
  if (k === 4) { // a renamed or dropped entry
    const i = r.int(parts.length), p = parts[i], how = r.int(5);
    const name = String(p.name);
    const renamed = [name.replace(/^[^/]*\//, 'other/'), name.replace(/\//g, ''), name + '\u00e9', '', 'x/'.repeat(40) + name][how];
    if (r.next() < 0.3) { parts.splice(i, 1); return [makeZip(parts).bytes, 'rename', `drop ${name}`]; }
    parts[i] = { ...p, name: how === 1 && r.next() < 0.5 ? Uint8Array.from([...new TextEncoder().encode(renamed), 0xff]) : renamed };
    return [makeZip(parts).bytes, 'rename', `${name} -> ${JSON.stringify(renamed).slice(0, 60)}`];
  }
  // compression: honest, a bomb (declared smaller), a huge declared size, or a short deflate stream
  const i = storages.length ? r.pick(storages) : z.pickle, p = parts[i], how = r.int(4);
  if (how === 0) { parts[i] = { ...p, method: 8 }; return [makeZip(parts).bytes, 'deflate', `deflate ${String(p.name)}`]; }
  if (how === 1) {
    const big = new Uint8Array(r.pick([1 << 20, 8 << 20, 32 << 20]));
    parts[i] = { ...p, data: big, method: 8, size: r.pick([16, p.data.length, 4096]) };
    return [makeZip(parts).bytes, 'bomb', `${String(p.name)}: ${big.length} zero bytes deflated, declared ${parts[i].size}`];
  }
  if (how === 2) { parts[i] = { ...p, method: 8, size: r.pick([256 << 20, 0x7fffffff, 0xffffffff]) }; return [makeZip(parts).bytes, 'bomb', `${String(p.name)} declared ${parts[i].size} bytes`]; }
  parts[i] = { ...p, method: 8, compressedSize: undefined };
  const zb = makeZip(parts), cut = zb.bytes.slice();
  const view = new DataView(cut.buffer), c = zb.central[i];
  const cs = view.getUint32(c + 20, true), half = Math.floor(cs / 2);
  view.setUint32(c + 20, half, true); view.setUint32(zb.local[i] + 18, half, true);
  return [cut, 'deflate', `${String(p.name)}'s deflate stream cut to ${half} of ${cs} bytes`];
}

function pthCase(r: Rng, seed: Seed): [Uint8Array, string, string] {
  const k = r.int(10);
  if (seed.bytes[0] !== 0x50) { // a legacy (not zip) file: byte-level mutations only
    const [b, m] = k < 4 ? bitflip(r, seed.bytes) : k < 7 ? overwrite(r, seed.bytes) : truncate(r, seed.bytes, []);
    return [b, k < 4 ? 'bitflip' : k < 7 ? 'overwrite' : 'truncate', m];
  }
  const z = layout(seed.bytes);
  if (k <= 1) { const [b, m] = bitflip(r, seed.bytes); return [b, 'bitflip', m]; }
  if (k === 2) { const [b, m] = overwrite(r, seed.bytes); return [b, 'overwrite', m]; }
  if (k === 3) {
    const rebuilt = makeZip(z.parts);
    const bounds = [...rebuilt.local, ...rebuilt.local.map((l) => l + 30), ...rebuilt.data, ...rebuilt.central, rebuilt.end, rebuilt.end + 12, rebuilt.end + 20];
    const [b, m] = truncate(r, rebuilt.bytes, bounds);
    return [b, 'truncate', m];
  }
  if (k <= 5) { const [b, m] = zipField(r, seed.bytes, z); return [b, 'zip-field', m]; }
  return repack(r, z);
}

// ---- safetensors seeds ------------------------------------------------------------------------

function splitSafetensors(b: Uint8Array): { header: Record<string, unknown>; data: Uint8Array; n: number } {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))), data: b.subarray(8 + n), n };
}
function joinSafetensors(json: Uint8Array, data: Uint8Array, headerLength = json.length): Uint8Array {
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8); out.set(data, 8 + json.length);
  return out;
}
const DTYPE_LIES = ['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'U16', 'U32', 'U64', 'F8_E4M3', 'X', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

function safetensorsCase(r: Rng, seed: Seed): [Uint8Array, string, string] {
  const { header, data, n } = splitSafetensors(seed.bytes);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const k = r.int(10);
  if (k === 0) { const [b, m] = bitflip(r, seed.bytes); return [b, 'bitflip', m]; }
  if (k === 1) { const [b, m] = overwrite(r, seed.bytes); return [b, 'overwrite', m]; }
  if (k === 2) {
    const ends = names.flatMap((name) => (header[name] as { data_offsets: number[] }).data_offsets.map((o) => 8 + n + o));
    const [b, m] = truncate(r, seed.bytes, [0, 4, 8, 8 + n, ...ends]);
    return [b, 'truncate', m];
  }
  if (k === 3) { // the header length lies
    const d = r.pick([-16, -8, -3, -2, -1, 1, 2, 3, 8, 16]), v = r.next() < 0.8 ? Math.max(0, n + d) : r.pick([0, 1, 2 ** 32, 2 ** 53, 100_000_001]);
    const out = seed.bytes.slice();
    new DataView(out.buffer).setBigUint64(0, BigInt(v), true);
    return [out, 'st-length', `header length ${n} -> ${v}`];
  }
  const h = JSON.parse(JSON.stringify(header)) as Record<string, Record<string, unknown>>;
  const name = r.pick(names), t = h[name];
  let what: string;
  const j = r.int(9);
  if (j === 0) { t.dtype = r.pick(DTYPE_LIES); what = `${name}.dtype -> ${JSON.stringify(t.dtype)}`; }
  else if (j === 1) {
    const shape = [...(t.shape as number[])], d = shape.length ? r.int(shape.length) : 0, how = r.int(5);
    if (how === 0 && shape.length) shape[d] += r.pick([-1, 1]); else if (how === 1) shape.push(r.pick([1, 2, 0])); else if (how === 2) shape.pop();
    else if (how === 3 && shape.length) shape[d] = r.pick([-1, 1.5, 2 ** 53, 1e300]) as number; else shape.reverse();
    t.shape = shape; what = `${name}.shape -> ${JSON.stringify(shape)}`;
  } else if (j === 2) {
    const o = [...(t.data_offsets as number[])], e = r.int(2);
    o[e] = r.next() < 0.7 ? Math.max(0, o[e] + r.pick([-8, -4, -2, -1, 1, 2, 4, 8])) : r.pick([0, -1, 2 ** 53, 1.5]);
    t.data_offsets = o; what = `${name}.data_offsets -> ${JSON.stringify(o)}`;
  } else if (j === 3) { delete h[name]; what = `drop ${name}`; }
  else if (j === 4) { h[`${name}_copy`] = { ...t }; what = `${name} described twice`; }
  else if (j === 5) { h.__metadata__ = r.pick([{ a: 1 }, [], 'x', { a: 'b' }, null]) as never; what = `__metadata__ -> ${JSON.stringify(h.__metadata__)}`; }
  else if (j === 6) { h[r.pick(['\ud800', 'a\udfff', '\u00e9', ''])] = { ...t }; delete h[name]; what = `${name} renamed oddly`; }
  else if (j === 7) { // a duplicated key in the JSON text itself
    const json = JSON.stringify(h).replace('{', `{${JSON.stringify(name)}:${JSON.stringify({ ...t, data_offsets: [0, 0], shape: [0] })},`);
    return [joinSafetensors(new TextEncoder().encode(json), data), 'st-header', `${name} twice in the JSON`];
  } else { // data bytes added or removed
    const d = r.pick([-8, -4, -1, 1, 4, 8]);
    const more = d > 0 ? Uint8Array.from([...data, ...new Uint8Array(d)]) : data.subarray(0, data.length + d);
    return [joinSafetensors(new TextEncoder().encode(JSON.stringify(header)), more), 'st-data', `data section ${d > 0 ? '+' : ''}${d} bytes`];
  }
  let json = new TextEncoder().encode(JSON.stringify(h));
  if (r.next() < 0.1) { const i = r.int(json.length); json = Uint8Array.from([...json.subarray(0, i), 0xff, ...json.subarray(i)]); what += ' and an invalid UTF-8 byte'; }
  return [joinSafetensors(json, data), 'st-header', what];
}

/** Case `id` (0, 1, 2, …) of the run seeded with `runSeed`: a seed file and one mutation of it. */
export function makeCase(seeds: Seed[], id: number, runSeed = 1): Case {
  const r = new Lcg((Math.imul(runSeed, 0x9e3779b1) + Math.imul(id, 0x85ebca6b)) >>> 0);
  const seed = seeds[id % seeds.length];
  const [bytes, family, mutation] = seed.kind === 'p' ? pthCase(r, seed) : safetensorsCase(r, seed);
  return { id, seed: seed.name, kind: seed.kind, family, mutation, bytes, weights: seed.weights };
}
