// Checkpoint readers (torch .pth, safetensors) and BatchNorm folding. The .pth fixtures are written at
// test time by test/fixtures/make_pth_fixtures.py with the system python3-torch, when it is installed.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { fixture, fixtureDir, hasTorch, removeFixtures } from './helpers/pth-fixtures.ts';
import { unzipSync, zipSync } from 'fflate';
import { loadStateDict } from '../src/weights/load.ts';
import { readPth } from '../src/weights/pth.ts';
import { unpickle } from '../src/weights/pickle.ts';
import { readSafetensors, readSafetensorsMetadata, writeSafetensors } from '../src/weights/safetensors.ts';
import { foldBatchNorm, foldBatchNormIntoLinearInput, foldInputAffine } from '../src/weights/fold.ts';
import type { HostTensor, StateDict } from '../src/weights/tensor.ts';
import { allHalfExact, toHalves } from '../src/weights/dtype.ts';
import { Lcg, randomFloats } from '../src/util/random.ts';

type Expected = Record<string, Record<string, { dtype: 'f32' | 'i64'; shape: number[]; values: (number | string)[] }>>;
const fixtures = fixtureDir;
after(removeFixtures);

/** Float values compare as float32 bit patterns (so -0 and infinities count), NaN by NaN-ness. */
function assertTensor(actual: HostTensor | undefined, expected: Expected[string][string], what: string): void {
  assert.ok(actual, `${what} is missing`);
  assert.equal(actual.dtype, expected.dtype, `${what} dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what} shape`);
  const isNaNBits = (b: number) => (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0;
  const got = actual.dtype === 'f32'
    ? [...new Uint32Array(actual.data.buffer, actual.data.byteOffset, actual.data.length)].map((b) => (isNaNBits(b) ? 'NaN' : b))
    : [...actual.data].map(String);
  const want = expected.values.map((v) => (typeof v === 'number' && isNaNBits(v) ? 'NaN' : v));
  assert.deepEqual(got, want, `${what} values`);
}

const torchTest = (name: string, body: () => void) => test(name, (t) => {
  if (!hasTorch) return t.skip('python3-torch not installed');
  body();
});

torchTest('torch.save checkpoints load with exact values, in file order', () => {
  const expected: Expected = JSON.parse(readFileSync(path.join(fixtures(), 'expected.json'), 'utf8'));
  // bare, wrapped_model, wrapped_state_dict, protocol4, dataparallel, module_state_dict (make_pth_fixtures.py)
  assert.ok(Object.keys(expected).length >= 6, `expected.json lists ${Object.keys(expected).length} files`);
  for (const [file, tensors] of Object.entries(expected)) {
    assert.ok(Object.keys(tensors).length > 0, `${file}: no tensors expected`);
    const sd = loadStateDict(fixture(file));
    assert.deepEqual([...sd.keys()], Object.keys(tensors), `${file} keys`);
    for (const [key, want] of Object.entries(tensors)) assertTensor(sd.get(key), want, `${file}:${key}`);
  }
  // Spot checks of what the cases cover: strided views copied out, a BN's int64 step counter.
  const bare = loadStateDict(fixture('bare.pth'));
  assert.deepEqual([...(bare.get('broadcast')!.data as Float32Array)], [1.5, -2, 1.5, -2, 1.5, -2]);
  assert.deepEqual([...(bare.get('view_b')!.data as Float32Array)], [2.5, 3.5, 4.5, 5, 6, 7, 7.5, 8.5, 9.5]);
  assert.equal(loadStateDict(fixture('module_state_dict.pth')).get('1.num_batches_tracked')?.dtype, 'i64');
});

torchTest('readPth keeps the non-tensor values of a training checkpoint', () => {
  const saved = readPth(fixture('wrapped_model.pth')) as Map<string, unknown>;
  assert.equal(saved.get('epoch'), 3);
  const args = saved.get('args') as Map<string, unknown>;
  assert.equal(args.get('lr'), 0.1);
  assert.equal(args.get('big'), 2n ** 70n);
  assert.equal(args.get('neg'), -(2 ** 40));
  assert.equal(args.get('name'), 'caf\u00e9');
  assert.deepEqual(args.get('tup'), [1, 2.5, null, true, new Uint8Array([0x78, 0x79])]);
  assert.ok(Object.isFrozen(args.get('tup')), 'tuples are frozen arrays');
  assert.match(String((args.get('dtype') as { qualifiedName: string }).qualifiedName), /^torch\.float16$/);
});

torchTest('malicious pickles are refused, naming the global', () => {
  for (const file of ['evil.pth', 'evil_protocol4.pth']) {
    assert.throws(() => loadStateDict(fixture(file)), /refusing to load: .*"(posix|os)\.system"/);
  }
});

torchTest('hostile tensor views cannot read out of bounds or exhaust memory', () => {
  assert.throws(() => loadStateDict(fixture('hostile_out_of_bounds.pth')), /reads element 9 but the storage holds only 1/);
  assert.throws(() => loadStateDict(fixture('hostile_broadcast.pth')), /broadcast view of 1099511627776 elements.*refusing/);
  assert.throws(() => loadStateDict(fixture('hostile_repeat.pth')), /beyond this load's memory budget .*larger maxBytes/);
});

torchTest('legacy torch files and TorchScript archives get advice to re-save', () => {
  assert.throws(() => loadStateDict(fixture('legacy.pth')), /legacy \(pre-1\.6\).*torch\.save/);
  assert.throws(() => loadStateDict(fixture('torchscript.pt')), /TorchScript archive.*state_dict\(\)/);
});

torchTest('truncated checkpoints fail with a clear error, never a crash or hang', () => {
  const whole = fixture('bare.pth');
  for (const keep of [1, 4, 100, Math.floor(whole.length / 2), whole.length - 30, whole.length - 1]) {
    assert.throws(() => loadStateDict(whole.subarray(0, keep)), /truncated|unrecognised checkpoint/, `cut at ${keep}`);
  }
  // A valid zip whose pickle stops early.
  const files = unzipSync(whole);
  const name = Object.keys(files).find((n) => n.endsWith('/data.pkl'))!;
  for (const keep of [0, 1, 50, files[name].length - 1]) {
    const cut = zipSync({ ...files, [name]: files[name].subarray(0, keep) }, { level: 0 });
    assert.throws(() => loadStateDict(cut), /checkpoint is truncated at byte \d+ of .*data\.pkl: .*re-download or re-save/, `pickle cut at ${keep}`);
  }
  // A storage entry shorter than its tensors need.
  const storage = Object.keys(files).find((n) => n.endsWith('/data/0'))!;
  const short = zipSync({ ...files, [storage]: files[storage].subarray(0, 4) }, { level: 0 });
  assert.throws(() => loadStateDict(short), /has 4 bytes but the checkpoint says it holds 6 f32 elements.*truncated or corrupt/);
});

/** Pickle bytes from opcodes (numbers) and latin-1 text (strings). */
const bytes = (...parts: (ArrayLike<number> | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : Array.from(p))));
const binunicode = (s: string) => bytes([0x58, s.length, 0, 0, 0], s);

/** A torch.save-style zip by hand: {'w': 1-D tensor of `count` elements on one storage}. */
function handMadeTorchZip(storageType: string, count: number, data: Uint8Array, byteorder?: string): Uint8Array {
  const pkl = bytes([0x80, 2, 0x7d], binunicode('w'), 'ctorch._utils\n_rebuild_tensor_v2\n((', binunicode('storage'),
    `ctorch\n${storageType}\n`, binunicode('0'), binunicode('cpu'), [0x4b, count, 0x74, 0x51, 0x4b, 0, 0x4b, count, 0x85, 0x4b, 1, 0x85, 0x89],
    'ccollections\nOrderedDict\n)RtRs.');
  const files: Record<string, Uint8Array> = { 'ck/data.pkl': pkl, 'ck/data/0': data, 'ck/version': new TextEncoder().encode('3\n') };
  if (byteorder) files['ck/byteorder'] = new TextEncoder().encode(byteorder);
  return zipSync(files, { level: 0 });
}

test('hand-made torch zips: byte order and storage types', () => {
  const f32 = (t: HostTensor | undefined) => [...(t!.data as Float32Array)];
  assert.deepEqual(f32(loadStateDict(handMadeTorchZip('FloatStorage', 3, bytes([0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0, 0x3f, 0, 0, 0]), 'big')).get('w')), [1, -2, 0.5]);
  assert.deepEqual(f32(loadStateDict(handMadeTorchZip('FloatStorage', 2, bytes([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]), 'little')).get('w')), [1, -2]);
  assert.deepEqual(f32(loadStateDict(handMadeTorchZip('HalfStorage', 3, bytes([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00]))).get('w')), [1, -2, 2 ** -24]);
  assert.deepEqual(f32(loadStateDict(handMadeTorchZip('BFloat16Storage', 2, bytes([0x80, 0x3f, 0x20, 0xc0]))).get('w')), [1, -2.5]);
  assert.deepEqual([...loadStateDict(handMadeTorchZip('IntStorage', 2, bytes([0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0]))).get('w')!.data], [-1n, 7n]);
  assert.throws(() => loadStateDict(handMadeTorchZip('QInt8Storage', 1, bytes([1]))), /"torch\.QInt8Storage"/);
  assert.throws(() => loadStateDict(handMadeTorchZip('FloatStorage', 3, bytes([0, 0, 0, 0]))), /has 4 bytes but the checkpoint says it holds 3 f32 elements/);
});

test('hand-crafted pickles: unknown opcodes, hostile lengths and forbidden globals', () => {
  const evil = bytes([0x80, 2], 'cposix\nsystem\n', binunicode('echo hi'), [0x85, 0x52, 0x2e]);
  assert.throws(() => loadStateDict(zipSync({ 'evil/data.pkl': evil, 'evil/version': Uint8Array.of(0x33) }, { level: 0 })), /refusing to load: .*"posix\.system".*malicious/);
  assert.throws(() => unpickle(bytes([0x80, 2, 0xff])), /unknown pickle opcode 0xff at byte 2/);
  assert.throws(() => unpickle(bytes([0x80, 2], 'i')), /unsupported pickle opcode INST \(0x69\) at byte 2/);
  assert.throws(() => unpickle(bytes([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0xff], 'abc')), /truncated at byte 7 .*4294967295 more bytes/);
  assert.throws(() => unpickle(bytes([0x80, 4, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40])), /truncated/);
  assert.throws(() => unpickle(bytes([0x80, 2, 0x6a, 5, 0, 0, 0, 0x2e])), /memo entry 5 was never stored/);
  assert.throws(() => unpickle(bytes([0x80, 2], 'cbuiltins\neval\n(X', [4, 0, 0, 0], '1+1tR.')), /"builtins\.eval"/);
  assert.throws(() => unpickle(bytes([0x80, 4, 0x8c, 2], 'os', [0x8c, 6], 'system', [0x93, 0x2e])), /"os\.system"/);
  assert.throws(() => unpickle(bytes([0x80, 2, 0x5d, 0x2e]).subarray(0, 3)), /truncated at byte 3/);
  // A well-formed protocol-2 pickle of {'a': [1, -2, 3.5, None, True], 'b': (1,)} (as Python writes it).
  const ok = bytes([0x80, 2, 0x7d, 0x71, 0, 0x28], 'X', [1, 0, 0, 0], 'a', [0x5d, 0x71, 1, 0x28, 0x4b, 1, 0x4a, 0xfe, 0xff, 0xff, 0xff,
    0x47, 0x40, 0x0c, 0, 0, 0, 0, 0, 0, 0x4e, 0x88, 0x65], 'X', [1, 0, 0, 0], 'b', [0x4b, 1, 0x85, 0x75, 0x2e]);
  assert.deepEqual(unpickle(ok), new Map<string, unknown>([['a', [1, -2, 3.5, null, true]], ['b', [1]]]));
});

test('non-checkpoint bytes get an error listing the supported formats', () => {
  const r = new Lcg(7), random = Uint8Array.from({ length: 4096 }, () => r.nextU32() >>> 24);
  for (const input of [random, new Uint8Array(0), new TextEncoder().encode('hello world, not a checkpoint')]) {
    assert.throws(() => loadStateDict(input), /unrecognised checkpoint.*supported formats: .*torch\.save.*safetensors/);
  }
  assert.throws(() => loadStateDict(zipSync({ 'notes.txt': new Uint8Array(3) })), /a zip whose entries are in one folder/);
  assert.throws(() => loadStateDict(zipSync({ 'a/notes.txt': new Uint8Array(3), 'a/version': Uint8Array.of(0x33) })), /with "a\/data\.pkl"/);
});

test('safetensors: write then read round-trips F32 and I64 tensors and metadata', () => {
  const sd: StateDict = new Map<string, HostTensor>([
    ['w', { dtype: 'f32', shape: [2, 3], data: Float32Array.from([1, -0, 2.5, -3e-39, Infinity, 7]) }],
    ['idx', { dtype: 'i64', shape: [4], data: BigInt64Array.from([0n, -1n, 2n ** 62n, -(2n ** 63n)]) }],
    ['scalar', { dtype: 'f32', shape: [], data: Float32Array.from([0.125]) }],
    ['empty', { dtype: 'f32', shape: [0, 5], data: new Float32Array(0) }],
  ]);
  const bytes = writeSafetensors(sd, { format: 'pt', note: 'héllo' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0, 'tensor data starts 8-byte aligned');
  assert.match(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)), /^\{.*\} *$/);
  const back = readSafetensors(bytes);
  assert.deepEqual([...back.keys()], [...sd.keys()]);
  for (const [k, t] of sd) assert.deepEqual(back.get(k), t, k);
  assert.deepEqual(readSafetensorsMetadata(bytes), { format: 'pt', note: 'héllo' });
  assert.deepEqual(loadStateDict(bytes.slice().buffer), back, 'loadStateDict sniffs safetensors, ArrayBuffer input');
});

test('safetensors: bad offsets, overlaps and size mismatches are rejected', () => {
  const make = (header: object, dataBytes: number) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + dataBytes);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  assert.throws(() => readSafetensors(make({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)), /data section has only 8 bytes/);
  assert.throws(() => readSafetensors(make({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12)), /overlap/);
  assert.throws(() => readSafetensors(make({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8)), /needs 12/);
  assert.throws(() => readSafetensors(make({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1)), /unsupported dtype/);
  assert.throws(() => readSafetensors(make({}, 0).subarray(0, 9)), /runs past the end/);
});

const randomBn = (n: number, seed: number) => ({
  weight: randomFloats(n, seed), bias: randomFloats(n, seed + 1), running_mean: randomFloats(n, seed + 2), running_var: randomFloats(n, seed + 3, 0.1, 2),
});

test('foldBatchNorm matches conv then BN computed in float64', () => {
  const [out, perChannel, eps] = [6, 3 * 3 * 3, 1e-5];
  const weight = randomFloats(out * perChannel, 1);
  const bn = randomBn(out, 10);
  for (const bias of [null, randomFloats(out, 2)]) {
    const folded = foldBatchNorm(weight, out, bias, bn, eps);
    const x = randomFloats(perChannel, 3);
    for (let o = 0; o < out; o++) {
      const s = bn.weight[o] / Math.sqrt(bn.running_var[o] + eps);
      for (let k = 0; k < perChannel; k++) assert.equal(folded.weight[o * perChannel + k], Math.fround(weight[o * perChannel + k] * s));
      assert.equal(folded.bias[o], Math.fround(bn.bias[o] + ((bias?.[o] ?? 0) - bn.running_mean[o]) * s));
      // Same output as running the two layers: BN(conv(x)) = folded conv(x).
      let y = bias?.[o] ?? 0, yFolded = folded.bias[o];
      for (let k = 0; k < perChannel; k++) { y += weight[o * perChannel + k] * x[k]; yFolded += folded.weight[o * perChannel + k] * x[k]; }
      assert.ok(Math.abs(s * (y - bn.running_mean[o]) + bn.bias[o] - yFolded) < 1e-5, `channel ${o}`);
    }
  }
});

test('BN before a linear layer (BN_Linear) and before a conv fold into its weights', () => {
  const [out, inF, kernel, eps] = [5, 7, 4, 1e-3];
  const bn = randomBn(inF, 20);
  const x = randomFloats(inF * kernel, 4);
  for (const k of [1, kernel]) {
    const weight = randomFloats(out * inF * k, 5);
    const bias = randomFloats(out, 6);
    const folded = k === 1 ? foldBatchNormIntoLinearInput(weight, out, bias, bn, eps)
      : foldInputAffine(weight, out, bias, bn.weight.map((g, i) => g / Math.sqrt(bn.running_var[i] + eps)),
        Array.from(bn.bias, (b, i) => b - bn.running_mean[i] * bn.weight[i] / Math.sqrt(bn.running_var[i] + eps)));
    for (let o = 0; o < out; o++) {
      let y = bias[o], yFolded = folded.bias[o];
      for (let i = 0; i < inF; i++) {
        for (let j = 0; j < k; j++) {
          const normed = (x[i * k + j] - bn.running_mean[i]) / Math.sqrt(bn.running_var[i] + eps) * bn.weight[i] + bn.bias[i];
          y += weight[(o * inF + i) * k + j] * normed;
          yFolded += folded.weight[(o * inF + i) * k + j] * x[i * k + j];
        }
      }
      assert.ok(Math.abs(y - yFolded) < 1e-5 * (1 + Math.abs(y)), `k=${k} output ${o}: ${y} vs ${yFolded}`);
    }
  }
  assert.throws(() => foldBatchNorm(new Float32Array(10), 3, null, randomBn(3, 1), 1e-5), /not a multiple of 3/);
});

test('reference checkpoints in ../shared/refcases load (skipped when absent)', (t) => {
  const dir = fileURLToPath(new URL('../../shared/refcases', import.meta.url));
  if (!existsSync(dir)) return t.skip('no ../shared/refcases directory');
  for (const model of ['efficientvit_m0_r224_s0', 'edgevit_xxs_r224_s0']) {
    const sd = loadStateDict(readFileSync(path.join(dir, `${model}.pth`)));
    assert.ok(sd.size > 100, `${model} has ${sd.size} tensors`);
    const idxKeys = [...sd.keys()].filter((k) => k.endsWith('attention_bias_idxs'));
    if (model.startsWith('efficientvit')) assert.ok(idxKeys.length > 0, 'EfficientViT has attention_bias_idxs buffers');
    for (const k of idxKeys) assert.equal(sd.get(k)!.dtype, 'i64', k);
    // The json's "params" counts nn.Parameters: everything except BN statistics and index buffers.
    const meta = JSON.parse(readFileSync(path.join(dir, `${model}.json`), 'utf8'));
    const params = [...sd].filter(([k]) => !/running_(mean|var)$|num_batches_tracked$|attention_bias_idxs$/.test(k))
      .reduce((n, [, v]) => n + v.data.length, 0);
    assert.equal(params, meta.params, `${model} parameter count`);
  }
});

test('half precision: toHalves rounds to nearest even, allHalfExact tells halves from other floats', () => {
  // 1 + 2^-11 is halfway between halves 1 and 1 + 2^-10: ties go to the even one (1).
  assert.deepEqual(Array.from(toHalves(new Float32Array([0, -0, 1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 1e6, 2 ** -24, -(2 ** -15)]))),
    [0x0000, 0x8000, 0x3c00, 0x3c00, 0x3c02, 0x7bff, 0x7c00, 0x0001, 0x8200]);
  for (const v of [0, -0, 1, -2.5, 65504, 2 ** -14, 2 ** -24, 3 * 2 ** -20, 1 + 2 ** -10]) assert.ok(allHalfExact(new Float32Array([v])), `${v} is a half`);
  for (const v of [1 / 3, 65520, 1e-8, 2 ** -25, 1 + 2 ** -11, 3 * 2 ** -25]) assert.ok(!allHalfExact(new Float32Array([v])), `${v} is not a half`);
});
