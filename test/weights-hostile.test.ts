// Broken and hostile checkpoints, each built from a real file (torch.save's, or a safetensors file):
// the reader refuses what PyTorch or the safetensors library would refuse or read differently, stays
// linear and inside its memory budget on hostile sizes, and always fails with an Error that says what
// is wrong (never an engine error such as a RangeError).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadStateDict } from '../src/weights/load.ts';
import { readZipDirectory, entryBytes } from '../src/weights/zip.ts';
import { MemoryBudget } from '../src/weights/budget.ts';
import { unpickle } from '../src/weights/pickle.ts';
import { readSafetensors, writeSafetensors } from '../src/weights/safetensors.ts';
import type { HostTensor, StateDict } from '../src/weights/tensor.ts';
import { fixture, hasTorch, removeFixtures } from './helpers/pth-fixtures.ts';
import { crc32, makeZip, type ZipPart } from './helpers/zip.ts';

after(removeFixtures);
const torchTest = (name: string, body: () => void) => test(name, (t) => (hasTorch ? body() : t.skip('python3-torch not installed')));

/** Throws an Error (exactly: not a RangeError or TypeError) whose message matches `re`; returns it. */
function refuses(run: () => unknown, re: RegExp, what: string): Error {
  let thrown: unknown;
  try {
    run();
  } catch (e) {
    thrown = e;
  }
  // Outside the catch: an assertion made here can never be caught and taken for the refusal.
  if (thrown === undefined) assert.fail(`${what}: loaded`);
  assert.ok(thrown instanceof Error && thrown.constructor === Error, `${what}: threw ${(thrown as Error)?.constructor?.name}: ${(thrown as Error)?.message}`);
  assert.match(thrown.message, re, what);
  return thrown;
}

/** The entries of a real torch.save archive, to rebuild it with one thing changed. */
function partsOf(bytes: Uint8Array): ZipPart[] {
  const budget = new MemoryBudget(Infinity, bytes.length);
  return [...readZipDirectory(bytes).values()].map((e) => ({ name: e.name, data: entryBytes(bytes, e, budget) }));
}
const sameStateDict = (a: StateDict, b: StateDict) => {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [k, t] of a) assert.deepEqual(b.get(k), t, k);
};

torchTest('zip: a rebuilt archive loads as the original; stored or deflated', () => {
  const real = fixture('bare.pth');
  const want = loadStateDict(real);
  sameStateDict(loadStateDict(makeZip(partsOf(real)).bytes), want);
  sameStateDict(loadStateDict(makeZip(partsOf(real).map((p) => ({ ...p, method: 8 }))).bytes), want);
});

torchTest('zip: the directory, local headers and names must agree, as PyTorch reads them', () => {
  const parts = partsOf(fixture('bare.pth'));
  const storage = parts.findIndex((p) => String(p.name).endsWith('data/0'));
  const z = makeZip(parts);
  const edit = (at: number, v: number) => { const b = z.bytes.slice(); b[at] = v; return b; };
  refuses(() => loadStateDict(makeZip(parts, { cdOffsetDelta: -8 }).bytes), /central directory entry 0 is not where the directory says/, 'central directory offset 8 bytes early');
  refuses(() => loadStateDict(makeZip(parts, { cdOffsetDelta: 8 }).bytes), /central directory entry 0 is not where the directory says/, 'central directory offset 8 bytes late');
  refuses(() => loadStateDict(makeZip(parts, { cdOffsetDelta: -46 }).bytes), /central directory entry 0 is not where the directory says/, 'central directory offset into the data');
  refuses(() => loadStateDict(edit(z.local[storage], 0x51)), /local header is not where the directory says/, 'local header signature');
  refuses(() => loadStateDict(edit(z.local[storage] + 30, 0x41)), /local header names another entry/, 'local header name');
  refuses(() => loadStateDict(makeZip([...parts, { ...parts[storage], data: new Uint8Array(parts[storage].data.length) }]).bytes), /listed twice/, 'duplicate entry');
  const badName = Uint8Array.from([0x61, 0xff, 0xfe]);
  refuses(() => loadStateDict(makeZip([...parts, { name: badName, data: new Uint8Array(1) }]).bytes), /name is not valid UTF-8/, 'invalid UTF-8 entry name');
  refuses(() => loadStateDict(makeZip(parts.map((p, i) => (i === storage ? { ...p, size: p.data.length + 4 } : p))).bytes), /says \d+ bytes but holds/, 'stored size lie');
  refuses(() => loadStateDict(makeZip(parts, { entryCount: 60000 }).bytes), /entries cannot fit/, 'entry count lie');
  refuses(() => loadStateDict(z.bytes.subarray(0, z.end + 10)), /no end-of-central-directory record/, 'truncated end record');
});

torchTest('zip: where miniz would read other bytes than the archive holds, the entry is refused: a directory-marked entry, a deflated one whose CRC fails', () => {
  const parts = partsOf(fixture('bare.pth'));
  const storage = parts.findIndex((p) => String(p.name).endsWith('data/0'));
  // The MS-DOS directory attribute (bit 4 of the external attributes): miniz extracts nothing from such an entry and reports success.
  const z = makeZip(parts), marked = z.bytes.slice();
  marked[z.central[storage] + 38] |= 0x10;
  refuses(() => loadStateDict(marked), /entry "[^"]*data\/0" is marked as a directory but holds \d+ bytes/, 'directory attribute');
  // A corrupt deflate stream that inflates to its declared size: decoders differ on it (PyTorch builds miniz without CRC checks).
  refuses(() => loadStateDict(makeZip(parts.map((p, i) => (i === storage ? { ...p, method: 8, crc: crc32(p.data) ^ 1 } : p))).bytes), /deflated entry "[^"]*data\/0" fails its CRC-32 check/, 'deflated CRC');
  // Stored entries are read as they are, as PyTorch reads them: their CRC is not checked.
  sameStateDict(loadStateDict(makeZip(parts.map((p, i) => (i === storage ? { ...p, crc: crc32(p.data) ^ 1 } : p))).bytes), loadStateDict(z.bytes));
});

torchTest('pickle: a storage reference has exactly the five fields PyTorch unpacks', () => {
  const parts = partsOf(fixture('bare.pth'));
  const i = parts.findIndex((p) => String(p.name).endsWith('data.pkl'));
  const pkl = parts[i].data;
  // The first storage reference: TUPLE, then BINPERSID, with the tuple memoised between (BINPUT n) or not.
  const at = pkl.findIndex((b, j) => b === 0x74 && (pkl[j + 1] === 0x51 || (pkl[j + 1] === 0x71 && pkl[j + 3] === 0x51)));
  assert.ok(at > 0, 'no storage reference found');
  const six = Uint8Array.from([...pkl.subarray(0, at), 0x32, ...pkl.subarray(at)]); // DUP before TUPLE: its numel twice
  refuses(() => loadStateDict(makeZip(parts.map((p, j) => (j === i ? { ...p, data: six } : p))).bytes),
    /references an unsupported persistent object \(expected \('storage', type, key, location, numel\)\)/, 'a six-field storage reference');
});

torchTest('zip: inflation stops at the declared size and within the memory budget; a caller can raise the budget', () => {
  const parts = partsOf(fixture('bare.pth'));
  const storage = parts.findIndex((p) => String(p.name).endsWith('data/0'));
  const zeros = new Uint8Array(8 << 20);
  // A bomb: 8 MiB of zeros declared as 16 bytes.
  refuses(() => loadStateDict(makeZip(parts.map((p, i) => (i === storage ? { ...p, data: zeros, method: 8, size: 16 } : p))).bytes),
    /inflates past its declared 16 bytes/, 'compression bomb');
  // A small file declaring a 256 MiB entry: refused before any inflation.
  const huge = makeZip(parts.map((p, i) => (i === storage ? { ...p, data: zeros.subarray(0, 1 << 20), method: 8, size: 256 << 20 } : p))).bytes;
  refuses(() => loadStateDict(huge), /memory budget of \d+ bytes .*larger maxBytes/, 'declared size past the budget');
  // Honest but highly compressed: past the default budget, within a raised one.
  const dense = makeZip(parts.map((p, i) => (i === storage ? { ...p, data: zeros, method: 8 } : p))).bytes;
  refuses(() => loadStateDict(dense), /memory budget of \d+ bytes .*larger maxBytes/, 'compressed 800× under the default budget');
  assert.ok(loadStateDict(dense, { maxBytes: 64 << 20 }).size > 0, 'a raised budget reads it');
});

test('pickle: integers, nesting and strings have limits, and messages never recurse into hostile data', () => {
  const le32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24];
  const long4 = (n: number) => Uint8Array.from([0x80, 2, 0x8b, ...le32(n), ...new Uint8Array(n).fill(0x7f), 0x2e]);
  refuses(() => unpickle(long4(300 << 10)), /an integer of 307200 bytes/, 'a 300 KiB LONG4');
  assert.equal(unpickle(long4(1024)), BigInt(`0x${'7f'.repeat(1024)}`));
  assert.equal(unpickle(Uint8Array.from([0x80, 2, 0x8a, 2, 0xff, 0x7f, 0x2e])), 32767);
  assert.equal(unpickle(Uint8Array.from([0x80, 2, 0x8a, 1, 0x80, 0x2e])), -128);
  refuses(() => unpickle(Uint8Array.from([0x80, 2, ...new Uint8Array(2000).fill(0x28), 0x2e])), /MARKs nested more than 1000 deep/, 'MARK nesting');
  // {'a': [[[...]]]} 100,000 lists deep, inside a checkpoint: the error describes the value without walking it.
  const depth = 100_000;
  const nested = Uint8Array.from([0x80, 2, 0x7d, 0x58, 1, 0, 0, 0, 0x61, ...new Uint8Array(depth).fill(0x5d), ...new Uint8Array(depth - 1).fill(0x61), 0x73, 0x2e]);
  refuses(() => loadStateDict(makeZip([{ name: 'archive/data.pkl', data: nested }, { name: 'archive/version', data: Uint8Array.of(0x33) }]).bytes),
    /\["a"\] is a list of 1, not a tensor/, 'deep nesting');
  // Names that are not UTF-8 would decode to U+FFFD and collide; they are refused instead.
  const key = (b: number) => [0x58, 2, 0, 0, 0, 0x61, b];
  refuses(() => unpickle(Uint8Array.from([0x80, 2, 0x7d, ...key(0xff), 0x4b, 1, ...key(0xfe), 0x4b, 2, 0x75, 0x2e])), /not valid UTF-8/, 'invalid UTF-8 key');
  refuses(() => unpickle(Uint8Array.from([0x80, 2, 0x7d, 0x28, ...key(0xff), 0x4b, 1, ...key(0xfe), 0x4b, 2, 0x75, 0x2e])), /not valid UTF-8/, 'invalid UTF-8 keys');
  // A refused global with a huge name is quoted by a bounded prefix.
  const name = 'x'.repeat(100_000);
  const e = refuses(() => unpickle(Uint8Array.from([0x80, 2, 0x63, ...new TextEncoder().encode(`os\n${name}\n`), 0x2e])),
    /^refusing to load: the checkpoint references the Python global "os\.x{20,}…, which a state_dict never needs/, 'a refused global with a 100,000-character name');
  assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
});

/** A real safetensors file whose JSON header is padded with ≥ `pad` spaces (the format pads to 8 bytes). */
function safetensorsFile(pad = 3): { bytes: Uint8Array; headerLength: number } {
  const sd: StateDict = new Map<string, HostTensor>([
    ['a', { dtype: 'f32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['b', { dtype: 'i64', shape: [2], data: BigInt64Array.from([5n, -6n]) }],
  ]);
  for (let note = ''; ; note += 'x') {
    const bytes = writeSafetensors(sd, { note });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    if (new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)).endsWith(' '.repeat(pad))) return { bytes, headerLength };
  }
}
/** A safetensors file from a header object and a data section. */
function withHeader(header: string | Uint8Array, data: Uint8Array): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('safetensors: the header must tile the data exactly, in valid UTF-8 JSON with known dtypes, as the safetensors library requires', () => {
  const { bytes, headerLength } = safetensorsFile();
  assert.deepEqual([...readSafetensors(bytes).keys()], ['a', 'b']);
  const short = bytes.slice();
  new DataView(short.buffer).setBigUint64(0, BigInt(headerLength - 3), true);
  refuses(() => readSafetensors(short), /cover 32 bytes but the data section has 35/, 'header length 3 bytes short (into the padding)');
  const data = bytes.subarray(8 + headerLength);
  refuses(() => readSafetensors(withHeader('{}', data)), /cover 0 bytes but the data section has 32/, 'empty header with data');
  refuses(() => readSafetensors(withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data.subarray(0, 8))), /bytes 0\.\.4 .* belong to no tensor/, 'gap');
  refuses(() => readSafetensors(withHeader('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data.subarray(0, 8))), /cover 4 bytes but the data section has 8/, 'trailing bytes');
  refuses(() => readSafetensors(withHeader('{"a":{"dtype":"__proto__","shape":[1],"data_offsets":[0,4]}}', data.subarray(0, 4))), /unsupported dtype "__proto__"/, 'dtype __proto__');
  refuses(() => readSafetensors(withHeader('{"a":{"dtype":"toString","shape":[1],"data_offsets":[0,4]}}', data.subarray(0, 4))), /unsupported dtype "toString"/, 'dtype toString');
  const utf8 = Uint8Array.from([...new TextEncoder().encode('{"a\xff":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')].map((c) => (c === 0xc3 ? 0xff : c)));
  refuses(() => readSafetensors(withHeader(utf8.filter((c) => c !== 0xbf), data.subarray(0, 4))), /not valid UTF-8/, 'invalid UTF-8 name');
  refuses(() => readSafetensors(withHeader('{"a\\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data.subarray(0, 4))), /unpaired surrogate/, 'lone surrogate name');
  refuses(() => readSafetensors(withHeader('{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', data.subarray(0, 4))), /__metadata__\["k"\] is not a string/, 'metadata value');
  // What the library accepts, webvit reads too: a null __metadata__, the unsigned types (U64 wraps to int64 as numpy's astype does).
  const u64 = new Uint8Array(16); new DataView(u64.buffer).setBigUint64(0, 2n ** 64n - 1n, true); new DataView(u64.buffer).setBigUint64(8, 7n, true);
  const read = readSafetensors(withHeader('{"__metadata__":null,"a":{"dtype":"U64","shape":[2],"data_offsets":[0,16]}}', u64));
  assert.deepEqual([...(read.get('a')!.data as BigInt64Array)], [-1n, 7n]);
  refuses(() => readSafetensors(withHeader(' {}', new Uint8Array(0))), /does not start with "\{"/, 'leading space');
  refuses(() => readSafetensors(withHeader(`{"a":{"dtype":"F32","shape":[${'['.repeat(50_000)}]]}}`, new Uint8Array(0))), /header is not valid JSON/, 'deep JSON');
});
