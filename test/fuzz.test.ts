// A few hundred cases of the loader fuzz benchmark (bench/fuzz.ts runs ≥ 10,000): real checkpoints,
// mutated, read by webvit and by the reference loaders (torch.load; the safetensors rules). Every
// outcome must be a clean Error or a load equal to the reference's, within the memory budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeCase, type Case } from '../bench/fuzz/mutate.ts';
import { ourOutcome } from '../bench/fuzz/outcome.ts';
import { PYTHON, SCRIPTS, frame, makeSeeds, type RefOutcome } from '../bench/fuzz/seeds.ts';
import { hasTorch } from './helpers/pth-fixtures.ts';

const CASES = 300;

test(`fuzz: ${CASES} mutated checkpoints load as the reference loaders do, or fail with a clean error`, (t) => {
  if (!hasTorch) return t.skip('python3-torch not installed');
  const seeds = makeSeeds();
  const cases: Case[] = Array.from({ length: CASES }, (_, i) => makeCase(seeds, i, 7));
  const run = spawnSync(PYTHON, [path.join(SCRIPTS, 'reference.py')], { input: Buffer.concat(cases.map((c) => frame(c.kind, c.bytes))), maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, `reference.py failed: ${run.stderr}`);
  const lines = run.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  const refs = lines.slice(1) as RefOutcome[];
  assert.equal(refs.length, CASES);
  const counts: Record<string, number> = {};
  for (const [i, c] of cases.entries()) {
    const ours = ourOutcome(c.bytes), ref = refs[i];
    const what = `case ${c.id} (${c.seed}, ${c.family}: ${c.mutation})`;
    const limit = 4 * c.bytes.length + c.weights;
    assert.ok(ours.charged <= limit, `${what}: charged ${ours.charged} bytes, over 4 × file + weights = ${limit}`);
    if (ours.ok) {
      assert.ok(ref.ok, `${what}: webvit loads it, the reference refuses it (${!ref.ok && ref.error})`);
      assert.equal(ours.digest, ref.ok && ref.digest, `${what}: webvit's tensors differ from the reference's`);
      counts['equal load'] = (counts['equal load'] ?? 0) + 1;
    } else {
      assert.ok(ours.clean, `${what}: not a clean Error: ${ours.error}`);
      counts[ref.ok ? 'refused (the reference loads it)' : 'refused (so does the reference)'] = (counts[ref.ok ? 'refused (the reference loads it)' : 'refused (so does the reference)'] ?? 0) + 1;
    }
  }
  // The mix must exercise both paths: some mutations leave a loadable file, most break it.
  assert.ok((counts['equal load'] ?? 0) >= 10 && (counts['refused (so does the reference)'] ?? 0) >= 50, JSON.stringify(counts));
  t.diagnostic(JSON.stringify(counts));
});
