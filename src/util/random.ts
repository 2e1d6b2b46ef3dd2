// The one seeded generator of the repo (random checkpoints, the CLI's input, test and benchmark
// data, fuzz cases): the 32-bit linear congruential generator of Numerical Recipes,
// s ← (1664525·s + 1013904223) mod 2^32. Math.imul keeps the product exact mod 2^32; a float
// multiply (`s * a`) passes 2^53 for a large multiplier and is then not this recurrence at all.
// Values are taken from the high bits (division by 2^32), which an LCG mod 2^32 spreads well.

export const LCG_MULTIPLIER = 1664525;
export const LCG_INCREMENT = 1013904223;

export class Lcg {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** The next state, an integer in [0, 2^32). */
  nextU32(): number { return (this.s = (Math.imul(this.s, LCG_MULTIPLIER) + LCG_INCREMENT) >>> 0); }
  /** Uniform in [0, 1). */
  next(): number { return this.nextU32() / 2 ** 32; }
  /** Uniform in [lo, hi) (hi itself only by rounding, when stored as float32). */
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  /** An integer in [0, n). */
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
}

/** n seeded float32s, uniform in [lo, hi) (default [-1, 1)), from `new Lcg(seed)`. */
export function randomFloats(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Lcg(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.uniform(lo, hi);
  return out;
}
