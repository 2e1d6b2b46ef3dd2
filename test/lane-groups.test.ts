// shaders/include/lane_groups.wgsl, the small groups' reductions of flash attention's rows, in both
// forms (lane_shuffles.wgsl: workgroup memory; lane_shuffles_subgroups.wgsl: subgroup shuffles where
// lanes_shuffle finds the subgroups hold whole aligned groups, else workgroup memory), through a
// probe kernel (test/fixtures/lane_groups_probe.wgsl), against plain sums and maxima. Groups of
// n = 1 … 64 over 3 workgroups; values with a large mean and a wide range; every invocation of a group
// must get the same bits (flash attention's 4 lanes each keep the row's running sum).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { random, runtime } from './helpers/gpu.ts';
import { resolveIncludes } from '../src/gpu/shaders.ts';
import { subgroupForm } from '../src/gpu/pipelines.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';

const WG = 64, GROUPS = 3;
const x = random(WG * GROUPS, 7).map((v, i) => (i % 5 === 0 ? 1e4 + v : 300 * v));

async function probe(subgroups: boolean, n: number, forceWorkgroup: boolean): Promise<Float32Array> {
  const d = (await runtime()).gpu.device;
  const main = 'fixtures/lane_groups_probe.wgsl';
  const code = await resolveIncludes(main, readFileSync(new URL(main, import.meta.url), 'utf8'), (f) => nodeShaderLoader(subgroupForm(f, subgroups)));
  d.pushErrorScope('validation');
  const module = d.createShaderModule({ code: (subgroups ? 'enable subgroups; ' : '') + code });
  const pipeline = d.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const params = d.createBuffer({ size: 8, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const xs = d.createBuffer({ size: 4 * x.length, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const ys = d.createBuffer({ size: 12 * x.length, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const read = d.createBuffer({ size: 12 * x.length, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  d.queue.writeBuffer(params, 0, new Uint32Array([n, forceWorkgroup ? 1 : 0]));
  d.queue.writeBuffer(xs, 0, x);
  const bind = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [params, xs, ys].map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const enc = d.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(GROUPS);
  pass.end();
  enc.copyBufferToBuffer(ys, 0, read, 0, read.size);
  d.queue.submit([enc.finish()]);
  const error = await d.popErrorScope();
  assert.equal(error, null, error?.message);
  await read.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(read.getMappedRange().slice(0));
  for (const b of [params, xs, ys, read]) b.destroy();
  return out;
}

/** Checks every invocation's sum and max against its group's, and returns whether the workgroups took shuffles (all the same). */
function check(out: Float32Array, n: number, at: string): boolean {
  const shuffled = new Set<number>();
  for (let g0 = 0; g0 < x.length; g0 += n) {
    let sum = 0, max = -Infinity, mag = 0;
    for (let i = g0; i < g0 + n; i++) { sum += x[i]!; max = Math.max(max, x[i]!); mag += Math.abs(x[i]!); }
    for (let i = g0; i < g0 + n; i++) {
      assert.equal(out[3 * i], out[3 * g0], `${at}: invocation ${i} got another sum than its group's first`);
      assert.ok(Math.abs(out[3 * i]! - sum) <= 1e-6 * mag, `${at}: group at ${g0}: sum ${out[3 * i]}, want ${sum}`);
      assert.equal(out[3 * i + 1], Math.fround(max), `${at}: group at ${g0}: max`);
      shuffled.add(out[3 * i + 2]!);
    }
  }
  assert.equal(shuffled.size, 1, `${at}: some workgroups shuffled and some did not`);
  return shuffled.has(1);
}

const SIZES = [1, 2, 4, 8, 16, 32, 64];

test('lane groups, workgroup form: sums and maxima over groups of 1 … 64', async () => {
  for (const n of SIZES) assert.equal(check(await probe(false, n, false), n, `n = ${n}`), false, 'the workgroup form never shuffles');
});

test('lane groups, subgroup form: shuffles where the subgroups hold whole groups, else workgroup memory; both right', async (t) => {
  const rt = await runtime();
  if (!rt.gpu.hasSubgroups) { t.skip('this adapter has no subgroups feature'); return; }
  const info = rt.gpu.device.adapterInfo as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  const min = info.subgroupMinSize ?? 0, max = info.subgroupMaxSize ?? 0;
  const took: number[] = [];
  for (const n of SIZES) {
    if (check(await probe(true, n, false), n, `n = ${n}`)) took.push(n);
    assert.equal(check(await probe(true, n, true), n, `n = ${n}, forced to workgroup memory`), false);
    // A group larger than any subgroup cannot be shuffled: the check must refuse it.
    if (max > 0 && n > max) assert.ok(!took.includes(n), `n = ${n} > the largest subgroup (${max}), yet it shuffled`);
  }
  t.diagnostic(`subgroups of ${min}–${max}; shuffled groups of ${took.join(', ')}`);
  // On this machine's adapter (SwiftShader: subgroups of 4 consecutive invocations) flash attention's
  // rows of 4 take the shuffles, so its subgroup form's tests run them.
  if (min >= 4) assert.ok(took.includes(4), `groups of 4 did not shuffle on subgroups of ${min}–${max}: flash attention's subgroup form would never shuffle here`);
});
