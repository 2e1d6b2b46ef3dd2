// The runtime's bookkeeping without a GPU: pipeline keys, reflected params packing, memory plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { pipelineKey, type KernelRef, type WeightFormat } from '../src/gpu/pipelines.ts';
import { packParams, reflectShader, resolveIncludes } from '../src/gpu/shaders.ts';
import { planMemory, type Lifetime } from '../src/graph/memory.ts';
import { tensorBytes, type Tensor } from '../src/graph/ir.ts';
import { randomFloats } from '../src/util/random.ts';

test('pipeline keys differ whenever the file, entry, an override or the weight format differs, and ignore override order', () => {
  const base: KernelRef = { file: 'pointwise.wgsl', entry: 'main', overrides: { WG: 16, RELU_OUT: true } };
  const variants: KernelRef[] = [
    base,
    { ...base, overrides: { WG: 4, RELU_OUT: true } },
    { ...base, overrides: { WG: 16, RELU_OUT: false } },
    { ...base, overrides: { WG: 16 } },
    { ...base, overrides: {} },
    { ...base, entry: 'other' },
    { ...base, file: 'ffn.wgsl' },
  ];
  // Every variant in every weight format (each format is different WGSL: weights.wgsl, weights_f16.wgsl
  // with `enable f16;`, weights_f16_packed.wgsl), so no two of the 7 × 3 configurations share a key.
  const formats: WeightFormat[] = ['f32', 'f16', 'f16-packed'];
  // … and in both activation forms (act.wgsl, act_f16.wgsl) and both reduction forms.
  const keys = variants.flatMap((v) => formats.flatMap((weights) => (['f32', 'f16'] as const).flatMap((activations) =>
    [false, true].map((subgroups) => pipelineKey({ ...v, weights, activations, subgroups })))));
  assert.equal(new Set(keys).size, variants.length * formats.length * 4, keys.join('\n'));
  assert.equal(pipelineKey(base), pipelineKey({ ...base, activations: 'f32', subgroups: false }));
  assert.equal(pipelineKey({ ...base, overrides: { RELU_OUT: true, WG: 16 } }), pipelineKey(base));
  // No `weights` means f32: the same code, so the same key.
  assert.equal(pipelineKey(base), pipelineKey({ ...base, weights: 'f32' }));
});

const shaderDir = new URL('../shaders/', import.meta.url);
const loadShader = async (f: string) => readFileSync(new URL(f, shaderDir), 'utf8');

test('params are packed at the offsets wgsl_reflect gives, by name, and bad fields are refused', async () => {
  // Every kernel in shaders/ reflects (includes resolved); check packing on one whose params mix u32 and f32.
  const files = [...readdirSync(shaderDir).filter((f) => f.endsWith('.wgsl')), ...readdirSync(new URL('gpu/', shaderDir)).map((f) => `gpu/${f}`)];
  const kernels = (await Promise.all(files.map(async (f) => reflectShader(f, await resolveIncludes(f, await loadShader(f), loadShader)))))
    .flatMap((s) => [...s.kernels.values()]);
  assert.ok(kernels.length >= 10, `only ${kernels.length} kernels reflected`);
  const layout = kernels.find((k) => k.params?.fields.some((f) => f.type === 'f32'))?.params ?? kernels.find((k) => k.params)!.params!;
  const values = Object.fromEntries(layout.fields.map((f, i) => [f.name, f.type === 'f32' ? 0.25 : i + 1]));
  const view = new DataView(new ArrayBuffer(layout.size));
  packParams(layout, values, view, 0, 'test');
  for (const f of layout.fields) {
    const got = f.type === 'f32' ? view.getFloat32(f.offset, true) : view.getUint32(f.offset, true);
    assert.equal(got, values[f.name], f.name);
  }
  assert.throws(() => packParams(layout, { ...values, nope: 1 }, view, 0, 'k'), /no field "nope"/);
  const first = layout.fields[0].name;
  const missing = Object.fromEntries(Object.entries(values).filter(([k]) => k !== first));
  assert.throws(() => packParams(layout, missing, view, 0, 'k'), new RegExp(`field "${first}" is undefined`));
});

test('memory plan: tensors with disjoint lifetimes share buffers, overlapping ones never do', () => {
  const t = (id: number, size: number) => ({ id, name: `t${id}`, shape: [size], planeStride: 1, size }) as Tensor;
  // a chain a→b→c→d plus a long-lived skip tensor s
  const lts = [
    { tensor: t(0, 100), first: 0, last: 1 }, { tensor: t(1, 50), first: 1, last: 2 },
    { tensor: t(2, 100), first: 2, last: 3 }, { tensor: t(3, 80), first: 3, last: 4 },
    { tensor: t(4, 10), first: 0, last: 4 },
  ];
  const plan = planMemory(lts);
  for (const a of lts) for (const b of lts) {
    if (a === b || plan.slotOf.get(a.tensor.id) !== plan.slotOf.get(b.tensor.id)) continue;
    assert.ok(a.last < b.first || b.last < a.first, `${a.tensor.name} and ${b.tensor.name} overlap but share a buffer`);
  }
  lts.forEach((l) => assert.ok(plan.slotSizes[plan.slotOf.get(l.tensor.id)!] >= tensorBytes(l.tensor)));
  assert.ok(plan.slotSizes.length <= 3, `5 tensors, at most 3 alive at once: got ${plan.slotSizes.length} buffers`);
});

test('memory plan, property: random lifetimes of float32 and half tensors never share a live buffer, and each buffer holds its tensors\' bytes', () => {
  // Sizes are bytes: a half tensor of n values needs 2n, a float32 one 4n (tensorBytes), so a graph of
  // half activations with float32 casts at its edges shares buffers between the two.
  for (let trial = 0; trial < 200; trial++) {
    const r = randomFloats(64, trial + 1).map((v) => (v + 1) / 2);
    const n = 2 + Math.floor(r[0]! * 20);
    const lts: Lifetime[] = Array.from({ length: n }, (_, id) => {
      const first = Math.floor(r[1 + id]! * 30), len = Math.floor(r[22 + id]! * 10);
      const size = 4 * (1 + Math.floor(r[43 + (id % 20)]! * 100));
      const tensor = { id, name: `t${id}`, shape: [1, size], planeStride: size, size, ...(r[id]! < 0.5 ? { dtype: 'f16' as const } : {}) } as Tensor;
      return { tensor, first, last: first + len };
    });
    const plan = planMemory(lts);
    for (const a of lts) {
      const slot = plan.slotOf.get(a.tensor.id)!;
      assert.ok(plan.slotSizes[slot]! >= tensorBytes(a.tensor), `trial ${trial}: ${a.tensor.name} (${tensorBytes(a.tensor)} B) in a ${plan.slotSizes[slot]} B buffer`);
      for (const b of lts) {
        if (a !== b && plan.slotOf.get(b.tensor.id) === slot) assert.ok(a.last < b.first || b.last < a.first, `trial ${trial}: ${a.tensor.name} and ${b.tensor.name} overlap but share a buffer`);
      }
    }
    // No buffer is larger than the largest tensor it holds.
    plan.slotSizes.forEach((bytes, slot) => assert.equal(bytes, Math.max(...lts.filter((l) => plan.slotOf.get(l.tensor.id) === slot).map((l) => tensorBytes(l.tensor)))));
  }
});

test('#include lines are replaced by shaders/include/ files, once each, and a missing one is named', async () => {
  const files: Record<string, string> = { 'include/a.wgsl': '#include "b.wgsl"\nfn a() {}', 'include/b.wgsl': 'fn b() {}' };
  const load = async (f: string) => { if (!(f in files)) throw new Error('no such file'); return files[f]; };
  const code = await resolveIncludes('k.wgsl', '#include "a.wgsl"\n#include "b.wgsl"\nfn main() {}', load);
  assert.equal(code.match(/fn b\(\)/g)?.length, 1, code);
  assert.match(code, /fn a\(\) \{\}/);
  await assert.rejects(resolveIncludes('k.wgsl', '#include "nope.wgsl"', load), /shaders\/k.wgsl: cannot include nope.wgsl/);
  // The pointwise and element-wise kernels share one GELU (pointwise through its stages' include,
  // which both families' pointwise kernels share), and none defines its own.
  for (const f of ['include/pointwise_stages.wgsl', 'elementwise.wgsl']) assert.match(await loadShader(f), /^#include "gelu.wgsl"$/m, f);
  for (const f of ['pointwise.wgsl', 'gpu/pointwise.wgsl']) assert.match(await loadShader(f), /^#include "pointwise_stages.wgsl"$/m, f);
  for (const f of ['pointwise.wgsl', 'gpu/pointwise.wgsl', 'elementwise.wgsl']) assert.doesNotMatch(await loadShader(f), /fn gelu\(/, f);
});

test('an #include inside a function or block is refused with its line, one at file scope is not', async () => {
  const load = async () => 'fn b() {}';
  await assert.rejects(resolveIncludes('k.wgsl', 'fn main() {\n  let a = 1;\n  #include "b.wgsl"\n}', load),
    /shaders\/k.wgsl:3: #include "b.wgsl" stands inside a \{ \} block \(depth 1\); includes must be at file scope/);
  await assert.rejects(resolveIncludes('k.wgsl', 'fn main() {\n  if (true) {\n#include "b.wgsl"\n  }\n}', load), /k.wgsl:3: .* \(depth 2\)/);
  // Braces in comments do not count; a closed function before the include is fine.
  const ok = await resolveIncludes('k.wgsl', '// { not code\nfn f() { /* } */ }\n#include "b.wgsl"\nfn main() {}', load);
  assert.match(ok, /^fn b\(\) \{\}$/m);
  // The same rule holds for a file that an include pulls in.
  await assert.rejects(resolveIncludes('k.wgsl', '#include "a.wgsl"', async (f) => f === 'include/a.wgsl' ? 'fn a() {\n#include "b.wgsl"\n}' : 'fn b() {}'),
    /shaders\/include\/a.wgsl:2: #include "b.wgsl" stands inside/);
});
