// The fuzz benchmark's webvit side, in its own process so that a hang can be killed: reads cases
// from stdin (u32 length, bytes) and writes one JSON line per case — the outcome, the ms it took
// and the process's peak memory growth while it ran (Linux: VmHWM, reset before each case, minus
// the resident size after a full GC). Run by bench/fuzz.ts with node --expose-gc.
import { readFileSync, writeFileSync } from 'node:fs';
import { ourOutcome } from './outcome.ts';

const statusBytes = (field: string): number => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
};
const gc = (globalThis as { gc?: () => void }).gc;

let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk: Buffer) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const n = pending.readUInt32LE(0);
    if (pending.length < 4 + n) return;
    const bytes = new Uint8Array(pending.subarray(4, 4 + n));
    pending = pending.subarray(4 + n);
    gc?.();
    try { writeFileSync('/proc/self/clear_refs', '5'); } catch { /* not Linux: the peak covers the whole run */ }
    const base = statusBytes('VmRSS');
    const t0 = performance.now();
    const outcome = ourOutcome(bytes);
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ...outcome, ms, rssPeak: statusBytes('VmHWM') - base }) + '\n');
  }
});
