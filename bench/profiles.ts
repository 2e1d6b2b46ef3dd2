// Regenerates the profiles the README shows: `webvit profile` of each model (both schedules, 9 runs),
// its table, JSON and Figure-2 SVG written to bench/profiles/. Run with nothing else on the machine:
//   node --import tsx bench/profiles.ts [model …]     (default: efficientvit_m4 edgevit_xs deit_tiny_patch16_224 swin_tiny_patch4_window7_224)
//   node --import tsx bench/profiles.ts --render      (redraw the SVGs from the saved JSON, no measuring)
//   node --import tsx bench/profiles.ts --out DIR m   (write to DIR instead)
// Each file carries its provenance (bench/provenance.ts): the JSON a `provenance` object, the SVG a
// comment, the table a line under the command.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { profileSvg } from '../src/profile/svg.ts';
import type { ProfileReport } from '../src/profile/profile.ts';
import { provenance, provenanceLine, svgWithProvenance, type Provenance } from './provenance.ts';

const bin = fileURLToPath(new URL('../bin/webvit.js', import.meta.url));
const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { render: { type: 'boolean', default: false }, out: { type: 'string' }, runs: { type: 'string', default: '9' } } });
const dir = opts.out ? `${path.resolve(opts.out)}/` : fileURLToPath(new URL('./profiles/', import.meta.url));
mkdirSync(dir, { recursive: true });
const models = positionals.length ? positionals : ['efficientvit_m4', 'edgevit_xs', 'deit_tiny_patch16_224', 'swin_tiny_patch4_window7_224'];
type Saved = ProfileReport & { provenance: Provenance };
for (const m of models) {
  if (opts.render) {
    const saved = JSON.parse(readFileSync(`${dir}${m}.json`, 'utf8')) as Saved;
    writeFileSync(`${dir}${m}.svg`, svgWithProvenance(profileSvg(saved), saved.provenance));
    continue;
  }
  const out = execFileSync(process.execPath, [bin, 'profile', '--model', m, '--schedule', 'both', '--runs', opts.runs!,
    '--svg', `${dir}${m}.svg`, '--json', `${dir}${m}.json`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const report = JSON.parse(readFileSync(`${dir}${m}.json`, 'utf8')) as Saved;
  report.provenance = provenance({ adapter: report.adapter });
  writeFileSync(`${dir}${m}.json`, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(`${dir}${m}.svg`, svgWithProvenance(readFileSync(`${dir}${m}.svg`, 'utf8'), report.provenance));
  const table = out.split('\n').filter((l) => !/^(profile \(JSON\)|chart \(SVG\)) → /.test(l)).join('\n');
  writeFileSync(`${dir}${m}.txt`, `$ webvit profile --model ${m} --schedule both --runs ${opts.runs}   (${new Date().toISOString().slice(0, 10)})\n${provenanceLine(report.provenance)}\n${table}`);
  console.log(out);
}
