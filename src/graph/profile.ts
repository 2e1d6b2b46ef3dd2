// GPU time of a compiled graph from timestamp queries (needs the 'timestamp-query' feature): per
// dispatch (each in its own compute pass) to see where the time goes, or for the whole pass.
import { encodeSteps, type CompiledGraph, type Step } from './executor.ts';

export interface StepTime { name: string; kernel: string; category: string; ms: number; flops: number; bytes: number }

/** Runs each group of steps in its own timed compute pass, one submit; returns ms per group. */
export async function timePasses(graph: CompiledGraph, passes: readonly (readonly Step[])[]): Promise<number[]> {
  const { device: d, hasTimestamps } = graph.gpu;
  if (!hasTimestamps) throw new Error("this adapter has no 'timestamp-query' feature; GPU times are unavailable");
  const n = passes.length;
  const querySet = d.createQuerySet({ type: 'timestamp', count: 2 * n });
  const resolve = d.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = d.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = d.createCommandEncoder({ label: 'timed' });
    passes.forEach((steps, i) => {
      const pass = enc.beginComputePass({ label: 'timed', timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      encodeSteps(pass, steps);
      pass.end();
    });
    enc.resolveQuerySet(querySet, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
    d.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return passes.map((_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1e6);
  } finally {
    querySet.destroy(); resolve.destroy(); read.destroy();
  }
}

/** Per-dispatch GPU ms, after one warm-up run on `inputs` (which also uploads them). */
export async function profileSteps(graph: CompiledGraph, ...inputs: Float32Array[]): Promise<StepTime[]> {
  await graph.run(...inputs);
  const ms = await timePasses(graph, graph.steps.map((s) => [s]));
  return graph.steps.map((s, i) => ({
    name: s.node.name, kernel: s.kernel.key, category: s.node.category, ms: ms[i], flops: s.node.flops, bytes: s.node.bytesRead + s.node.bytesWritten,
  }));
}
