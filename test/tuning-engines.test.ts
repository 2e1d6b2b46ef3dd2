// Where a WebGPU engine needs another path, the Tuning says so: Firefox's CPU adapter (Mesa's
// lavapipe, which Firefox does not name) compiles conv2d.wgsl's s2k3 kernel in minutes, so the stems'
// 3×3 stride-2 convs take the generic kernel there. The choice follows the adapter; both paths give
// the same logits (here on Dawn; test/firefox.test.ts runs the generic one in Firefox).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTuning, slowCompiler } from '../src/tuning.ts';
import type { Gpu } from '../src/gpu/device.ts';

const gpu = (fallback: boolean, name: Partial<Gpu['adapterInfo']> = {}): Gpu => ({
  device: { limits: { maxComputeInvocationsPerWorkgroup: 256 } } as GPUDevice,
  adapterInfo: { vendor: '', architecture: '', device: '', description: '', ...name }, hasTimestamps: true, hasF16: false, hasSubgroups: false, isFallback: fallback, lost: null,
  pollsWhileWaiting: false, sleepBeforeReadback: false,
});

test('s2k3 is off for lavapipe (named, or a CPU adapter the browser does not name), on for SwiftShader and GPUs', () => {
  const cases: [Gpu, boolean][] = [
    [gpu(true), false], // Firefox on lavapipe: no adapter info
    [gpu(true, { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), false],
    [gpu(true, { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' }), true],
    [gpu(false), true], // Firefox on a GPU: unnamed, not a fallback
    [gpu(false, { vendor: 'nvidia', architecture: 'hopper' }), true],
  ];
  for (const [g, s2k3] of cases) {
    assert.equal(slowCompiler(g), !s2k3, JSON.stringify(g.adapterInfo));
    assert.equal(defaultTuning(g, 2).conv2d.s2k3, s2k3, JSON.stringify(g.adapterInfo));
  }
});

test('with conv2d.s2k3 off, EfficientViT-M0 dispatches the generic conv kernel for its stem, with the same logits', async () => {
  const { nodeRuntime } = await import('../src/node.ts');
  const { Model } = await import('../src/model.ts');
  const { modelInfo } = await import('../src/models/registry.ts');
  const { randomStateDict } = await import('../src/models/random.ts');
  const sd = randomStateDict('efficientvit_m0');
  const x = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.013));
  const run = async (s2k3: boolean) => {
    const rt = await nodeRuntime({ tuning: { conv2d: { s2k3 } } });
    const m = new Model(rt, modelInfo('efficientvit_m0'), sd);
    try {
      const plan = await m.plan(1, 224, 224);
      return { convs: plan.steps.filter((s) => s.node.kernel.file === 'conv2d.wgsl').map((s) => s.node.kernel.entry), logits: (await m.run(x, 1, 224, 224)).logits };
    } finally {
      m.destroy();
      rt.gpu.device.destroy();
    }
  };
  const fast = await run(true), generic = await run(false);
  assert.ok(fast.convs.length > 0 && fast.convs.every((e) => e === 's2k3'), fast.convs.join(', '));
  assert.deepEqual(generic.convs, fast.convs.map(() => 'main'));
  let maxDiff = 0, maxAbs = 0;
  for (let i = 0; i < fast.logits.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(fast.logits[i] - generic.logits[i])); maxAbs = Math.max(maxAbs, Math.abs(fast.logits[i])); }
  assert.ok(maxDiff <= 1e-4 * Math.max(1, maxAbs), `max|Δ| ${maxDiff}`);
});
