// The parallelism model's inputs are the kernels' own: for every dispatch of every model, both kernel
// families and both schedules, the `parallelism` its op builder declares (src/graph/ir.ts) is checked
// against the WGSL it runs — the workgroup size against the entry point's @workgroup_size (overrides
// and constants substituted), the workgroup memory against the `var<workgroup>` arrays the entry
// point uses — and the GPU family keeps the shape a GPU needs (≤ 32 accumulators per invocation,
// ≤ 256 invocations and ≤ 16 KiB of workgroup memory per workgroup: WebGPU's default limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { WeightPool } from '../src/graph/weights.ts';
import { DEFAULT_LIMITS, GPU_FAMILY_NEEDS, gpuTuning, type KernelFamily } from '../src/tuning.ts';
import { loweringFor } from '../src/model.ts';
import { resolveIncludes } from '../src/gpu/shaders.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import { pipelineKey, subgroupForm, type KernelRef } from '../src/gpu/pipelines.ts';
import type { Node } from '../src/graph/ir.ts';
import type { ScheduleName } from '../src/schedule/index.ts';

/** The text of function `name`'s body (brace-matched), or null. */
function body(code: string, name: string): string | null {
  const m = new RegExp(`fn\\s+${name}\\s*\\(`).exec(code);
  if (!m) return null;
  let i = code.indexOf('{', m.index), depth = 0;
  const start = i;
  for (; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return code.slice(start, i + 1);
  }
  throw new Error(`unbalanced braces in fn ${name}`);
}

/** Module-scope constants and overrides (default, or the kernel's value), evaluated in order. */
function constants(code: string, overrides: KernelRef['overrides'] = {}): Map<string, number> {
  const env = new Map<string, number>();
  for (const m of code.matchAll(/^\s*(const|override)\s+(\w+)\s*(?::\s*[\w<>]+)?\s*(?:=\s*([^;]+))?;/gm)) {
    const [, kind, name, expr] = m;
    if (kind === 'override' && name in overrides) env.set(name, Number(overrides[name]));
    else if (expr !== undefined) { const v = evaluate(expr, env); if (v !== null) env.set(name, v); }
  }
  return env;
}

/** An integer expression of literals (1u, 16), named constants, + - * / ( ); null if it is anything else. */
function evaluate(expr: string, env: Map<string, number>): number | null {
  const js = expr.replace(/\b(\d+)[uif]?\b/g, '$1').replace(/\b[A-Za-z_]\w*\b/g, (n) => (env.has(n) ? String(env.get(n)) : 'NaN'));
  if (!/^[\d\s+\-*/().NaN]*$/.test(js)) return null;
  const v = Function(`return (${js});`)() as number;
  return Number.isFinite(v) ? Math.trunc(v) : null;
}

const SCALAR: Record<string, number> = { f32: 4, u32: 4, i32: 4, f16: 2, bool: 4 };
/** Bytes of a WGSL type in workgroup memory (arrays of vec3 padded to 16). */
function sizeOf(type: string, env: Map<string, number>): number {
  type = type.trim();
  const arr = /^array<(.+),\s*([^,<>]+)>$/.exec(type);
  if (arr) {
    const n = evaluate(arr[2], env);
    if (n === null) throw new Error(`array length ${arr[2]} is not a constant`);
    return n * sizeOf(arr[1], env);
  }
  const vec = /^vec([234])<(\w+)>$/.exec(type);
  if (vec) return (vec[1] === '3' ? 4 : Number(vec[1])) * SCALAR[vec[2]];
  const mat = /^mat(\d)x(\d)<f32>$/.exec(type);
  if (mat) return Number(mat[1]) * (mat[2] === '3' ? 4 : Number(mat[2])) * 4;
  if (type in SCALAR) return SCALAR[type];
  if (/^atomic<[ui]32>$/.test(type)) return 4;
  throw new Error(`cannot size workgroup type ${type}`);
}

interface Shape { workgroupSize: number; workgroupMemory: number; sizeX: number }
const shapes = new Map<string, Promise<Shape>>();

/** The entry point's workgroup size and the workgroup memory of the arrays it (or a function it calls) uses. */
async function kernelShape(k: KernelRef): Promise<Shape> {
  const key = pipelineKey(k);
  if (!shapes.has(key)) {
    shapes.set(key, (async () => {
      // The kernel's form: its subgroup form swaps the reduction include, as the pipeline cache does.
      const load = (f: string) => nodeShaderLoader(subgroupForm(f, k.subgroups));
      const code = (await resolveIncludes(k.file, await load(k.file), load)).replace(/\/\/[^\n]*/g, '');
      const env = constants(code, k.overrides);
      const attr = new RegExp(`@workgroup_size\\(([^)]*)\\)\\s*fn\\s+${k.entry}\\s*\\(`).exec(code);
      assert.ok(attr, `${k.file}: no entry point ${k.entry}`);
      const dims = attr[1].split(',').filter((s) => s.trim()).map((s) => evaluate(s, env));
      assert.ok(dims.every((d) => d !== null), `${k.file}:${k.entry}: workgroup size (${attr[1]}) is not constant`);
      // Functions reachable from the entry point.
      const seen = new Set<string>(), todo = [k.entry];
      const fns = new Set([...code.matchAll(/fn\s+(\w+)\s*\(/g)].map((m) => m[1]));
      let text = '';
      while (todo.length) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        const b = body(code, f) ?? '';
        text += b;
        for (const m of b.matchAll(/\b(\w+)\s*\(/g)) if (fns.has(m[1])) todo.push(m[1]);
      }
      let memory = 0;
      for (const m of code.matchAll(/var<workgroup>\s+(\w+)\s*:\s*([^;]+);/g)) {
        if (new RegExp(`\\b${m[1]}\\b`).test(text)) memory += sizeOf(m[2], env);
      }
      return { workgroupSize: (dims as number[]).reduce((a, b) => a * b, 1), workgroupMemory: memory, sizeX: dims[0]! };
    })());
  }
  return shapes.get(key)!;
}

/** The most any GPU-family dispatch uses, over all models: GPU_FAMILY_NEEDS must equal it (checked last). */
const most = { storage: 0, invocations: 0, sizeX: 0 };

async function check(nodes: Node[], what: string): Promise<void> {
  for (const n of nodes) {
    const p = n.parallelism, at = `${what}: ${n.name} (${n.kernel.file}:${n.kernel.entry})`;
    assert.ok(p, `${at}: no parallelism`);
    const real = await kernelShape(n.kernel);
    assert.equal(p.workgroupSize, real.workgroupSize, `${at}: declares ${p.workgroupSize} invocations per workgroup, the kernel has ${real.workgroupSize}`);
    assert.equal(p.workgroupMemory, real.workgroupMemory, `${at}: declares ${p.workgroupMemory} bytes of workgroup memory, the kernel uses ${real.workgroupMemory}`);
    assert.ok(Number.isInteger(p.accumulators) && p.accumulators >= 1, `${at}: accumulators ${p.accumulators}`);
    assert.ok(Number.isInteger(p.serialFmas) && p.serialFmas >= 1, `${at}: serialFmas ${p.serialFmas}`);
    if (n.kernel.file.startsWith('gpu/')) {
      // What GPU_FAMILY_NEEDS says the family needs of a device (checked when the family is chosen), within WebGPU's default limits.
      assert.ok(p.accumulators <= 32, `${at}: a GPU-family kernel holds ${p.accumulators} accumulators per invocation (≤ 32)`);
      assert.ok(p.workgroupSize <= GPU_FAMILY_NEEDS.invocations, `${at}: ${p.workgroupSize} invocations per workgroup > GPU_FAMILY_NEEDS`);
      assert.ok(real.sizeX <= GPU_FAMILY_NEEDS.workgroupSizeX, `${at}: workgroup size x ${real.sizeX} > GPU_FAMILY_NEEDS`);
      assert.ok(p.workgroupMemory <= GPU_FAMILY_NEEDS.workgroupStorage, `${at}: ${p.workgroupMemory} bytes of workgroup memory > GPU_FAMILY_NEEDS`);
      most.storage = Math.max(most.storage, p.workgroupMemory);
      most.invocations = Math.max(most.invocations, p.workgroupSize);
      most.sizeX = Math.max(most.sizeX, real.sizeX);
    }
  }
}

const SCHEDULES: ScheduleName[] = ['fused', 'unfused'];
for (const name of Object.keys(MODELS)) {
  test(`${name}: every dispatch's declared parallelism is its kernel's (both families, both schedules, subgroups on and off, batch 2)`, async () => {
    const info = MODELS[name];
    const sd = randomStateDict(name);
    // The GPU defaults (what a GPU adapter gets), the family forced; the GPU family's reductions in both forms, and its one-kernel FFN.
    const forms: [KernelFamily, boolean][] = [['cpu', false], ['gpu', false], ['gpu', true]];
    for (const [family, subgroups] of forms) {
      const tuning = { ...gpuTuning(DEFAULT_LIMITS), kernels: family, subgroups, ffnOneKernel: subgroups };
      for (const schedule of SCHEDULES) {
        const g = info.build(sd, { batch: 2, height: 224, width: 224 }, loweringFor(schedule, tuning), new WeightPool('f32', true), tuning);
        await check(g.nodes, `${name} ${family}${subgroups ? ' subgroups' : ''} ${schedule}`);
      }
    }
  });
}

test('GPU_FAMILY_NEEDS is what the GPU family\'s largest dispatches need, within WebGPU\'s default limits', () => {
  assert.deepEqual(GPU_FAMILY_NEEDS, { invocations: most.invocations, workgroupSizeX: most.sizeX, workgroupStorage: most.storage });
  assert.ok(most.storage <= DEFAULT_LIMITS.maxComputeWorkgroupStorageSize && most.invocations <= DEFAULT_LIMITS.maxComputeInvocationsPerWorkgroup);
});
