// `npm run stale`: marks every committed result whose code changed after it was measured (and unmarks
// one whose code did not), in its JSON's provenance and in every provenance line that quotes it: the
// result's .md/.txt/.svg siblings and the README. Run it after committing a change to the code a result
// describes (bench/provenance.ts CODE); test/results-provenance.test.ts fails until then. A result
// that is stale should be rerun; this only says so.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kindOf, provenanceLine, staleness, type Provenance } from './provenance.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const README = path.join(ROOT, 'README.md');
const files = ['bench/results', 'bench/profiles'].flatMap((d) => readdirSync(path.join(ROOT, d)).map((f) => `${d}/${f}`));
let readme = readFileSync(README, 'utf8');
let changed = 0;
for (const json of files.filter((f) => f.endsWith('.json'))) {
  const data = JSON.parse(readFileSync(path.join(ROOT, json), 'utf8')) as { provenance?: Provenance };
  const p = data.provenance;
  if (!p) throw new Error(`${json} has no provenance: rerun what wrote it`);
  const stale = staleness(p.commit, kindOf(json));
  if (stale === p.stale) continue;
  const before = provenanceLine(p);
  const next: Provenance = { ...p };
  if (stale) next.stale = stale; else delete next.stale;
  const after = provenanceLine(next);
  writeFileSync(path.join(ROOT, json), JSON.stringify({ ...data, provenance: next }, null, 1) + '\n');
  const base = json.replace(/\.json$/, '.');
  for (const other of files.filter((f) => f.startsWith(base) && f !== json)) {
    const file = path.join(ROOT, other);
    const text = readFileSync(file, 'utf8');
    // An SVG's comment escapes "--" (svgWithProvenance).
    const [from, to] = other.endsWith('.svg') ? [before.replaceAll('--', '- -'), after.replaceAll('--', '- -')] : [before, after];
    if (!text.includes(from)) throw new Error(`${other} does not quote ${json}'s provenance line: regenerate it`);
    writeFileSync(file, text.replaceAll(from, to));
  }
  readme = readme.replaceAll(before, after);
  changed++;
  process.stderr.write(`${json}: ${stale ? `stale (${stale})` : 'current'}\n`);
}
writeFileSync(README, readme);
process.stderr.write(`stale: ${changed} result(s) re-marked\n`);
