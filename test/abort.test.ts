// Cancelling and freeing: load() and classify() take an AbortSignal; an aborted load frees what it
// allocated on the GPU, and two models loaded and disposed leave the device's memory where it was.
// Counted by wrapping the runtime's createBuffer and each buffer's destroy (every byte webvit puts
// on the GPU is a buffer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, nodeRuntime } from '../src/node.ts';
import type { Runtime } from '../src/runtime.ts';

const shipped = new URL('../weights/efficientvit_m0_fashion_mnist.safetensors', import.meta.url);
const image = { width: 28, height: 28, data: new Uint8Array(28 * 28 * 4).map((_, i) => (i * 37) % 256) };

/** The bytes of the runtime's buffers that are alive (created and not destroyed). */
function liveBuffers(rt: Runtime): () => number {
  const d = rt.gpu.device, live = new Map<GPUBuffer, number>();
  const create = d.createBuffer.bind(d);
  d.createBuffer = (desc: GPUBufferDescriptor) => {
    const b = create(desc);
    live.set(b, b.size);
    const destroy = b.destroy.bind(b);
    b.destroy = () => { live.delete(b); destroy(); };
    return b;
  };
  return () => [...live.values()].reduce((a, n) => a + n, 0);
}

test('an aborted load rejects with the reason and frees what it allocated, at every phase', async () => {
  const rt = await nodeRuntime();
  const live = liveBuffers(rt);
  try {
    const before = live();
    const early = new AbortController();
    early.abort(new Error('not wanted'));
    await assert.rejects(load('efficientvit_m0', shipped, { device: rt, signal: early.signal }), /not wanted/);
    for (const phase of ['read', 'parse', 'upload', 'compile'] as const) {
      const c = new AbortController();
      await assert.rejects(load('efficientvit_m0', shipped, { device: rt, signal: c.signal, onProgress: (p) => { if (p.phase === phase) c.abort(new Error(`stopped at ${phase}`)); } }),
        new RegExp(`stopped at ${phase}`));
      assert.equal(live(), before, `after an abort at ${phase}, every buffer the load made is destroyed`);
    }
  } finally {
    rt.gpu.device.destroy();
  }
});

test('two models loaded and disposed leave the GPU memory where it was; an aborted classify drops its result', async () => {
  const rt = await nodeRuntime();
  const live = liveBuffers(rt);
  try {
    const before = live();
    const a = await load('efficientvit_m0', shipped, { device: rt, dtype: 'f32' });
    const b = await load('efficientvit_m0', shipped, { device: rt, dtype: 'f16' });
    assert.equal((await a.classify(image))[0].index, (await b.classify(image))[0].index);
    assert.ok(live() - before >= a.details().memory.total + b.details().memory.total - 1024, `live ${live() - before} B for two models of ${a.details().memory.total} and ${b.details().memory.total} B`);
    const c = new AbortController();
    const pending = a.classify([image, image], { signal: c.signal });
    c.abort(new Error('user left'));
    await assert.rejects(pending, /user left/);
    assert.equal((await a.classify(image)).length, 5, 'the classifier works after an aborted call');
    a.dispose();
    b.dispose();
    assert.equal(live(), before);
  } finally {
    rt.gpu.device.destroy();
  }
});
