// Memory plan from tensor lifetimes: each intermediate tensor lives from the node that writes it to
// the last node that reads it; tensors whose lifetimes do not overlap share a buffer. Assignment is
// greedy by size (largest tensors first, each into the smallest free buffer that fits, else the
// largest free one grown, else a new one) as in arXiv 2001.03288's "greedy by size" for shared objects.
// Sizes are in bytes, so tensors of different dtypes (half activations beside float32 casts) share.
import { tensorBytes, type Tensor } from './ir.ts';

export interface Lifetime { tensor: Tensor; first: number; last: number }
/** slotSizes: each buffer's bytes; slotOf: tensor id → its buffer */
export interface MemoryPlan { slotSizes: number[]; slotOf: Map<number, number> }

export function planMemory(lifetimes: Lifetime[]): MemoryPlan {
  const order = [...lifetimes].sort((a, b) => tensorBytes(b.tensor) - tensorBytes(a.tensor) || a.first - b.first);
  const slots: { size: number; users: Lifetime[] }[] = [];
  const slotOf = new Map<number, number>();
  const overlaps = (a: Lifetime, b: Lifetime) => a.first <= b.last && b.first <= a.last;
  for (const lt of order) {
    let best = -1;
    for (let s = 0; s < slots.length; s++) {
      if (slots[s].users.some((u) => overlaps(u, lt))) continue;
      if (best < 0) { best = s; continue; }
      const fits = slots[s].size >= tensorBytes(lt.tensor), bestFits = slots[best].size >= tensorBytes(lt.tensor);
      if (fits && (!bestFits || slots[s].size < slots[best].size)) best = s;
      else if (!fits && !bestFits && slots[s].size > slots[best].size) best = s;
    }
    if (best < 0) { best = slots.length; slots.push({ size: 0, users: [] }); }
    slots[best].users.push(lt);
    slots[best].size = Math.max(slots[best].size, tensorBytes(lt.tensor));
    slotOf.set(lt.tensor.id, best);
  }
  return { slotSizes: slots.map((s) => s.size), slotOf };
}
