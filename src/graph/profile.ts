// Per-dispatch GPU time: the same steps as CompiledGraph.run, each in its own compute pass with
// timestamp writes (needs the 'timestamp-query' feature). For finding where the time goes.
import type { CompiledGraph } from './executor.ts';

export interface StepTime { name: string; kernel: string; category: string; ms: number; flops: number; bytes: number }

export async function profileSteps(graph: CompiledGraph, ...inputs: Float32Array[]): Promise<StepTime[]> {
  const { device: d, hasTimestamps } = graph.gpu;
  if (!hasTimestamps) throw new Error("this adapter has no 'timestamp-query' feature; per-dispatch times are unavailable");
  await graph.run(...inputs); // uploads the inputs and warms caches
  const n = graph.steps.length;
  const querySet = d.createQuerySet({ type: 'timestamp', count: 2 * n });
  const resolve = d.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = d.createBuffer({ size: 16 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const enc = d.createCommandEncoder({ label: 'profile' });
    graph.steps.forEach((s, i) => {
      const pass = enc.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      pass.setPipeline(s.kernel.pipeline);
      pass.setBindGroup(0, s.bindGroup);
      pass.dispatchWorkgroups(...s.node.workgroups);
      pass.end();
    });
    enc.resolveQuerySet(querySet, 0, 2 * n, resolve, 0);
    enc.copyBufferToBuffer(resolve, 0, read, 0, 16 * n);
    d.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const t = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return graph.steps.map((s, i) => ({
      name: s.node.name, kernel: s.kernel.key, category: s.node.category,
      ms: Number(t[2 * i + 1] - t[2 * i]) / 1e6, flops: s.node.flops, bytes: s.node.bytes,
    }));
  } finally {
    querySet.destroy(); resolve.destroy(); read.destroy();
  }
}
