// Every kernel through Firefox's shader compiler (naga, in wgpu), with the runtime's own pipeline
// cache: each entry point of each shaders/*.wgsl in each weight form the device supports. A shader
// naga rejects (here: a construct Dawn's Tint accepts) fails with its message and the kernel's name,
// because pipelines are made inside error scopes (src/gpu/pipelines.ts). Also: the runtime reads the
// adapter's limits and asks only for features the adapter offers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../scripts/serve.ts';
import { firefoxSkip, openFirefoxPage, type FirefoxPage } from './helpers/firefox.ts';
import { runtime } from './helpers/gpu.ts';
import { PipelineCache, pipelineKey, type ActivationFormat, type WeightFormat } from '../src/gpu/pipelines.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import { REQUESTED_LIMITS, type Gpu } from '../src/gpu/device.ts';

const skip = firefoxSkip;
let ff: FirefoxPage | undefined;
before(async () => { if (!skip) ff = await openFirefoxPage('test/pages/harness.html'); });
after(async () => { await ff?.close(); });

const SHADERS = path.join(REPO_ROOT, 'shaders');
const files = (dir = '') => readdirSync(path.join(SHADERS, dir), { withFileTypes: true })
  .flatMap((e): string[] => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.wgsl') ? [path.join(dir, e.name)] : []));
const kernelFiles = files().filter((f) => !f.startsWith('include/')).sort(); // both families

/** In the page: compiles every entry point of `names` in each weight form through a runtime on `shaderBase` (default: the bundle's shaders). */
interface Compiled { compiled: string[]; failed: string[]; hasF16: boolean; hasSubgroups: boolean }
const compileAll = (names: string[], shaderBase?: string): Promise<Compiled> => ff!.page.evaluate(async ([names, shaderBase]: any[]): Promise<Compiled> => {
  const w = (window as any).webvit;
  const rt = await w.browserRuntime(shaderBase ? { shaderBase } : {});
  try {
    // Each weight form; where the device has shader-f16, half activations with f32 and f16 weights;
    // where it has subgroups, the f32 form with subgroup reductions.
    const forms = [['f32', false, 'f32'], ['f16-packed', false, 'f32'], ...(rt.gpu.hasF16 ? [['f16', false, 'f32'], ['f32', false, 'f16'], ['f16', false, 'f16']] : []), ...(rt.gpu.hasSubgroups ? [['f32', true, 'f32']] : [])];
    const compiled: string[] = [], failed: string[] = [];
    for (const file of names) {
      for (const [weights, subgroups, activations] of forms) {
        let shader;
        try { shader = await rt.pipelines.shader(file, weights, subgroups, activations); } catch (e) {
          if (weights !== 'f32' && /reads no matrix weights/.test((e as Error).message)) continue;
          if (subgroups && /has no subgroups form/.test((e as Error).message)) continue;
          if (activations !== 'f32' && /does not type its activations/.test((e as Error).message)) continue;
          failed.push((e as Error).message); continue;
        }
        const results: PromiseSettledResult<any>[] = await Promise.allSettled([...shader.kernels.keys()].map((entry: string) => rt.pipelines.get({ file, entry, weights, subgroups, activations })));
        for (const r of results) {
          if (r.status === 'fulfilled') compiled.push(r.value.key);
          else failed.push(r.reason.message);
        }
      }
    }
    return { compiled, failed, hasF16: rt.gpu.hasF16, hasSubgroups: rt.gpu.hasSubgroups };
  } finally {
    rt.gpu.device.destroy();
  }
}, [names, shaderBase] as any[]);

/** The pipeline keys compileAll should make of `names`: each entry point in each weight form (half ones only for files with matrix weights), by reflection in Node. */
async function expectedPipelines(names: string[], hasF16: boolean, hasSubgroups: boolean): Promise<string[]> {
  const reflect = new PipelineCache({} as Gpu, nodeShaderLoader); // shader() reflects only: no device needed
  const keys: string[] = [];
  type Form = [WeightFormat, boolean, ActivationFormat];
  const forms: Form[] = [['f32', false, 'f32'], ['f16-packed', false, 'f32'], ...(hasF16 ? [['f16', false, 'f32'], ['f32', false, 'f16'], ['f16', false, 'f16']] as Form[] : []), ...(hasSubgroups ? [['f32', true, 'f32'] as Form] : [])];
  for (const file of names) {
    for (const [weights, subgroups, activations] of forms) {
      const shader = await reflect.shader(file, weights, subgroups, activations).catch((e: Error) => {
        if (weights !== 'f32' && /reads no matrix weights/.test(e.message)) return null;
        if (subgroups && /has no subgroups form/.test(e.message)) return null;
        if (activations !== 'f32' && /does not type its activations/.test(e.message)) return null;
        throw e;
      });
      for (const entry of shader?.kernels.keys() ?? []) keys.push(pipelineKey({ file, entry, weights, subgroups, activations }));
    }
  }
  return keys.sort();
}

test('in Firefox, the device has the adapter\'s limits and only features the adapter offers', { skip }, async () => {
  const r = await ff!.page.evaluate(async (names: string[]) => {
    const w = (window as any).webvit;
    const adapter = (await navigator.gpu.requestAdapter())!;
    const rt = await w.browserRuntime();
    // (no named function here: the test's transpiler would wrap it in a helper the page lacks)
    const adapterLimits = Object.fromEntries(names.map((n) => [n, (adapter.limits as any)[n]]));
    const deviceLimits = Object.fromEntries(names.map((n) => [n, rt.gpu.device.limits[n]]));
    const out = { adapterFeatures: [...adapter.features], deviceFeatures: [...rt.gpu.device.features], adapterLimits, deviceLimits, hasF16: rt.gpu.hasF16, hasTimestamps: rt.gpu.hasTimestamps, fallback: rt.gpu.isFallback };
    rt.gpu.device.destroy();
    return out;
  }, [...REQUESTED_LIMITS]) as { adapterFeatures: string[]; deviceFeatures: string[]; adapterLimits: Record<string, number>; deviceLimits: Record<string, number>; hasF16: boolean; hasTimestamps: boolean; fallback: boolean };
  console.log(`# Firefox adapter: features ${r.adapterFeatures.sort().join(' ')}; limits ${JSON.stringify(r.adapterLimits)}; fallback ${r.fallback}`);
  for (const f of r.deviceFeatures) assert.ok(r.adapterFeatures.includes(f), `the device has ${f}, which the adapter does not offer`);
  for (const n of REQUESTED_LIMITS) assert.equal(typeof r.adapterLimits[n], 'number', `the adapter reports ${n}`);
  assert.deepEqual(r.deviceLimits, r.adapterLimits, 'the device gets the adapter\'s limits');
  assert.equal(r.hasF16, r.adapterFeatures.includes('shader-f16'));
  assert.equal(r.hasTimestamps, r.adapterFeatures.includes('timestamp-query'));
  assert.ok(!r.deviceFeatures.includes('subgroups') || r.adapterFeatures.includes('subgroups'));
});

test('in Firefox, naga compiles every kernel of shaders/ in every weight form, half-activation form and subgroup form the device has', { skip, timeout: 300_000 }, async () => {
  const t0 = performance.now();
  const r = await compileAll(kernelFiles);
  assert.deepEqual(r.failed, [], `kernels naga rejected:\n${r.failed.join('\n')}`);
  // Compiled: every entry point × every weight form the file has, as the reflection in Node counts them.
  const expected = await expectedPipelines(kernelFiles, r.hasF16, r.hasSubgroups);
  assert.ok(expected.length > kernelFiles.length, `${expected.length} pipelines expected of ${kernelFiles.length} files`);
  assert.equal(r.compiled.length, expected.length, 'pipelines compiled vs entry points × weight forms');
  assert.deepEqual([...r.compiled].sort(), expected);
  const inFile = (f: string) => r.compiled.filter((k) => k.startsWith(`${f}:`)).length;
  for (const f of kernelFiles) assert.ok(inFile(f) > 0, `no kernel of ${f} compiled`);
  if (r.hasF16) assert.ok(r.compiled.some((k) => k.includes('[f16]')), 'the vec4<f16> forms compiled');
  console.log(`# Firefox compiled ${r.compiled.length} pipelines of ${kernelFiles.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s (shader-f16: ${r.hasF16}, subgroups: ${r.hasSubgroups})`);
});

// A pointer to storage memory as a function parameter: WGSL's unrestricted_pointer_parameters, which
// Tint accepts and naga does not. Added to mean.wgsl, it must fail there with the kernel's name.
const NAGA_ONLY = '\nfn naga_rejects(p: ptr<storage, array<f32>, read_write>) -> f32 { return (*p)[0]; }\n';

test('a kernel change only naga rejects fails in Firefox with its message and the kernel\'s name (Dawn compiles it)', { skip, timeout: 120_000 }, async () => {
  const broken = (file: string) => readFileSync(path.join(SHADERS, file), 'utf8') + (file === 'mean.wgsl' ? NAGA_ONLY : '');
  // Dawn (Tint) in Node: the changed shader compiles.
  const rt = await runtime();
  const dawn = new PipelineCache(rt.gpu, async (f) => broken(f));
  const entries = [...(await dawn.shader('mean.wgsl')).kernels.keys()];
  for (const entry of entries) await dawn.get({ file: 'mean.wgsl', entry });
  // Firefox: the same files, served from memory.
  for (const f of files()) ff!.server.put(`/mem/naga-only/${f}`, new TextEncoder().encode(broken(f)));
  const r = await compileAll(['mean.wgsl'], '/mem/naga-only/');
  assert.equal(r.compiled.length, 0, `compiled: ${r.compiled.join(', ')}`);
  assert.equal(r.failed.length, entries.length);
  // webvit's prefix with the kernel's name, then naga's own words about the rejected function.
  for (const m of r.failed) assert.match(m, /^cannot compile kernel mean\.wgsl:\w+: .*Shader validation error: Function \[\d+\] 'naga_rejects' is invalid/s);
  console.log(`# naga's error, as webvit reports it:\n# ${r.failed[0].split('\n').join('\n# ')}`);
});

// And the other way round: a constant bit-cast to infinity, which Tint refuses and naga accepts.
const TINT_ONLY = '\nfn tint_rejects() -> f32 { return bitcast<f32>(0x7f800000u); }\n';

test('a kernel change only Tint rejects fails on Dawn with its message and the kernel\'s name (Firefox compiles it)', { skip, timeout: 120_000 }, async () => {
  const broken = (file: string) => readFileSync(path.join(SHADERS, file), 'utf8') + (file === 'mean.wgsl' ? TINT_ONLY : '');
  for (const f of files()) ff!.server.put(`/mem/tint-only/${f}`, new TextEncoder().encode(broken(f)));
  const r = await compileAll(['mean.wgsl'], '/mem/tint-only/');
  assert.deepEqual(r.failed, []);
  const rt = await runtime();
  const dawn = new PipelineCache(rt.gpu, async (f) => broken(f));
  const entries = [...(await dawn.shader('mean.wgsl')).kernels.keys()];
  for (const entry of entries) await assert.rejects(dawn.get({ file: 'mean.wgsl', entry }), new RegExp(`^Error: cannot compile kernel mean\\.wgsl:${entry}: .*\\n.*inf cannot be represented`, 's'));
});
