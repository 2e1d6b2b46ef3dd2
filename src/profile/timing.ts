// GPU time of a compiled graph's dispatches, by the best method the device allows:
//   timestamp-inside-pass  one compute pass, a timestamp before the first dispatch and after each
//                          (Chromium's chromium-experimental-timestamp-query-inside-passes feature,
//                          exposed with --enable-webgpu-developer-features);
//   timestamp-per-pass     each dispatch in its own pass with begin/end timestamps ('timestamp-query');
//   wall-clock             each dispatch submitted alone and awaited, minus an empty submit's time.
// The whole inference (one pass) is timed by pass timestamps, else by the wall clock.
import { INSIDE_PASSES, awaitGpu, type Gpu } from '../gpu/device.ts';
import { encodeSteps, type Step } from '../graph/executor.ts';
import { median } from '../util/median.ts';

export type TimingMethod = 'timestamp-inside-pass' | 'timestamp-per-pass' | 'wall-clock';
/** Dawn's limit on the queries of one query set. */
const MAX_QUERIES = 4096;

export interface StepTimer {
  method: TimingMethod;
  /** GPU ms of each step, from one run of all of them */
  perDispatch(steps: readonly Step[]): Promise<number[]>;
  /** GPU ms of all the steps in one compute pass (what an inference costs) */
  whole(steps: readonly Step[]): Promise<number>;
  /** timestamps seen so far are multiples of this many ns (≥ 10 µs: the browser quantises them), else null */
  quantumNs(): number | null;
  /** timestamp pairs seen so far whose end came before their start (counted as 0 ms) */
  reversedStamps(): number;
}

/** The best method this device supports (or `prefer`, if it is supported). */
export function stepTimer(gpu: Gpu, prefer?: TimingMethod): StepTimer {
  const d = gpu.device;
  const inside = d.features.has(INSIDE_PASSES);
  const supported: TimingMethod[] = [...(inside ? ['timestamp-inside-pass' as const] : []), ...(gpu.hasTimestamps ? ['timestamp-per-pass' as const] : []), 'wall-clock'];
  if (prefer && !supported.includes(prefer)) throw new Error(`timing method ${prefer} is not available on this device (available: ${supported.join(', ')})`);
  const method = prefer ?? supported[0];
  const deltas: bigint[] = [];
  // Waits sleep through most of the time the same kind of wait took before (awaitGpu).
  const expected = new Map<string, number>();
  const settle = async (kind: string, wait: () => Promise<unknown>) => { expected.set(kind, await awaitGpu(gpu, expected.get(kind) ?? 0, wait)); };

  /** Encodes `record(pass, querySet)` for `n` timestamps and returns them (ns, as bigint). */
  const stamps = async (kind: string, n: number, record: (enc: GPUCommandEncoder, qs: GPUQuerySet) => void): Promise<bigint[]> => {
    const qs = d.createQuerySet({ type: 'timestamp', count: n });
    const resolve = d.createBuffer({ size: 8 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = d.createBuffer({ size: 8 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const enc = d.createCommandEncoder({ label: 'profile' });
      record(enc, qs);
      enc.resolveQuerySet(qs, 0, n, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, 8 * n);
      d.queue.submit([enc.finish()]);
      await settle(kind, () => read.mapAsync(GPUMapMode.READ));
      const t = [...new BigUint64Array(read.getMappedRange().slice(0))];
      read.unmap();
      return t;
    } finally {
      qs.destroy(); resolve.destroy(); read.destroy();
    }
  };
  let reversed = 0;
  const diff = (a: bigint, b: bigint) => { if (b < a) reversed++; const x = b > a ? b - a : 0n; deltas.push(x); return Number(x) / 1e6; };

  const wholeByStamps = async (steps: readonly Step[]) => {
    const [t0, t1] = await stamps('whole', 2, (enc, qs) => {
      const pass = enc.beginComputePass({ label: 'profile', timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
      encodeSteps(pass, steps);
      pass.end();
    });
    return diff(t0, t1);
  };

  /** Submits `encode`'s work and returns wall ms until the queue is done. */
  const wall = async (kind: string, encode: (pass: GPUComputePassEncoder) => void) => {
    const enc = d.createCommandEncoder({ label: 'profile' });
    const pass = enc.beginComputePass({ label: 'profile' });
    encode(pass);
    pass.end();
    const t0 = performance.now();
    d.queue.submit([enc.finish()]);
    await settle(kind, () => d.queue.onSubmittedWorkDone());
    return performance.now() - t0;
  };
  let emptyMs: number | null = null;
  const emptySubmit = async () => {
    if (emptyMs === null) {
      const t: number[] = [];
      for (let i = 0; i < 7; i++) t.push(await wall('empty', () => {}));
      emptyMs = median(t);
    }
    return emptyMs;
  };

  const perDispatch: Record<TimingMethod, (steps: readonly Step[]) => Promise<number[]>> = {
    'timestamp-inside-pass': async (steps) => {
      const out: number[] = [];
      for (let at = 0; at < steps.length; at += MAX_QUERIES - 1) {
        const chunk = steps.slice(at, at + MAX_QUERIES - 1);
        const t = await stamps('inside', chunk.length + 1, (enc, qs) => {
          const pass = enc.beginComputePass({ label: 'profile' }) as GPUComputePassEncoder & { writeTimestamp(q: GPUQuerySet, i: number): void };
          pass.writeTimestamp(qs, 0);
          chunk.forEach((s, i) => { encodeSteps(pass, [s]); pass.writeTimestamp(qs, i + 1); });
          pass.end();
        });
        chunk.forEach((_, i) => out.push(diff(t[i], t[i + 1])));
      }
      return out;
    },
    'timestamp-per-pass': async (steps) => {
      const out: number[] = [];
      for (let at = 0; at < steps.length; at += MAX_QUERIES / 2) {
        const chunk = steps.slice(at, at + MAX_QUERIES / 2);
        const t = await stamps('per-pass', 2 * chunk.length, (enc, qs) => {
          chunk.forEach((s, i) => {
            const pass = enc.beginComputePass({ label: 'profile', timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
            encodeSteps(pass, [s]);
            pass.end();
          });
        });
        chunk.forEach((_, i) => out.push(diff(t[2 * i], t[2 * i + 1])));
      }
      return out;
    },
    'wall-clock': async (steps) => {
      const base = await emptySubmit();
      const out: number[] = [];
      // Each step learns its own expected time, so a long dispatch does not make the next ones wait.
      for (const [i, s] of steps.entries()) out.push(Math.max(0, (await wall(`one:${i}`, (p) => encodeSteps(p, [s]))) - base));
      return out;
    },
  };

  return {
    method,
    perDispatch: perDispatch[method],
    whole: gpu.hasTimestamps ? wholeByStamps : async (steps) => Math.max(0, (await wall('whole', (p) => encodeSteps(p, steps))) - (await emptySubmit())),
    quantumNs: () => {
      const nz = deltas.filter((x) => x > 0n);
      if (nz.length < 8) return null;
      const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
      const q = nz.reduce(gcd);
      return q >= 10_000n ? Number(q) : null;
    },
    reversedStamps: () => reversed,
  };
}
