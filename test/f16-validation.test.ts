// The shader-f16 form of the kernels (weights_f16.wgsl: `enable f16;`, weights read as vec4<f16>)
// cannot run here: SwiftShader has no shader-f16 (its subgroup forms run here, and are tested with the
// kernels; they are validated here too). Dawn's null backend has the feature and validates
// everything a real device does (Tint parses and resolves every shader; pipelines, bind groups and
// dispatches are checked), without computing. Every model's fused graph, in every schedule that
// binds matrix weights, is built there with f16 weights and run once; the numbers are tested in
// test/ops-f16-weights.test.ts and test/models-f16.test.ts through the packed form, which reads the
// same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDevice } from '../src/gpu/device.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import { Runtime } from '../src/runtime.ts';
import { Model } from '../src/model.ts';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { writeSafetensors } from '../src/weights/safetensors.ts';
import { load, type LoadOptions } from '../src/node.ts';
import { runtime } from './helpers/gpu.ts';

async function nullRuntime(): Promise<Runtime> {
  const webgpu = await import('webgpu');
  Object.assign(globalThis, webgpu.globals);
  const instance = webgpu.create(['backend=null']);
  return new Runtime(await openDevice(instance, instance), nodeShaderLoader);
}

test('every model builds, validates and dispatches with shader-f16 weights and subgroup reductions, both kernel families (Dawn null backend)', async () => {
  const rt = await nullRuntime();
  assert.ok(rt.gpu.hasF16, 'the null backend offers shader-f16');
  assert.ok(rt.gpu.hasSubgroups && rt.tuning.subgroups, 'the null backend offers subgroups, and a GPU adapter\'s tuning uses them');
  assert.equal(rt.tuning.kernels, 'gpu');
  let kernels = 0, subgroupKernels = 0;
  try {
    for (const name of Object.keys(MODELS)) {
      // The GPU family (the null adapter's default) in every schedule; the CPU family's fused schedule.
      for (const kernels_ of ['gpu', 'cpu'] as const) {
        const model = new Model(rt, MODELS[name], randomStateDict(name), { dtype: 'f16', kernels: kernels_ });
        assert.equal(model.weightFormat, 'f16');
        try {
          for (const schedule of kernels_ === 'gpu' ? ['fused', 'fused-ffn', 'unfused'] as const : ['fused'] as const) {
            const plan = await model.plan(1, 224, 224, schedule);
            const half = plan.steps.filter((s) => s.node.kernel.weights === 'f16');
            assert.ok(schedule === 'unfused' || half.length > 0, `${name} ${kernels_} ${schedule}: no kernel reads f16 weights`);
            kernels += half.length;
            subgroupKernels += plan.steps.filter((s) => s.node.kernel.subgroups).length;
            await plan.run(new Float32Array(plan.inputs[0].size));
          }
        } finally {
          model.destroy();
        }
      }
    }
  } finally {
    rt.gpu.device.destroy();
  }
  assert.ok(kernels > 0);
  assert.ok(subgroupKernels > 0, 'no kernel ran in its subgroup form');
});

test("dtype 'auto' keeps an f16 checkpoint in f16 where the adapter has shader-f16, and an f32 one in f32", async () => {
  const rt = await nullRuntime();
  const f32File = writeSafetensors(randomStateDict('efficientvit_m0'));
  try {
    const cases: [Uint8Array | undefined, LoadOptions['dtype'], string][] = [
      [undefined, undefined, 'f16'], // the shipped checkpoint is stored in f16
      [undefined, 'f32', 'f32'],
      [f32File, undefined, 'f32'],
      [f32File, 'f16', 'f16'],
    ];
    for (const [weights, dtype, want] of cases) {
      const model = await load('efficientvit_m0', weights, { device: rt, dtype });
      assert.equal(model.details().weights, want, `${weights ? 'an f32 file' : 'the shipped f16 file'}, dtype ${dtype ?? 'auto'}`);
      model.dispose();
    }
  } finally {
    rt.gpu.device.destroy();
  }
});

test("on this runtime's adapter: dtype 'auto' gives f16 only with shader-f16; 'f16' reads halves (packed without it)", async () => {
  const rt = await runtime();
  const f16 = rt.gpu.hasF16;
  for (const [dtype, want] of [[undefined, f16 ? 'f16' : 'f32'], ['f16', f16 ? 'f16' : 'f16-packed']] as const) {
    const model = await load('efficientvit_m0', undefined, { device: rt, dtype });
    assert.equal(model.details().weights, want);
    model.dispose();
  }
});

test("every model builds, validates and dispatches with half activations ('f16': act_f16.wgsl), GPU family, every schedule, f32 and f16 weights (Dawn null backend)", async () => {
  // The numbers are tested in Firefox (test/firefox.test.ts: lavapipe has shader-f16). Here Tint
  // checks every kernel's half form, and the executor checks that every half tensor is bound to a
  // half binding and every float32 one (the inputs, the outputs' casts) to a float32 one.
  const rt = await nullRuntime();
  let halfKernels = 0;
  try {
    for (const name of Object.keys(MODELS)) {
      for (const dtype of ['f32', 'f16'] as const) {
        const model = new Model(rt, MODELS[name], randomStateDict(name), { dtype, kernels: 'gpu', activations: 'f16' });
        try {
          for (const schedule of dtype === 'f32' ? ['fused', 'fused-ffn', 'unfused'] as const : ['fused'] as const) {
            const plan = await model.plan(2, 224, 224, schedule);
            const steps = plan.steps.filter((s) => s.node.kernel.activations === 'f16');
            assert.equal(steps.length, plan.steps.length, `${name} ${schedule}: every kernel in its half-activation form`);
            // One cast in, one out; the unfused schedule also casts the weights its primitives read as operands.
            const casts = plan.steps.filter((s) => s.node.kernel.file === 'cast.wgsl');
            assert.equal(casts.filter((s) => s.node.kernel.entry === 'from_act').length, 1, `${name} ${schedule}: one cast out`);
            assert.equal(casts.filter((s) => s.node.kernel.entry === 'to_act' && 'tensor' in s.node.bind.xf!).length, 1, `${name} ${schedule}: one cast in`);
            assert.equal(plan.inputs[0].dtype, undefined, 'the input is float32');
            assert.equal(plan.output.dtype, undefined, 'the logits are float32');
            halfKernels += steps.length;
            await plan.run(new Float32Array(plan.inputs[0].size));
          }
        } finally {
          model.destroy();
        }
      }
    }
    // Half activations without the GPU family, or without shader-f16, are refused with what to do.
    assert.throws(() => new Model(rt, MODELS.efficientvit_m0, randomStateDict('efficientvit_m0'), { kernels: 'cpu', activations: 'f16' }), /activations 'f16' needs the GPU kernel family/);
    assert.throws(() => new Model(rt, MODELS.efficientvit_m0, randomStateDict('efficientvit_m0'), { activations: 'f8' as never }), /must be 'f32' or 'f16'/);
  } finally {
    rt.gpu.device.destroy();
  }
  assert.ok(halfKernels > 0);
});

test("half activations on an adapter without shader-f16 are refused, saying what to do", async (t) => {
  const rt = await runtime();
  if (rt.gpu.hasF16) { t.skip('this adapter has shader-f16'); return; }
  assert.throws(() => new Model(rt, MODELS.efficientvit_m0, randomStateDict('efficientvit_m0'), { kernels: 'gpu', activations: 'f16' }), /needs the adapter's "shader-f16" feature.*leave activations 'f32'/);
});
