// bench/results/compare*.md from its JSON (bench/compare.ts writes both; `npm run compare -- --report
// --name NAME` rewrites the .md). Per model two ratios of this tree's times over the base's: of the
// best runs, and of the medians; one low outlier moves the first, not the second.
import { median } from '../src/util/median.ts';
import { provenanceLine, type Provenance } from './provenance.ts';

export interface CompareRow { model: string; base: number[]; current: number[]; ratio: number }
export interface CompareResults { schema: 'webvit-compare/1'; provenance: Provenance; base: string; schedule: string; runs: number; reps: number; rows: CompareRow[] }

/** This tree's median time over the base's. */
export const medianRatio = (r: CompareRow) => median(r.current) / median(r.base);

export function compareMarkdown(c: CompareResults): string {
  const f = (x: number) => x.toFixed(2), range = (xs: number[]) => `median ${median(xs).toFixed(3)}, range ${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;
  const best = c.rows.map((r) => r.ratio), med = c.rows.map(medianRatio);
  return [
    '# This tree against an earlier commit', '',
    `GPU ms of one whole inference at 224, batch 1, ${c.schedule} schedule (\`webvit profile\`'s median of ${c.runs} runs, in Node), each model timed in both checkouts in fresh processes, the order alternating from model to model${c.reps > 1 ? `, ${c.reps} times` : ''}; ratios = this tree's time over the base's, of the best runs and of the medians (below 1: faster now). Base: commit ${c.base.slice(0, 12)}.`,
    '', provenanceLine(c.provenance), '',
    '| model | base ms | this tree ms | best / best | median / median |', '|---|---:|---:|---:|---:|',
    ...c.rows.map((r) => `| ${r.model} | ${r.base.map(f).join(', ')} | ${r.current.map(f).join(', ')} | ${r.ratio.toFixed(3)} | ${medianRatio(r).toFixed(3)} |`),
    '', `Best over best: ${range(best)}. Median over median: ${range(med)}.`, '',
  ].join('\n');
}
