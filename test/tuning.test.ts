// Tuning as data: defaults from the adapter, what `npm run tune` recorded for it, the caller's
// overrides, every field checked against the device's limits before any pipeline compiles; and the op
// builders following it (no device constant left in an op file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CPU_TUNING, DEFAULT_LIMITS, TUNING_FIELDS, checkTunedFile, defaultTuning, mergeTuning, tuningEntries, tuningFor, tuningKey, validateTuning,
  type Measured, type TuningLimits,
} from '../src/tuning.ts';
import tuned from '../src/tuning/tuned.json' with { type: 'json' };
import { GraphBuilder } from '../src/graph/builder.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { dwconv } from '../src/ops/dwconv.ts';
import { lnQkv } from '../src/ops/ln-qkv.ts';
import { meanHW } from '../src/ops/mean.ts';
import { matmul } from '../src/ops/matmul.ts';
import { softmax } from '../src/ops/softmax.ts';
import { poolLinear } from '../src/ops/pool-linear.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import { shiftedWindowAttention } from '../src/ops/shifted-window-attention.ts';
import { viewOf } from '../src/graph/ir.ts';
import { fromPadded, toPadded } from '../src/graph/layout.ts';
import { Runtime } from '../src/runtime.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { assertClose, random, runtime } from './helpers/gpu.ts';

const fakeGpu = (fallback: boolean, info = { vendor: 'acme', architecture: 'x', device: 'y', description: 'z' }, limits: TuningLimits = DEFAULT_LIMITS): Gpu => ({
  device: { limits } as GPUDevice,
  adapterInfo: info, hasTimestamps: true, hasF16: false, hasSubgroups: false, isFallback: fallback, lost: null, pollsWhileWaiting: true, sleepBeforeReadback: false,
});

const measured = (gpu: Gpu, threads: number, limits: TuningLimits = DEFAULT_LIMITS): Measured => ({
  date: '2026-12-06', commit: '0ed5b05', adapter: gpu.adapterInfo, limits, threads, models: ['efficientvit_m0'], runs: 1, ms: 1,
});

test('defaults: a CPU adapter gets the values measured on one (workers = its threads), a GPU wide workgroups, split-K and two-dispatch FFNs', () => {
  const cpu = defaultTuning(fakeGpu(true), 2);
  assert.deepEqual({ ...cpu, sleepBeforeReadback: false }, CPU_TUNING);
  assert.equal(cpu.sleepBeforeReadback, true, 'Node polls while it waits: a CPU adapter sleeps first');
  assert.equal(defaultTuning(fakeGpu(true), 8).workers, 8);
  const gpu = defaultTuning(fakeGpu(false), 8);
  assert.equal(gpu.kernels, 'gpu', 'a GPU runs the GPU family');
  assert.equal(cpu.kernels, 'cpu', 'a CPU adapter runs the CPU family');
  assert.equal(gpu.ffnOneKernel, false, 'the projection ranks two GPU-family pointwise dispatches above gpu/ffn.wgsl');
  assert.deepEqual(gpu.splitK, { below: 16, minK: 64 });
  assert.equal(gpu.subgroups, false, 'this adapter has no subgroups feature');
  assert.equal(defaultTuning({ ...fakeGpu(false), hasSubgroups: true }, 8).subgroups, true);
  assert.equal(cpu.subgroups, false);
  assert.equal(cpu.splitK.below, 2, 'split-K (GPU family forced) follows the workers');
  assert.equal(gpu.pointwise.wg, 64);
  assert.equal(gpu.sleepBeforeReadback, false);
  // A GPU with small limits gets defaults within them.
  const small = defaultTuning(fakeGpu(false, undefined, { maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupSizeX: 32, maxComputeWorkgroupStorageSize: 4096 }), 8);
  assert.equal(small.pointwise.wg, 32);
  assert.equal(small.maxInvocations, 32);
  for (const t of [cpu, gpu, defaultTuning(fakeGpu(true), 16)]) validateTuning(t, DEFAULT_LIMITS);
});

test('the field rules cover every field of the tuning, and nothing else', () => {
  assert.deepEqual(tuningEntries(CPU_TUNING).map(([p]) => p).sort(), Object.keys(TUNING_FIELDS).sort());
});

test('overrides merge field by field; an unknown field is refused', () => {
  const t = mergeTuning(CPU_TUNING, { pointwise: { smallWg: 8 }, ffnOneKernel: true });
  assert.deepEqual(t.pointwise, { ...CPU_TUNING.pointwise, smallWg: 8 });
  assert.equal(t.ffnOneKernel, true);
  assert.throws(() => mergeTuning(CPU_TUNING, { nope: 1 } as never), /unknown tuning field "nope"/);
  assert.throws(() => mergeTuning(CPU_TUNING, { pointwise: { wgg: 8 } } as never), /unknown tuning field "pointwise.wgg"/);
  // An adapter npm run tune has not seen gets the defaults.
  assert.deepEqual(tuningFor(fakeGpu(true), 2, {}, {}), defaultTuning(fakeGpu(true), 2));
});

test('a tuning is checked against the device limits: the error names the field, its value and the limit', () => {
  const limits = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 128, maxComputeWorkgroupStorageSize: 16384 };
  assert.throws(() => validateTuning({ perItem: { wg: 512 } }, limits), /perItem\.wg = 512 invocations per workgroup exceeds the device's maxComputeInvocationsPerWorkgroup \(256\)/);
  assert.throws(() => validateTuning({ matmul: { wg: 256 } }, limits), /matmul\.wg = 256 .* maxComputeWorkgroupSizeX \(128\)/);
  // Where a kernel's workgroup array scales with the size: the storage limit.
  assert.throws(() => validateTuning({ maxInvocations: 512 }, { ...limits, maxComputeWorkgroupSizeX: 1024, maxComputeInvocationsPerWorkgroup: 1024 }),
    /maxInvocations = 512 needs 32768 bytes of workgroup memory .* maxComputeWorkgroupStorageSize \(16384\)/);
  assert.throws(() => validateTuning({ lnQkv: { wg: 128 } }, { ...limits, maxComputeWorkgroupStorageSize: 2048 }), /lnQkv\.wg = 128 needs 4096 bytes/);
  // What the kernels themselves need.
  assert.throws(() => validateTuning({ pointwise: { wg: 6 } }, limits), /pointwise\.wg = 6 must be a multiple of 4/);
  assert.throws(() => validateTuning({ lnQkv: { wg: 2 } }, limits), /lnQkv\.wg = 2 must be an integer ≥ 4/);
  assert.throws(() => validateTuning({ workers: 0 }, limits), /workers = 0 must be an integer ≥ 1/);
  assert.throws(() => validateTuning({ dwconv: { wg: 1.5 } }, limits), /dwconv\.wg = 1.5/);
  assert.throws(() => validateTuning({ ffnOneKernel: 1 as never }, limits), /ffnOneKernel = 1 must be true or false/);
  assert.throws(() => validateTuning({ nope: 1 } as never, limits), /unknown tuning field "nope"/);
  // The kernel family: a known one, and the GPU family's 256-invocation workgroups and 13,704 bytes where the device has them (GPU_FAMILY_NEEDS).
  assert.throws(() => validateTuning({ kernels: 'tpu' as never }, limits), /kernels = "tpu" must be one of 'cpu', 'gpu'/);
  assert.throws(() => validateTuning({ kernels: 'gpu' }, { ...limits, maxComputeInvocationsPerWorkgroup: 128 }), /kernels = 'gpu' needs workgroups of 256 invocations .* use kernels: 'cpu'/);
  assert.throws(() => validateTuning({ kernels: 'gpu' }, { ...limits, maxComputeWorkgroupStorageSize: 8192 }), /13704 bytes of workgroup memory/);
  validateTuning({ kernels: 'gpu' }, DEFAULT_LIMITS);
  validateTuning({ perItem: { wg: 128 }, maxInvocations: 128, lnQkv: { wg: 8 } }, limits);
});

test('a runtime refuses a tuning beyond its device before compiling anything: a caller override, or a recorded value', async () => {
  const { gpu } = await runtime();
  const max = gpu.device.limits.maxComputeInvocationsPerWorkgroup;
  const limitRe = new RegExp(`perItem\\.wg = ${2 * max} invocations per workgroup exceeds the device's maxComputeInvocationsPerWorkgroup \\(${max}\\)`);
  assert.throws(() => new Runtime(gpu, nodeShaderLoader, { tuning: { perItem: { wg: 2 * max } } }), limitRe);
  const recorded = { [tuningKey(gpu)]: { perItem: { wg: 2 * max }, measured: measured(gpu, 2) } };
  assert.throws(() => new Runtime(gpu, nodeShaderLoader, { threads: 2, recorded }), (e: Error) => limitRe.test(e.message) && e.message.startsWith('src/tuning/tuned.json for'));
});

test('the op builders take their workgroup sizes and splits from the tuning', () => {
  const small = (tuning = CPU_TUNING) => {
    const g = new GraphBuilder(undefined, tuning);
    pointwise(g, 'pw', g.input('x', [1, 16, 4, 4]), new Float32Array(256), new Float32Array(16), 16);
    dwconv(g, 'dw', g.input('y', [1, 8, 14, 14]), new Float32Array(72), new Float32Array(8), { k: 3, residual: true });
    return g.nodes.map((n) => [n.kernel.overrides?.WG, n.params.RB]);
  };
  assert.deepEqual(small(), [[4, undefined], [4, 2]]);
  assert.deepEqual(small(mergeTuning(CPU_TUNING, { pointwise: { smallWg: 8 }, dwconv: { wg: 16, minInvocations: 8 } })), [[8, undefined], [16, 14]]);

  // Every other workgroup size: the node's WG override and its grid follow the field.
  const t = mergeTuning(CPU_TUNING, { perItem: { wg: 32 }, matmul: { wg: 8 }, dwconv: { mainWg: 16 }, poolLinear: { wg: 16 }, windowAttention: { wg: 8 }, lnQkv: { wg: 8 } });
  const g = new GraphBuilder(undefined, t);
  const x = g.input('x', [1, 8, 8, 8]);
  meanHW(g, 'mean', x);
  matmul(g, 'mm', { ...viewOf(g.input('a', [1, 20])), shape: [5, 4], strides: [4, 1] }, { ...viewOf(g.input('b', [1, 12])), shape: [4, 3], strides: [3, 1] });
  softmax(g, 'sm', viewOf(g.input('s', [3, 8])));
  dwconv(g, 'dw5', x, new Float32Array(8 * 25), new Float32Array(8), { k: 5 });
  poolLinear(g, 'head', x, new Float32Array(10 * 8), new Float32Array(10), 10);
  shiftedWindowAttention(g, 'swa', g.input('qkv', [1, 24, 4, 4]), { heads: 2, window: 2, shift: 1, bias: new Float32Array(2 * 16) });
  lnQkv(g, 'lnqkv', x, 2, { gamma: new Float32Array(8).fill(1), beta: new Float32Array(8), eps: 1e-6 }, new Float32Array(24 * 8), new Float32Array(24));
  assert.deepEqual(Object.fromEntries(g.nodes.map((n) => [n.name, n.kernel.overrides?.WG])), { mean: 32, mm: 8, sm: 32, dw5: 16, head: 16, swa: 8, lnqkv: 8 });
  const mean = g.nodes.find((n) => n.name === 'mean')!;
  assert.deepEqual(mean.workgroups, [1, 1, 1], '8 channels in workgroups of 32');
  const ln = g.nodes.find((n) => n.name === 'lnqkv')!;
  assert.equal(ln.workgroups[1], 1, '2 output tiles in one workgroup of 8');

  // patch_embed's workgroup (one invocation per 16 channels) is bounded by maxInvocations.
  const pe = (maxInvocations: number) => {
    const g2 = new GraphBuilder(undefined, mergeTuning(CPU_TUNING, { maxInvocations }));
    patchEmbed(g2, 'pe', g2.input('x', [1, 3, 16, 16]), new Float32Array(160 * 3 * 4), new Float32Array(160), 2, null);
    return g2.nodes[0].kernel.overrides?.WG;
  };
  assert.equal(pe(256), 20, '10 channel blocks × 2 of the 4 pixel tiles');
  assert.equal(pe(16), 10, 'two pixel tiles would exceed 16: one');
  assert.throws(() => pe(8), /160 channels need 10 invocations per workgroup .* maxInvocations \(8/);
});

test('a value recorded in tuned.json for the running adapter reaches the kernels, and they compute the same', async () => {
  const base = await runtime();
  const gpu = base.gpu, key = tuningKey(gpu);
  const recorded = { [key]: { lnQkv: { wg: 8 }, perItem: { wg: 32 }, workers: 3, measured: measured(gpu, 2, gpu.device.limits) } };
  const rt = new Runtime(gpu, nodeShaderLoader, { threads: 2, recorded });
  assert.equal(rt.tuning.lnQkv.wg, 8);
  assert.equal(rt.tuning.perItem.wg, 32);
  assert.equal(rt.tuning.workers, 3, 'measured with as many threads: the thread-dependent fields apply');
  assert.equal(new Runtime(gpu, nodeShaderLoader, { threads: 4, recorded }).tuning.workers, defaultTuning(gpu, 4).workers, 'another thread count: they do not');
  assert.equal(new Runtime(gpu, nodeShaderLoader, { threads: 2, recorded, tuning: { lnQkv: { wg: 4 } } }).tuning.lnQkv.wg, 4, 'the caller has the last word');

  // ln_qkv with 8 invocations (invocations 4–7 compute unused statistics) gives what 4 give, on a map with a partial last tile.
  const shape = [2, 13, 10, 6], C = 13;
  const xData = random(2 * C * 60, 7).map((v, i) => v + 3 * Math.sin(i % 60));
  const gamma = random(C, 2).map((v) => 1 + 0.5 * v), beta = random(C, 3), w = random(3 * C * C, 4), b = random(3 * C, 5);
  const run = async (r: Runtime) => {
    const g = new GraphBuilder(undefined, r.tuning);
    const x = g.input('x', shape);
    g.output = lnQkv(g, 'qkv', x, 1, { gamma, beta, eps: 1e-6 }, w, b);
    const compiled = await r.compile(g, 'tuning test');
    try {
      const node = compiled.steps.find((s) => s.node.kernel.file === 'ln_qkv.wgsl')!.node;
      return { wg: node.kernel.overrides?.WG, y: fromPadded(g.output, await compiled.run(toPadded(x, xData))) };
    } finally {
      compiled.destroy();
    }
  };
  const four = await run(base), eight = await run(rt);
  assert.equal(four.wg, 4);
  assert.equal(eight.wg, 8, 'the recorded value is the compiled kernel\'s workgroup size');
  assertClose(eight.y, four.y, 1e-6, 1e-6);
});

test('tuned.json: every entry is dated, committed, keyed by its adapter, and within that device\'s limits', () => {
  const gpu = fakeGpu(true);
  const key = tuningKey(gpu);
  const good = { [key]: { pointwise: { wg: 8 }, ffnOneKernel: false, measured: measured(gpu, 2) } };
  assert.equal(checkTunedFile(good), 2);
  // The checker fails on each kind of bad entry (so the loop below cannot pass vacuously on a bad file).
  assert.throws(() => checkTunedFile({ [key]: { ...good[key], pointwise: { wide: 8 } } }), /unknown tuning field "pointwise.wide"/);
  assert.throws(() => checkTunedFile({ [key]: { ...good[key], perItem: { wg: 1024 } } }), /perItem\.wg = 1024 .* maxComputeInvocationsPerWorkgroup \(256\)/);
  assert.throws(() => checkTunedFile({ [key]: { pointwise: { wg: 8 } } }), /no "measured" record/);
  assert.throws(() => checkTunedFile({ [key]: { ...good[key], measured: { ...measured(gpu, 2), commit: 'HEAD' } } }), /measured\.commit "HEAD" is not a git commit/);
  assert.throws(() => checkTunedFile({ 'other|adapter||': good[key] }), /the key is not the adapter recorded with it/);

  const file = tuned as Record<string, unknown>;
  // npm run tune has measured SwiftShader (the adapter these tests and the CPU benchmarks run on).
  assert.ok(Object.keys(file).some((k) => k.startsWith('google|swiftshader|')), `tuned.json has no SwiftShader entry (keys: ${Object.keys(file).join(', ') || 'none'}): run npm run tune`);
  const expected = Object.values(file).reduce<number>((n, e) => {
    const { measured: _, ...values } = e as { measured: unknown };
    return n + tuningEntries(values).length;
  }, 0);
  assert.equal(checkTunedFile(file), expected, 'every recorded field was checked');
  for (const [k, entry] of Object.entries(file)) {
    const [vendor, architecture, device, description] = k.split('|');
    const g = fakeGpu(true, { vendor, architecture, device, description });
    const { measured: m, ...values } = entry as { measured: Measured } & Record<string, unknown>;
    const t = tuningFor(g, m.threads, {}, file) as unknown as Record<string, Record<string, unknown>>;
    for (const [path, v] of tuningEntries(values)) {
      const [f, s] = path.split('.');
      assert.deepEqual(s === undefined ? t[f] : t[f][s], v, `${k}: ${path}`);
    }
  }
});

test('a runtime whose tuning picks the one-kernel FFN dispatches ffn.wgsl for the fused schedule, with the same logits', async () => {
  const { nodeRuntime } = await import('../src/node.ts');
  const { Model } = await import('../src/model.ts');
  const { modelInfo } = await import('../src/models/registry.ts');
  const { randomStateDict } = await import('../src/models/random.ts');
  const sd = randomStateDict('efficientvit_m0');
  const x = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.01));
  const run = async (ffnOneKernel: boolean) => {
    const rt = await nodeRuntime({ tuning: { ffnOneKernel } });
    const m = new Model(rt, modelInfo('efficientvit_m0'), sd);
    try {
      const plan = await m.plan(1, 224, 224);
      return { ffn: plan.steps.filter((s) => s.node.kernel.file === 'ffn.wgsl').length, dispatches: plan.stats.dispatches, logits: (await m.run(x, 1, 224, 224)).logits };
    } finally {
      m.destroy();
      rt.gpu.device.destroy();
    }
  };
  const two = await run(false), one = await run(true);
  assert.equal(two.ffn, 0);
  assert.ok(one.ffn > 0, 'ffn.wgsl dispatched');
  assert.equal(one.dispatches, two.dispatches - one.ffn, 'each one-kernel FFN replaces two pointwise dispatches');
  let maxDiff = 0;
  for (let i = 0; i < one.logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(one.logits[i] - two.logits[i]));
  assert.ok(maxDiff < 1e-4, `max|Δ| ${maxDiff}`);
});

test('subgroups cannot be asked of an adapter without the feature; the GPU default follows the adapter', () => {
  assert.throws(() => tuningFor(fakeGpu(false), 8, { subgroups: true }, {}), /subgroups is true, but this adapter has no "subgroups" feature/);
  assert.equal(tuningFor({ ...fakeGpu(false), hasSubgroups: true }, 8, {}, {}).subgroups, true);
  assert.equal(tuningFor({ ...fakeGpu(false), hasSubgroups: true }, 8, { subgroups: false }, {}).subgroups, false);
});
