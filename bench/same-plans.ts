// `npm run same-plans -- --base REV`: does this tree dispatch exactly what REV dispatched? For every
// model, both schedules, batch 1 and 2 (bench/plan-fingerprint.ts, run in a worktree of REV and in
// this tree, on this adapter's default tuning): the same pipelines, workgroups, params and WGSL
// (comments, whitespace, the order of declarations and identity conversions aside: bench/wgsl-hash.ts), dispatch by
// dispatch. Where they are the same, a timing difference between the trees (bench/compare.ts) is
// noise. Writes bench/results/same-plans.{json,md}.
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { provenance, provenanceLine } from './provenance.ts';
import { baseWorktree, ROOT } from './base-worktree.ts';

const { values: args } = parseArgs({ options: { base: { type: 'string' } } });
if (!args.base) throw new Error('same-plans needs --base REV (a commit, tag or branch to compare this tree against)');
const worktree = baseWorktree(args.base, 'same-plans');
const { commit: baseCommit, dir: baseTree, scratch } = worktree;

type Adapter = { vendor: string; architecture: string; device: string; description: string };
function fingerprint(dir: string): { adapter: Adapter; plans: Record<string, string[]> } {
  const file = path.join(scratch, `${path.basename(dir)}.json`);
  execFileSync('node', ['--import', 'tsx', 'bench/plan-fingerprint.ts', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return JSON.parse(readFileSync(file, 'utf8'));
}
let base: Record<string, string[]>, current: Record<string, string[]>, adapter: Adapter;
try {
  for (const f of ['bench/plan-fingerprint.ts', 'bench/wgsl-hash.ts']) copyFileSync(path.join(ROOT, f), path.join(baseTree, f));
  const a = fingerprint(baseTree), b = fingerprint(ROOT);
  if (JSON.stringify(a.adapter) !== JSON.stringify(b.adapter)) throw new Error('the two trees ran on different adapters: not comparable');
  [base, current, adapter] = [a.plans, b.plans, b.adapter];
} finally {
  worktree.remove();
}

interface Row { plan: string; dispatches: number; baseDispatches: number; differing: { base: string | null; current: string | null }[] }
const rows: Row[] = [...new Set([...Object.keys(base), ...Object.keys(current)])].map((plan) => {
  const a = base[plan] ?? [], b = current[plan] ?? [];
  const differing = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ({ base: a[i] ?? null, current: b[i] ?? null })).filter((d) => d.base !== d.current);
  return { plan, dispatches: b.length, baseDispatches: a.length, differing };
});
const prov = provenance({ adapter });
const same = rows.filter((r) => !r.differing.length).length, total = rows.reduce((s, r) => s + r.dispatches, 0);
writeFileSync(path.join(ROOT, 'bench/results/same-plans.json'), JSON.stringify({ schema: 'webvit-same-plans/1', provenance: prov, base: baseCommit, rows }, null, 1) + '\n');
writeFileSync(path.join(ROOT, 'bench/results/same-plans.md'), [
  '# The dispatches of this tree against an earlier commit', '',
  `Every model, fused and unfused, batch 1 and 2 at 224, this adapter's default tuning (\`bench/plan-fingerprint.ts\`): dispatch by dispatch the pipeline, workgroups, params and WGSL (comments, layout, the order of top-level items and identity conversions aside: \`bench/wgsl-hash.ts\`). Base: commit ${baseCommit.slice(0, 12)}.`,
  '', provenanceLine(prov), '',
  `**${same} of ${rows.length} plans dispatch the same as the base** (${total} dispatches in this tree).`, '',
  '| plan | dispatches (base) | differing dispatches | first difference |', '|---|---:|---:|---|',
  ...rows.map((r) => `| ${r.plan} | ${r.dispatches} (${r.baseDispatches}) | ${r.differing.length} | ${r.differing[0] ? `\`${(r.differing[0].current ?? 'none').split(' ').slice(0, 3).join(' ')}\`` : '—'} |`),
  '',
].join('\n'));
process.stderr.write(`same-plans: ${same} of ${rows.length} plans dispatch the same as ${baseCommit.slice(0, 12)}; bench/results/same-plans.{json,md}\n`);
