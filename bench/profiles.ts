// Regenerates the profiles the README shows: `webvit profile` of each model (both schedules, 9 runs),
// its table, JSON and Figure-2 SVG written to bench/profiles/. Run with nothing else on the machine:
//   node --import tsx bench/profiles.ts [model …]     (default: efficientvit_m4 edgevit_xs deit_tiny_patch16_224 swin_tiny_patch4_window7_224)
//   node --import tsx bench/profiles.ts --render      (redraw the SVGs from the saved JSON, no measuring)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileSvg } from '../src/profile/svg.ts';

const bin = fileURLToPath(new URL('../bin/webvit.js', import.meta.url));
const dir = fileURLToPath(new URL('./profiles/', import.meta.url));
const args = process.argv.slice(2), render = args.includes('--render');
const named = args.filter((a) => !a.startsWith('--'));
const models = named.length ? named : ['efficientvit_m4', 'edgevit_xs', 'deit_tiny_patch16_224', 'swin_tiny_patch4_window7_224'];
for (const m of models) {
  if (render) {
    writeFileSync(`${dir}${m}.svg`, profileSvg(JSON.parse(readFileSync(`${dir}${m}.json`, 'utf8'))));
    continue;
  }
  const out = execFileSync(process.execPath, [bin, 'profile', '--model', m, '--schedule', 'both', '--runs', '9',
    '--svg', `${dir}${m}.svg`, '--json', `${dir}${m}.json`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const table = out.split('\n').filter((l) => !/^(profile \(JSON\)|chart \(SVG\)) → /.test(l)).join('\n');
  writeFileSync(`${dir}${m}.txt`, `$ webvit profile --model ${m} --schedule both --runs 9   (${new Date().toISOString().slice(0, 10)})\n${table}`);
  console.log(out);
}
