// `npm run compare -- --base REV`: is any model slower than at REV on this adapter? Checks REV out
// into a temporary git worktree beside this one and times webvit's whole inference (GPU time, one
// compute pass, `webvit profile`'s median of --runs) of each model in both trees, alternating which
// tree goes first from model to model, each in a fresh process; --reps repeats that per model. Writes
// bench/results/compare.{json,md} (or --out DIR) with the provenance of this tree, the base commit,
// every measurement and the ratios of the best and of the median times (new / base). Run it with nothing else on the
// machine: a process's first inference pays for its pipeline compiles, which the profiler keeps out
// of the timed runs, but other load still shows up in the ratios. --name NAME writes NAME.{json,md}
// instead (a narrower comparison beside the whole one); --report rewrites NAME.md from NAME.json.
//   node --import tsx bench/compare.ts --base 0ed5b05 [--models a,b] [--schedule fused] [--runs 5] [--reps 1] [--out DIR] [--name compare]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MODELS } from '../src/models/registry.ts';
import { provenance, type Provenance } from './provenance.ts';
import { compareMarkdown, type CompareResults, type CompareRow } from './report-compare.ts';
import { baseWorktree, ROOT } from './base-worktree.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' }, models: { type: 'string', default: Object.keys(MODELS).join(',') },
    schedule: { type: 'string', default: 'fused' }, runs: { type: 'string', default: '5' }, reps: { type: 'string', default: '1' },
    out: { type: 'string' }, name: { type: 'string', default: 'compare' }, report: { type: 'boolean', default: false },
  },
});
if (!/^compare[\w-]*$/.test(args.name!)) throw new Error(`--name must start with "compare" (bench/results keeps compare*.json), got ${args.name}`);
if (args.report) {
  // Measure nothing: NAME.md again from NAME.json.
  const dir = args.out ? path.resolve(args.out) : fileURLToPath(new URL('results/', import.meta.url));
  const json = path.join(dir, `${args.name}.json`);
  writeFileSync(json.replace(/\.json$/, '.md'), compareMarkdown(JSON.parse(readFileSync(json, 'utf8')) as CompareResults));
  process.stderr.write(`compare: rewrote ${json.replace(/\.json$/, '.md')} from its JSON\n`);
  process.exit(0);
}
if (!args.base) throw new Error('compare needs --base REV (a commit, tag or branch to compare this tree against)');
const models = args.models!.split(',');
for (const m of models) if (!Object.hasOwn(MODELS, m)) throw new Error(`unknown model ${m}; one of ${Object.keys(MODELS).join(', ')}`);
const runs = Number(args.runs), reps = Number(args.reps);
if (!(Number.isInteger(runs) && runs >= 1 && Number.isInteger(reps) && reps >= 1)) throw new Error('--runs and --reps must be positive integers');

const worktree = baseWorktree(args.base, 'compare');
const { commit: baseCommit, dir: baseTree, scratch } = worktree;

type Adapter = { vendor: string; architecture: string; device: string; description: string };
let adapter: Adapter | undefined;
/** GPU ms of one whole inference (the profiler's median) of `model` in the checkout at `dir`. */
function wholeMs(dir: string, model: string): number {
  const json = path.join(scratch, `${model}.json`);
  execFileSync('node', ['--import', 'tsx', 'src/cli/main.ts', 'profile', '--model', model, '--schedule', args.schedule!, '--runs', String(runs), '--json', json],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const report = JSON.parse(readFileSync(json, 'utf8')) as { adapter: Adapter; schedules: Record<string, { wholeMs: number }> };
  const name = `${report.adapter.vendor}|${report.adapter.description}`;
  if (adapter && `${adapter.vendor}|${adapter.description}` !== name) throw new Error(`the two trees ran on different adapters (${name}): not comparable`);
  adapter = report.adapter;
  return report.schedules[args.schedule!].wholeMs;
}

const rows: CompareRow[] = [];
try {
  models.forEach((model, i) => {
    const row: CompareRow = { model, base: [], current: [], ratio: NaN };
    for (let r = 0; r < reps; r++) {
      const order: ['base' | 'current', string][] = [['base', baseTree], ['current', ROOT]];
      if ((i + r) % 2) order.reverse();
      for (const [k, dir] of order) row[k].push(wholeMs(dir, model));
    }
    row.ratio = Math.min(...row.current) / Math.min(...row.base);
    rows.push(row);
    process.stderr.write(`compare: ${model} base ${row.base.map((x) => x.toFixed(2)).join(' ')} ms, this tree ${row.current.map((x) => x.toFixed(2)).join(' ')} ms: ×${row.ratio.toFixed(3)}\n`);
  });
} finally {
  worktree.remove();
}

const prov: Provenance = provenance({ adapter });
const results: CompareResults = { schema: 'webvit-compare/1', provenance: prov, base: baseCommit, schedule: args.schedule!, runs, reps, rows };
const md = compareMarkdown(results);
const out = args.out ? path.resolve(args.out) : path.join(ROOT, 'bench/results');
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, `${args.name}.json`), JSON.stringify(results, null, 1) + '\n');
writeFileSync(path.join(out, `${args.name}.md`), md);
process.stderr.write(`compare: wrote ${path.join(out, args.name!)}.{json,md}\n`);
