// The runtime side of hostile conditions: a device lost in the middle of a run, concurrent runs on
// one model, load/run/dispose cycles that must not leak, and a batch too large for the device.
// (Own file: it destroys devices.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { load, nodeRuntime } from '../src/node.ts';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';

const skip = !torchAvailable() && 'python3-torch is not installed';
const close = (got: Float32Array, want: Float32Array, what: string) => {
  const { maxDiff, tolerance } = logitsError(got, want);
  assert.ok(maxDiff <= tolerance, `${what}: max|Δ| ${maxDiff} > ${tolerance}`);
};

test('a device lost during a run rejects that run clearly; the next run opens a new device and matches PyTorch', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const model = await load('efficientvit_m0', c.pth);
  try {
    close((await model.run(c.input)).logits, c.logits, 'before');
    const first = model.model.runtime;
    const pending = model.run(c.input);
    first.gpu.device.destroy();
    await assert.rejects(pending, (e: Error) => e.constructor === Error && /GPU device was lost/.test(e.message));
    close((await model.run(c.input)).logits, c.logits, 'after the loss');
    assert.notEqual(model.model.runtime, first, 'a new runtime');
    assert.equal(model.model.runtime.gpu.lost, null);
  } finally {
    model.dispose();
  }
  // A classifier on a runtime the caller gave it cannot replace that runtime: it says so.
  const rt = await nodeRuntime();
  const given = await load('efficientvit_m0', c.pth, { device: rt });
  rt.gpu.device.destroy();
  await rt.gpu.device.lost;
  await assert.rejects(given.run(c.input), /GPU device was lost .*cannot be used again: open a new runtime/);
});

test('concurrent runs on one model give what sequential runs give', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const model = await load('efficientvit_m0', c.pth);
  try {
    const inputs = Array.from({ length: 8 }, (_, i) => c.input.map((v) => v * (1 - 0.05 * i)));
    const sequential: Float32Array[] = [];
    for (const x of inputs) sequential.push((await model.run(x)).logits);
    const concurrent = await Promise.all(inputs.map((x) => model.run(x)));
    concurrent.forEach((r, i) => assert.deepEqual(r.logits, sequential[i], `run ${i}`));
    close(concurrent[0].logits, c.logits, 'run 0 against PyTorch');
  } finally {
    model.dispose();
  }
});

test('a batch too large for the device fails before any GPU work, naming the limit and the batch that fits', { skip }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const model = await load('efficientvit_m0', c.pth);
  try {
    const limit = model.model.runtime.gpu.device.limits.maxStorageBufferBindingSize;
    const batch = 4096;
    await assert.rejects(model.model.plan(batch, 224, 224), new RegExp(`batch ${batch} at 224×224 needs a .* MiB tensor .*maxStorageBufferBindingSize ${(limit / 2 ** 20).toFixed(1)} MiB.*run batches of at most \\d+`));
    const fit = Number(/at most (\d+)/.exec(await model.model.plan(batch, 224, 224).catch((e: Error) => e.message) as string)![1]);
    assert.ok(fit >= 1 && fit < batch, `${fit} fits`);
  } finally {
    model.dispose();
  }
});

const CYCLES = 1000;

test(`${CYCLES} load/run/dispose cycles leave no GPU buffers and no JS heap behind`, { skip }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const rt = await nodeRuntime();
  // Count the buffers the device creates and destroys.
  const d = rt.gpu.device, create = d.createBuffer.bind(d);
  let live = 0;
  d.createBuffer = (desc: GPUBufferDescriptor) => {
    const b = create(desc), destroy = b.destroy.bind(b);
    let gone = false;
    live++;
    b.destroy = () => { if (!gone) { gone = true; live--; } destroy(); };
    return b;
  };
  const heap = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
  const cycle = async () => {
    const m = await load('efficientvit_m0', c.pth, { device: rt });
    close((await m.run(c.input)).logits, c.logits, 'cycle');
    m.dispose();
  };
  for (let i = 0; i < 10; i++) await cycle(); // warm: caches, JIT
  const liveBefore = live, heapBefore = heap();
  for (let i = 10; i < CYCLES; i++) await cycle();
  assert.equal(live, liveBefore, 'live GPU buffers');
  assert.equal(live, 0, 'no buffer outlives its model');
  const growth = heap() - heapBefore;
  // One cycle parses a 9 MB checkpoint; 32 MiB over 990 cycles catches a leak of 34 KiB per cycle.
  assert.ok(growth < 32 << 20, `JS heap + array buffers grew ${(growth / 2 ** 20).toFixed(1)} MiB over ${CYCLES - 10} cycles`);
  rt.gpu.device.destroy();
});
