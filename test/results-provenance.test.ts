// Every committed result says where it came from (bench/provenance.ts): each JSON in bench/results/
// and bench/profiles/ a complete `provenance` object, each .md and .txt a Provenance line, each SVG
// the same line as a comment; and a result whose code changed in a later commit is marked stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CODE, codeChangesSince, kindOf, type Provenance } from '../bench/provenance.ts';

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
  for (const k of ['cpu', 'cores', 'memoryGiB', 'os'] as const) if (p.machine?.[k] === undefined || p.machine[k] === '') out.push(`machine.${k} missing`);
  for (const k of ['node', 'chromium', 'adapter'] as const) if (!p[k]) out.push(`${k} missing`);
  if (!p.versions?.webgpu) out.push('versions.webgpu missing');
  if (!['at measurement', 'from git history'].includes(p.recorded)) out.push(`recorded ${p.recorded}`);
  return out;
}

test('every JSON result carries a complete provenance', () => {
  assert.ok(jsonFiles.length >= 8, `results found: ${jsonFiles.join(', ')}`);
  for (const f of jsonFiles) {
    assert.ok(Object.hasOwn(CODE, kindOf(f)), `${f}: provenance.ts names the code of a "${kindOf(f)}" result`);
    assert.deepEqual(problems(provenanceOf(f)), [], f);
  }
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

test('a result whose code changed since it was measured is marked stale', (t) => {
  const unmarked: string[] = [];
  for (const f of jsonFiles) {
    const p = provenanceOf(f)!, since = codeChangesSince(p.commit, kindOf(f));
    if (since === null) return t.skip('git history not available');
    if (since.length && !p.stale) unmarked.push(`${f}: measured at ${p.commit.slice(0, 12)}, code changed since in ${since.at(-1)}`);
  }
  assert.deepEqual(unmarked, [], 'rerun these, or mark them stale with `npm run stale` (provenance.stale, and every line that quotes it)');
  // And the check can fail: an unmarked result from the first commit would be caught.
  const first = codeChangesSince('HEAD~30', 'models');
  assert.ok(first === null || first.length > 0);
});

test('the stale mark in a JSON reaches its Markdown, text and SVG', () => {
  for (const f of jsonFiles) {
    const p = provenanceOf(f)!, base = f.replace(/\.json$/, '');
    for (const other of FILES.filter((x) => x.startsWith(`${base}.`) && x !== f)) {
      assert.equal(readFileSync(at(other), 'utf8').includes('**Stale:**'), Boolean(p.stale), `${other} says stale exactly when ${f} does`);
    }
  }
});
