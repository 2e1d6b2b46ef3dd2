// What webvit makes of one fuzz case: a state dict (digested as scripts/fuzz/reference.py digests
// PyTorch's: names in order, kind, shape, values with NaNs made canonical) or an error, and the
// memory the load charged to its budget.
import { createHash } from 'node:crypto';
import { loadStateDict } from '../../src/weights/load.ts';
import { MemoryBudget, defaultMaxBytes } from '../../src/weights/budget.ts';
import type { StateDict } from '../../src/weights/tensor.ts';

export type Outcome =
  | { ok: true; digest: string; tensors: number; charged: number }
  | { ok: false; error: string; /** an Error with a message (not an engine error such as RangeError) */ clean: boolean; charged: number };

export function digest(sd: StateDict): string {
  const h = createHash('sha256');
  for (const name of [...sd.keys()].sort()) {
    const t = sd.get(name)!;
    h.update(Buffer.from(`${name}\0${t.dtype}\0${t.shape.join(',')}\0`, 'utf8'));
    if (t.dtype === 'f32') {
      const bits = new Uint32Array(t.data.length);
      bits.set(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
      for (let i = 0; i < t.data.length; i++) if (Number.isNaN(t.data[i])) bits[i] = 0x7fc00000;
      h.update(new Uint8Array(bits.buffer));
    } else {
      h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  return h.digest('hex');
}

export function ourOutcome(bytes: Uint8Array): Outcome {
  const budget = new MemoryBudget(defaultMaxBytes(bytes.length), bytes.length);
  try {
    const sd = loadStateDict(bytes, { budget });
    return { ok: true, digest: digest(sd), tensors: sd.size, charged: budget.used };
  } catch (e) {
    const clean = e instanceof Error && e.constructor === Error && e.message.length > 0;
    const error = e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 300)}` : String(e).slice(0, 300);
    return { ok: false, error, clean, charged: budget.used };
  }
}
