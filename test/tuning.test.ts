// Tuning as data: defaults from the adapter, what `npm run tune` recorded for it, the caller's
// overrides; and the op builders following it (no tuned constant left in an op file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CPU_TUNING, defaultTuning, mergeTuning, tuningFor, tuningKey } from '../src/tuning.ts';
import tuned from '../src/tuning/tuned.json' with { type: 'json' };
import { GraphBuilder } from '../src/graph/builder.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { dwconv } from '../src/ops/dwconv.ts';
import type { Gpu } from '../src/gpu/device.ts';

const fakeGpu = (fallback: boolean, info = { vendor: 'acme', architecture: 'x', device: 'y', description: 'z' }): Gpu => ({
  device: { limits: { maxComputeInvocationsPerWorkgroup: 256 } } as GPUDevice,
  adapterInfo: info, hasTimestamps: true, hasF16: false, isFallback: fallback, lost: null, pollsWhileWaiting: true, sleepBeforeReadback: false,
});

test('defaults: a CPU adapter gets the values measured on one (workers = its threads), a GPU wide workgroups and the one-kernel FFN', () => {
  const cpu = defaultTuning(fakeGpu(true), 2);
  assert.deepEqual({ ...cpu, sleepBeforeReadback: false }, CPU_TUNING);
  assert.equal(cpu.sleepBeforeReadback, true, 'Node polls while it waits: a CPU adapter sleeps first');
  assert.equal(defaultTuning(fakeGpu(true), 8).workers, 8);
  const gpu = defaultTuning(fakeGpu(false), 8);
  assert.equal(gpu.ffnOneKernel, true);
  assert.equal(gpu.pointwise.wg, 64);
  assert.equal(gpu.sleepBeforeReadback, false);
});

test('overrides merge field by field; an unknown field is refused', () => {
  const t = mergeTuning(CPU_TUNING, { pointwise: { smallWg: 8 }, ffnOneKernel: true });
  assert.deepEqual(t.pointwise, { ...CPU_TUNING.pointwise, smallWg: 8 });
  assert.equal(t.ffnOneKernel, true);
  assert.throws(() => mergeTuning(CPU_TUNING, { nope: 1 } as never), /unknown tuning field "nope"/);
  // An adapter npm run tune has not seen gets the defaults; one it has, what it recorded.
  assert.deepEqual(tuningFor(fakeGpu(true), 2), defaultTuning(fakeGpu(true), 2));
  for (const [key, entry] of Object.entries(tuned as Record<string, Record<string, unknown>>)) {
    const [vendor, architecture, device, description] = key.split('|');
    const gpu = fakeGpu(true, { vendor, architecture, device, description });
    assert.equal(tuningKey(gpu), key);
    const t2 = tuningFor(gpu, 2) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(entry)) {
      if (k === 'measured') continue;
      // Recorded: the fields that differ from the defaults; the rest of a group keeps its default.
      if (typeof v === 'object' && v !== null) for (const [f, x] of Object.entries(v)) assert.equal((t2[k] as Record<string, unknown>)[f], x, `${key}: ${k}.${f}`);
      else assert.equal(t2[k], v, `${key}: ${k}`);
    }
  }
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
