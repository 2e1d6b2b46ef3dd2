// Shared GPU runtime for tests, and a helper that runs a one-op graph against a CPU reference.
import assert from 'node:assert/strict';
import { nodeRuntime } from '../../src/node.ts';
import type { Runtime } from '../../src/runtime.ts';
import { GraphBuilder } from '../../src/graph/builder.ts';
import { fromPadded, toPadded } from '../../src/graph/layout.ts';
import type { Tensor } from '../../src/graph/ir.ts';
import { WeightPool } from '../../src/graph/weights.ts';
import type { WeightFormat } from '../../src/gpu/pipelines.ts';
import { randomFloats } from '../../src/util/random.ts';
import type { Tuning } from '../../src/tuning.ts';

let rt: Promise<Runtime> | null = null;
export function runtime(): Promise<Runtime> {
  rt ??= nodeRuntime();
  return rt;
}

/**
 * Builds a graph with `build` (matrix weights in `opts.weights`' format, default f32; the op builders
 * see `opts.tuning`, default the CPU one), runs it on the given inputs (plain NCHW arrays) and returns
 * the plain output.
 */
export async function runGraph(inputs: { shape: number[]; data: Float32Array }[], build: (g: GraphBuilder, xs: Tensor[]) => Tensor,
  opts: { weights?: WeightFormat; tuning?: Tuning } = {}): Promise<Float32Array> {
  const r = await runtime();
  const g = new GraphBuilder(opts.weights ? new WeightPool(opts.weights, true) : undefined, opts.tuning);
  const xs = inputs.map((x, i) => g.input(`x${i}`, x.shape));
  g.output = build(g, xs);
  const compiled = await r.compile(g, 'test');
  try {
    const out = await compiled.run(...inputs.map((x, i) => toPadded(xs[i], x.data)));
    return fromPadded(g.output, out);
  } finally {
    compiled.destroy();
  }
}

/** Seeded uniform random numbers in [-1, 1) (the repo's one generator, src/util/random.ts). */
export const random = (n: number, seed = 1): Float32Array => randomFloats(n, seed);

/** Asserts |got − want| ≤ atol + rtol·|want| everywhere; the message names the first bad index. */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-5, rtol = 1e-5, what = 'output'): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length} != ${want.length}`);
  assert.ok(want.length > 0, `${what}: nothing to compare (empty output)`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i]))) {
      assert.fail(`${what}[${i}]: got ${got[i]}, expected ${want[i]} (|Δ| = ${err}, tolerance ${atol} + ${rtol}·|expected|)`);
    }
  }
}
