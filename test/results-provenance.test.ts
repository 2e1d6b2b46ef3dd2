// Every committed result says where it came from (bench/provenance.ts): each JSON in bench/results/
// and bench/profiles/ a complete `provenance` object, each .md and .txt a Provenance line, each SVG
// the same line as a comment; and a result whose code changed in a later commit is marked stale.
// Complete means every field known. The one exception is a result back-filled from git history
// (`recorded: 'from git history'`): the machine it ran on and whether the checkout was dirty were
// never written down, and NOT_RECORDED there is the honest answer. A result recorded at measurement
// knows all of them, so a NOT_RECORDED field there is a defect, stale or not (the stale mark says
// the code moved on, not that the measurement's facts were lost).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE, codeChangesSince, kindOf, NOT_RECORDED, type Provenance, tunedBehaviour } from '../bench/provenance.ts';

const at = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const FILES = ['bench/results', 'bench/profiles'].flatMap((d) => readdirSync(at(d)).map((f) => `${d}/${f}`)).sort();
const jsonFiles = FILES.filter((f) => f.endsWith('.json'));
const provenanceOf = (f: string) => (JSON.parse(readFileSync(at(f), 'utf8')) as { provenance?: Provenance }).provenance;

/** What is wrong with one provenance object (empty when it is complete). */
function problems(p: Provenance | undefined): string[] {
  if (!p) return ['no provenance'];
  const out: string[] = [];
  if (!/^[0-9a-f]{40}$/.test(p.commit)) out.push(`commit ${p.commit}`);
  if (Number.isNaN(Date.parse(p.date))) out.push(`date ${p.date}`);
  const backFilled = p.recorded === 'from git history';
  for (const k of ['cpu', 'cores', 'memoryGiB', 'os'] as const) {
    if (p.machine?.[k] === undefined || p.machine[k] === '') out.push(`machine.${k} missing`);
    else if (p.machine[k] === NOT_RECORDED && !backFilled) out.push(`machine.${k} ${NOT_RECORDED} in a result recorded ${p.recorded}`);
  }
  if (typeof p.dirty !== 'boolean' && !(p.dirty === NOT_RECORDED && backFilled)) out.push(`dirty ${p.dirty}`);
  for (const k of ['node', 'chromium', 'adapter'] as const) if (!p[k]) out.push(`${k} missing`);
  if (!p.versions?.webgpu) out.push('versions.webgpu missing');
  if (!['at measurement', 'from git history'].includes(p.recorded)) out.push(`recorded ${p.recorded}`);
  return out;
}

test('every JSON result carries a complete provenance (placeholders only where back-filled from git history)', () => {
  assert.ok(jsonFiles.length >= 8, `results found: ${jsonFiles.join(', ')}`);
  for (const f of jsonFiles) {
    assert.ok(Object.hasOwn(CODE, kindOf(f)), `${f}: provenance.ts names the code of a "${kindOf(f)}" result`);
    assert.deepEqual(problems(provenanceOf(f)), [], f);
  }
  // And the check can fail: a back-filled result's placeholders in one recorded at measurement are
  // caught (a result's provenance made back-filled, as bench/provenance.ts back-fills one from git history).
  const real = provenanceOf('bench/results/fuzz.json')!;
  const backFilled = { ...real, recorded: 'from git history', dirty: NOT_RECORDED, machine: Object.fromEntries(Object.keys(real.machine).map((k) => [k, NOT_RECORDED])) } as typeof real;
  assert.deepEqual(problems(backFilled), [], 'placeholders are allowed in a back-filled provenance');
  const caught = problems({ ...backFilled, recorded: 'at measurement' });
  for (const [k, v] of Object.entries(backFilled.machine)) if (v === NOT_RECORDED) assert.ok(caught.some((m) => m.startsWith(`machine.${k} `)), `machine.${k}: ${caught}`);
  // The models run recorded its peers' versions.
  const peers = provenanceOf('bench/results/models.json')!.versions;
  assert.ok(peers['onnxruntime-web'] && peers['onnxruntime-node'], 'models.json records the onnxruntime versions');
});

test('every Markdown, text and SVG result says its provenance', () => {
  for (const f of FILES.filter((x) => /\.(md|txt|svg)$/.test(x))) {
    const text = readFileSync(at(f), 'utf8');
    const line = f.endsWith('.svg') ? /^<!-- Provenance: commit [0-9a-f]{12}.* -->$/m : /^Provenance: commit [0-9a-f]{12}/m;
    assert.match(text, line, `${f} has a provenance line`);
  }
});

/** The results among `results` whose code changed after they were measured but that are not marked stale (null: no git history). */
function unmarkedStale(results: { file: string; kind: string; p: Provenance }[]): string[] | null {
  const unmarked: string[] = [];
  for (const { file, kind, p } of results) {
    const since = codeChangesSince(p.commit, kind);
    if (since === null) return null;
    if (since.length && !p.stale) unmarked.push(`${file}: measured at ${p.commit.slice(0, 12)}, code changed since in ${since.at(-1)}`);
  }
  return unmarked;
}

test('a result whose code changed since it was measured is marked stale', (t) => {
  const unmarked = unmarkedStale(jsonFiles.map((f) => ({ file: f, kind: kindOf(f), p: provenanceOf(f)! })));
  if (unmarked === null) return t.skip('git history not available');
  assert.deepEqual(unmarked, [], 'rerun these, or mark them stale with `npm run stale` (provenance.stale, and every line that quotes it)');
  // And the check can fail: a made-up models result measured at the first commit, not marked stale, is caught.
  const root = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: at(''), encoding: 'utf8' }).trim().split('\n')[0];
  const p = { ...provenanceOf('bench/results/models.json')!, commit: root, stale: undefined };
  assert.deepEqual(unmarkedStale([{ file: 'made-up.json', kind: 'models', p }])?.map((u) => u.split(':')[0]), ['made-up.json']);
});

test('the stale mark in a JSON reaches its Markdown, text and SVG', () => {
  for (const f of jsonFiles) {
    const p = provenanceOf(f)!, base = f.replace(/\.json$/, '');
    for (const other of FILES.filter((x) => x.startsWith(`${base}.`) && x !== f)) {
      assert.equal(readFileSync(at(other), 'utf8').includes('**Stale:**'), Boolean(p.stale), `${other} says stale exactly when ${f} does`);
    }
  }
});

test('a rerun of npm run tune that keeps every value changes no code: only tuned.json\'s provenance differs', () => {
  const entry = (over: Record<string, unknown>, measured: Record<string, unknown>) => JSON.stringify({
    'v|a|d|x': { pointwise: { wg: 4 }, ...over, measured: { date: '2026-12-06', commit: 'abc1234', ms: 300, threads: 2, runs: 5, models: ['m'], ...measured } },
  });
  const base = entry({}, {});
  assert.equal(tunedBehaviour(entry({}, { date: '2026-12-07', commit: 'def5678', ms: 290 })), tunedBehaviour(base), 'date, commit and time are provenance');
  assert.notEqual(tunedBehaviour(entry({ pointwise: { wg: 16 } }, {})), tunedBehaviour(base), 'a value');
  assert.notEqual(tunedBehaviour(entry({}, { threads: 4 })), tunedBehaviour(base), 'the thread count decides which fields apply');
});
