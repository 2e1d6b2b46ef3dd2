// Shared by the kernel benchmarks: builds a small graph, times its compile, then times its steps by
// encoding them `reps` times in one compute pass (one submit, wall clock to onSubmittedWorkDone),
// after a warm-up. Node only (Dawn); the adapter is whatever nodeRuntime picks (SwiftShader here).
import { mkdirSync, writeFileSync } from 'node:fs';
import { nodeRuntime } from '../src/node.ts';
import type { Runtime } from '../src/runtime.ts';
import { awaitGpu } from '../src/gpu/device.ts';
import { PipelineCache } from '../src/gpu/pipelines.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import { compileGraph, type CompiledGraph } from '../src/graph/executor.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';
import { randomFloats } from '../src/util/random.ts';

export interface Timing {
  label: string; kernels: string[];
  /** wall ms per pass, best batch (the machine is shared; the best is the least disturbed) */
  ms: number; gflops: number;
  /** process CPU ms per pass (all SwiftShader threads), best batch; less disturbed by other load than wall */
  cpuMs: number; gflopsPerCpuS: number;
  compileMs: number; dispatches: number;
}

export async function benchRuntime(): Promise<Runtime> {
  const toggles = process.env.WEBVIT_NO_ROBUSTNESS ? ['disable_robustness'] : [];
  return nodeRuntime({ toggles });
}

export interface Case { label: string; graph: CompiledGraph; flops: number; compileMs: number }

/** Builds `build` into a graph and compiles it with a fresh pipeline cache (Dawn may still reuse its own). */
export async function compileCase(rt: Runtime, label: string, inputs: number[][], build: (g: GraphBuilder, xs: Tensor[]) => Tensor): Promise<Case> {
  const g = new GraphBuilder();
  const xs = inputs.map((s, i) => g.input(`x${i}`, s));
  g.output = build(g, xs);
  const cache = new PipelineCache(rt.gpu, nodeShaderLoader);
  const t0 = performance.now();
  const graph = await compileGraph(rt.gpu, cache, g, label);
  const compileMs = performance.now() - t0;
  await graph.run(...xs.map((t) => randomArray(t.size))); // warm-up, and the inputs hold data
  return { label, graph, flops: g.nodes.reduce((a, n) => a + n.flops, 0), compileMs };
}

/**
 * Times the cases in `rounds` interleaved rounds and keeps each one's best: the machine is shared,
 * and interleaving gives every case the same chances of a quiet moment.
 */
export async function timeCases(cases: Case[], rounds = 6, minMs = 150): Promise<Timing[]> {
  const best = cases.map(() => ({ ms: Infinity, cpuMs: Infinity }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cases.entries()) {
      const t = await timeSteps(c.graph, minMs);
      if (t.ms < best[i].ms) best[i].ms = t.ms;
      if (t.cpuMs < best[i].cpuMs) best[i].cpuMs = t.cpuMs;
    }
  }
  return cases.map((c, i) => ({
    label: c.label, kernels: [...new Set(c.graph.steps.map((s) => s.kernel.key))],
    ms: best[i].ms, gflops: c.flops / best[i].ms / 1e6, cpuMs: best[i].cpuMs, gflopsPerCpuS: c.flops / best[i].cpuMs / 1e6,
    compileMs: c.compileMs, dispatches: c.graph.steps.length,
  }));
}

/** Compiles and times one graph (best of `rounds`), then frees it. */
export async function timeGraph(rt: Runtime, label: string, inputs: number[][], build: (g: GraphBuilder, xs: Tensor[]) => Tensor,
  opts: { rounds?: number; minMs?: number } = {}): Promise<Timing> {
  const c = await compileCase(rt, label, inputs, build);
  try {
    return (await timeCases([c], opts.rounds ?? 5, opts.minMs ?? 150))[0];
  } finally {
    c.graph.destroy();
  }
}

/** Wall and CPU milliseconds per pass over all steps: the best of 5 batches, each long enough to take ≥ minMs/5. */
export async function timeSteps(c: CompiledGraph, minMs: number): Promise<{ ms: number; cpuMs: number }> {
  const d = c.gpu.device;
  let expect = 0; // ms the batch is expected to take
  const batch = async (reps: number) => {
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let r = 0; r < reps; r++) {
      for (const s of c.steps) {
        pass.setPipeline(s.kernel.pipeline);
        pass.setBindGroup(0, s.bindGroup);
        pass.dispatchWorkgroups(...s.node.workgroups);
      }
    }
    pass.end();
    const t0 = performance.now(), c0 = process.cpuUsage();
    d.queue.submit([enc.finish()]);
    // Sleeps through most of the expected time first where the runtime's Tuning says the wait polls (Dawn's node bindings).
    await awaitGpu(c.gpu, expect, () => d.queue.onSubmittedWorkDone());
    const c1 = process.cpuUsage(c0);
    lastCpu = (c1.user + c1.system) / 1000;
    return performance.now() - t0;
  };
  let lastCpu = 0;
  let reps = 1;
  let t = await batch(reps); // warm-up
  t = await batch(reps);
  while (t < minMs / 5 && reps < 1 << 16) { reps *= Math.max(2, Math.min(16, Math.ceil(minMs / 5 / Math.max(t, 0.01)))); t = await batch(reps); }
  let best = { ms: Infinity, cpuMs: 0 };
  for (let i = 0; i < 5; i++) {
    expect = Math.min(t, best.ms * reps);
    const ms = (await batch(reps)) / reps;
    if (ms < best.ms) best = { ms, cpuMs: lastCpu / reps };
  }
  return best;
}

/** Seeded floats in [-0.5, 0.5) (the repo's one generator, src/util/random.ts). */
export const randomArray = (n: number, seed = 12345): Float32Array => randomFloats(n, seed, -0.5, 0.5);

export function report(file: string, meta: Record<string, unknown>, rows: Timing[]): void {
  for (const r of rows) {
    console.log(`${r.label.padEnd(30)} ${r.ms.toFixed(3).padStart(9)} ms  ${r.gflops.toFixed(2).padStart(6)} GFLOP/s  cpu ${r.cpuMs.toFixed(3).padStart(8)} ms ${r.gflopsPerCpuS.toFixed(2).padStart(5)} GFLOP/cpu-s  compile ${r.compileMs.toFixed(0).padStart(5)} ms  ${r.kernels.join(' ')}`);
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${file}`, import.meta.url), JSON.stringify({ ...meta, date: new Date().toISOString(), rows }, null, 2));
}
