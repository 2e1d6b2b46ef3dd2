// The golden-logits check of a run in a browser page (test/pages/run-case.html), shared by the
// Chromium and Firefox tests: the same tolerance, the same message naming the engine and the worst logit.
import assert from 'node:assert/strict';
import { logitsError, type GoldenCase } from './golden.ts';
import type { PageRun } from './chromium.ts';

/**
 * Asserts `r`'s logits are PyTorch's: within 1e-4·max(1, max|y|), or `scale` times that (half weights:
 * 100, the f16 tolerance); returns the error for the log.
 */
export function assertGolden(engine: string, c: GoldenCase, r: PageRun, scale = 1): { maxDiff: number; tolerance: number } {
  const got = Float32Array.from(r.logits);
  assert.equal(got.length, c.logits.length, `logits: got ${got.length} values, expected ${c.logits.length} (${c.batch}×1000)`);
  const e = logitsError(got, c.logits), tolerance = scale * e.tolerance;
  const worst = c.logits.reduce((w, y, i) => (Math.abs(got[i] - y) > Math.abs(got[w] - c.logits[w]) ? i : w), 0);
  assert.ok(e.maxDiff <= tolerance, `${c.name} in ${engine}: max|Δ| ${e.maxDiff} > ${tolerance} (worst at ${worst}: got ${got[worst]}, expected ${c.logits[worst]})`);
  assert.ok(r.stats.dispatches > 0 && r.stats.buffers > 0, `plan.stats looks empty: ${JSON.stringify(r.stats)}`);
  return { maxDiff: e.maxDiff, tolerance };
}
