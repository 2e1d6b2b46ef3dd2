// `npm run fuzz [-- --cases 10000 --seed 1 --only ID --out DIR]`: the loader fuzz benchmark. Real checkpoints
// (scripts/fuzz/make_seeds.py, and safetensors files written from them), each case one mutation
// (bench/fuzz/mutate.ts), read by webvit in a worker process (2 s limit per case, killed past it) and
// by the reference loaders (scripts/fuzz/reference.py: torch.load, the safetensors rules). Outcomes:
//   equal load            webvit's state dict = the reference's (names, kinds, shapes, values)
//   refused               a clean Error (whether or not the reference loads the file)
//   FAIL differs          webvit loads what the reference refuses, or loads other values
//   FAIL unclean          an error that is not a plain Error with a message (RangeError, TypeError, …)
//   FAIL hang             no answer within 2 s
//   FAIL memory           charged to the load's budget past 4 × the file + the seed's weights, or the
//                         process's resident peak past that + 64 MiB (the JS engine's own slack)
// Writes bench/results/fuzz.json and fuzz.md (or DIR/…), with their provenance (bench/provenance.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { provenance, provenanceLine } from './provenance.ts';
import { makeCase, type Case } from './fuzz/mutate.ts';
import { PYTHON, SCRIPTS, frame, makeSeeds, type RefOutcome } from './fuzz/seeds.ts';
import type { Outcome } from './fuzz/outcome.ts';

const { values: args } = parseArgs({ options: { cases: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, only: { type: 'string' }, out: { type: 'string' } } });
const N = Number(args.cases), RUN_SEED = Number(args.seed), HANG_MS = 2000, RSS_SLACK = 64 << 20;
const here = path.dirname(fileURLToPath(import.meta.url));

/** A child process answering one JSON line per frame written to it, restarted after a kill. */
class LineProcess {
  private child!: ChildProcess;
  private waiting: ((line: string | null) => void) | null = null;
  first: Promise<string | null> | null = null;
  constructor(private readonly cmd: string, private readonly argv: string[], private readonly expectsBanner: boolean) { this.start(); }
  private start() {
    this.child = spawn(this.cmd, this.argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdin!.on('error', () => {});
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (l) => { const w = this.waiting; this.waiting = null; w?.(l); });
    this.child.on('exit', () => { const w = this.waiting; this.waiting = null; w?.(null); });
    if (this.expectsBanner) this.first = new Promise((resolve) => { this.waiting = resolve; });
  }
  /** The answer to `data`, or null if the process died or took longer than `ms` (then it is restarted). */
  async ask(data: Buffer, ms: number): Promise<string | null> {
    if (this.first) { await this.first; this.first = null; }
    const answer = new Promise<string | null>((resolve) => { this.waiting = resolve; });
    this.child.stdin!.write(data);
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([answer, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), ms); })]);
    clearTimeout(timer);
    if (line === 'timeout' || line === null) {
      this.waiting = null;
      this.child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 50));
      this.start();
      if (this.first) { await this.first; this.first = null; }
      return null;
    }
    return line;
  }
  close() { this.child.stdin!.end(); }
}

type Result = Case & { size: number; ours: (Outcome & { ms: number; rssPeak: number }) | 'hang'; ref: RefOutcome | 'timeout'; verdict: string };

function verdict(c: Case, ours: Result['ours'], ref: Result['ref']): string {
  if (ours === 'hang') return 'FAIL hang';
  const limit = 4 * c.bytes.length + c.weights;
  if (ours.charged > limit || ours.rssPeak > limit + RSS_SLACK) return 'FAIL memory';
  if (!ours.ok) return ours.clean ? (ref !== 'timeout' && ref.ok ? 'refused (the reference loads it)' : 'refused (so does the reference)') : 'FAIL unclean';
  if (ref === 'timeout' || !ref.ok) return 'FAIL differs (the reference refuses it)';
  return ours.digest === ref.digest ? 'equal load' : 'FAIL differs (other values)';
}

async function main() {
  const seeds = makeSeeds();
  const ref = new LineProcess(PYTHON, [path.join(SCRIPTS, 'reference.py')], true);
  const banner = JSON.parse((await ref.first) ?? '{}');
  ref.first = null;
  const ours = new LineProcess(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(here, 'fuzz/worker.ts')], false);
  const ids = args.only ? [Number(args.only)] : Array.from({ length: N }, (_, i) => i);
  const results: Result[] = [];
  const t0 = Date.now();
  for (const id of ids) {
    const c = makeCase(seeds, id, RUN_SEED);
    const refLine = await ref.ask(frame(c.kind, c.bytes), 30_000);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(c.bytes.length, 0);
    const ourLine = await ours.ask(Buffer.concat([len, c.bytes]), HANG_MS);
    const o: Result['ours'] = ourLine ? JSON.parse(ourLine) : 'hang';
    const r: Result['ref'] = refLine ? JSON.parse(refLine) : 'timeout';
    results.push({ ...c, size: c.bytes.length, bytes: new Uint8Array(0), ours: o, ref: r, verdict: verdict(c, o, r) });
    if (results.length % 500 === 0) process.stderr.write(`fuzz: ${results.length}/${ids.length} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    if (args.only) console.log(JSON.stringify(results[0], null, 1));
  }
  ref.close(); ours.close();
  report(results, seeds.map((s) => ({ name: s.name, bytes: s.bytes.length, weights: s.weights })), banner.reference, (Date.now() - t0) / 1000);
}

function report(results: Result[], seeds: { name: string; bytes: number; weights: number }[], reference: string, seconds: number) {
  const count = (key: (r: Result) => string) => results.reduce<Record<string, number>>((m, r) => { m[key(r)] = (m[key(r)] ?? 0) + 1; return m; }, {});
  const done = results.filter((r) => r.ours !== 'hang') as (Result & { ours: Outcome & { ms: number; rssPeak: number } })[];
  const failures = results.filter((r) => r.verdict.startsWith('FAIL'));
  const byFamily: Record<string, Record<string, number>> = {};
  for (const r of results) (byFamily[r.family] ??= {})[r.verdict] = (byFamily[r.family][r.verdict] ?? 0) + 1;
  const worst = (f: (r: (typeof done)[number]) => number) => done.reduce((a, r) => (f(r) > f(a) ? r : a), done[0]);
  const slow = worst((r) => r.ours.ms), mem = worst((r) => r.ours.charged / (4 * r.size + r.weights)), rss = worst((r) => r.ours.rssPeak);
  const summary = {
    schema: 'webvit-bench-fuzz/1', date: new Date().toISOString(), node: process.version, provenance: provenance(), reference, runSeed: RUN_SEED, cases: results.length, seconds,
    seeds, verdicts: count((r) => r.verdict), byFamily,
    slowest: { id: slow.id, ms: slow.ours.ms, mutation: `${slow.seed} ${slow.family}: ${slow.mutation}` },
    mostCharged: { id: mem.id, charged: mem.ours.charged, ofLimit: mem.ours.charged / (4 * mem.size + mem.weights) },
    largestRssPeak: { id: rss.id, bytes: rss.ours.rssPeak, mutation: `${rss.seed} ${rss.family}: ${rss.mutation}` },
    failures: failures.slice(0, 200).map((r) => ({ id: r.id, seed: r.seed, family: r.family, mutation: r.mutation, verdict: r.verdict, ours: r.ours, ref: r.ref })),
  };
  const out = args.out ? path.resolve(args.out) : path.join(here, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'fuzz.json'), JSON.stringify(summary, null, 1) + '\n');
  const families = Object.keys(byFamily).sort(), verdicts = Object.keys(summary.verdicts).sort();
  const md = [
    '# Loader fuzz benchmark', '',
    `Measured ${summary.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run fuzz\` (run seed ${RUN_SEED}): ${results.length} cases in ${seconds.toFixed(0)} s, Node ${process.version}; reference: ${reference}.`,
    `Seeds: ${seeds.map((s) => `${s.name} (${s.bytes} bytes)`).join(', ')}.`, '', provenanceLine(summary.provenance), '',
    `**Failures: ${failures.length}.** Slowest case: ${slow.ours.ms.toFixed(1)} ms (limit ${HANG_MS} ms); largest resident peak: ${(rss.ours.rssPeak / 2 ** 20).toFixed(1)} MiB (case ${rss.id}).`, '',
    `| family | ${verdicts.join(' | ')} |`, `|---|${verdicts.map(() => '---:').join('|')}|`,
    ...families.map((f) => `| ${f} | ${verdicts.map((v) => byFamily[f][v] ?? 0).join(' | ')} |`),
    `| **all** | ${verdicts.map((v) => summary.verdicts[v]).join(' | ')} |`, '',
    ...(failures.length ? ['## Failures (first 20; all in fuzz.json)', '', ...failures.slice(0, 20).map((r) => `- case ${r.id} (${r.seed}, ${r.family}: ${r.mutation}): ${r.verdict}`), ''] : []),
    'Reproduce one case: `npm run fuzz -- --only ID`.', '',
  ].join('\n');
  writeFileSync(path.join(out, 'fuzz.md'), md);
  console.log(md);
  if (failures.length) process.exitCode = 1;
}

await main();
