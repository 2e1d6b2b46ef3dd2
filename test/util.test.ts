// The repo's one seeded generator and one median (src/util/): the generator is the LCG it names,
// checked against BigInt arithmetic mod 2^32, not against itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LCG_INCREMENT, LCG_MULTIPLIER, Lcg, randomFloats } from '../src/util/random.ts';
import { median } from '../src/util/median.ts';

/** s ← (a·s + c) mod 2^32 in exact integer arithmetic. */
function* bigLcg(seed: number): Generator<number> {
  const M = 2n ** 32n;
  let s = BigInt(seed >>> 0);
  for (;;) { s = (1664525n * s + 1013904223n) % M; yield Number(s); }
}

test('the generator is the Numerical Recipes LCG mod 2^32 (known first outputs, then BigInt arithmetic for 10,000 steps)', () => {
  assert.deepEqual([LCG_MULTIPLIER, LCG_INCREMENT], [1664525, 1013904223]);
  // s0 = 0: the first outputs are c, a·c + c, … (Numerical Recipes' "ranqd1" sequence).
  const r0 = new Lcg(0);
  assert.deepEqual([r0.nextU32(), r0.nextU32(), r0.nextU32(), r0.nextU32()], [1013904223, 1196435762, 3519870697, 2868466484]);
  for (const seed of [1, 7, 12345, 0xffffffff, 2 ** 31 + 5]) {
    // large states are where a float multiply (s · 1664525 … or s · 1103515245) stops being exact
    const r = new Lcg(seed), ref = bigLcg(seed);
    for (let i = 0; i < 10_000; i++) {
      const want = ref.next().value as number, got = r.nextU32();
      if (got !== want) assert.fail(`seed ${seed}, step ${i}: ${got}, want ${want}`);
    }
  }
});

test('randomFloats scales the LCG states into [lo, hi) and is reproducible', () => {
  const ref = bigLcg(42), x = randomFloats(1000, 42, -3, 5);
  for (let i = 0; i < x.length; i++) assert.equal(x[i], Math.fround(-3 + 8 * ((ref.next().value as number) / 2 ** 32)), `[${i}]`);
  assert.deepEqual(randomFloats(64, 9), randomFloats(64, 9));
  assert.notDeepEqual(randomFloats(64, 9), randomFloats(64, 10));
  const r = new Lcg(3), ints = Array.from({ length: 5000 }, () => r.int(7));
  assert.deepEqual([...new Set(ints)].sort(), [0, 1, 2, 3, 4, 5, 6], 'int(n) covers [0, n) and nothing else');
});

test('median: odd and even counts, unsorted input (left as it was), one number; none is an error', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10, -2, 7, 7, 1, 100]), 7);
  assert.equal(median([2, 10]), 6);
  assert.equal(median([8]), 8);
  assert.equal(median([3, 20, 100, 1]), 11.5, 'sorted numerically, not as strings');
  const xs = [9, 1, 5];
  median(xs);
  assert.deepEqual(xs, [9, 1, 5], 'input not sorted in place');
  assert.throws(() => median([]), /median of no numbers/);
});
