// The cold-start results (bench/cold-start.ts) in words: the README's paragraph, which
// test/readme-figures.test.ts checks against bench/results/cold-start.json.
import type { Provenance } from './provenance.ts';

export interface Visit { coldMs: number; cached: boolean; weightRequests: number }
export interface ColdStartResults { provenance: Provenance; model: string; weights: string; profiles: { first: Visit; second: Visit }[]; firstMs: number; secondMs: number }

/** The README's paragraph: the medians, and what the second visit saves. */
export function coldStartLines(r: ColdStartResults): string {
  const cachedAll = r.profiles.every((p) => p.second.cached && p.second.weightRequests === 0);
  return `The demo page's cold start (${r.model}, load to ready), median of ${r.profiles.length} fresh browser profiles: ` +
    `**${(r.firstMs / 1000).toFixed(2)} s** on a first visit, **${(r.secondMs / 1000).toFixed(2)} s** on a second one` +
    (cachedAll ? ', whose weights came from the cache with no request for them.' : '; some second visits fetched the weights again.');
}
