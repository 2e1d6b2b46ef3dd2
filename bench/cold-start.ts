// `npm run cold-start [-- --profiles N]`: the demo page's cold start (load: read → parse → fold →
// upload → compile, as the page reports it) on a first visit and on a second one in the same browser
// profile, whose weights come from the Cache API (src/browser/weight-cache.ts). N fresh profiles of
// headless Chromium on localhost, each visited twice. Writes bench/results/cold-start.{json,md} (with
// their provenance) and the README's cold-start lines; run it with nothing else on the machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundle } from '../scripts/build.ts';
import { REPO_ROOT, startServer } from '../scripts/serve.ts';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.ts';
import { median } from '../src/util/median.ts';
import { provenance, provenanceLine, type AdapterLike } from './provenance.ts';
import { coldStartLines, type ColdStartResults, type Visit } from './report-cold-start.ts';

const { values: args } = parseArgs({ options: { profiles: { type: 'string', default: '3' } } });
const profiles = Number(args.profiles);
if (!Number.isInteger(profiles) || profiles < 1) throw new Error(`--profiles must be a positive integer, got ${args.profiles}`);


await bundle();
const server = await startServer(REPO_ROOT);
const browser = await launchChromium();
const version = browser.version();
const runs: { first: Visit; second: Visit }[] = [];
let adapter: AdapterLike | undefined;
try {
  for (let p = 0; p < profiles; p++) {
    const context = await browser.newContext();
    const visit = async (): Promise<Visit> => {
      const page = await context.newPage();
      let weightRequests = 0;
      page.on('request', (r) => { if (/\/weights\//.test(r.url())) weightRequests++; });
      await page.goto(`${server.url}index.html`);
      await page.waitForFunction(() => document.body.dataset.coldMs || document.querySelector('#error')?.textContent, null, { timeout: 300_000 });
      const r = await page.evaluate(async () => {
        const info = (await navigator.gpu.requestAdapter())?.info;
        return {
          coldMs: Number(document.body.dataset.coldMs), cached: document.body.dataset.weightsCached === 'true', error: document.querySelector('#error')?.textContent ?? '',
          adapter: info ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description } : undefined,
        };
      });
      if (r.error) throw new Error(`the demo page failed: ${r.error}`);
      adapter = r.adapter;
      await page.close();
      return { coldMs: r.coldMs, cached: r.cached, weightRequests };
    };
    const first = await visit();
    const second = await visit();
    runs.push({ first, second });
    process.stderr.write(`cold-start: profile ${p + 1}: first visit ${first.coldMs.toFixed(0)} ms, second ${second.coldMs.toFixed(0)} ms${second.cached ? ' (weights cached)' : ''}\n`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

const results: ColdStartResults = {
  provenance: provenance({ chromium: `${CHROMIUM} ${version}`, adapter }),
  model: 'efficientvit_m0', weights: 'weights/efficientvit_m0_fashion_mnist.safetensors (the demo\'s shipped weights, over http://localhost)',
  profiles: runs, firstMs: median(runs.map((r) => r.first.coldMs)), secondMs: median(runs.map((r) => r.second.coldMs)),
};
const out = (f: string) => fileURLToPath(new URL(`results/${f}`, import.meta.url));
writeFileSync(out('cold-start.json'), JSON.stringify(results, null, 1) + '\n');
const lines = coldStartLines(results);
writeFileSync(out('cold-start.md'), `# Cold start of the demo page, first and second visit\n\n${provenanceLine(results.provenance)}\n\n${lines}\n\n` +
  `| profile | first visit ms | weight requests | second visit ms | weights from the cache | weight requests |\n|---:|---:|---:|---:|---|---:|\n` +
  runs.map((r, i) => `| ${i + 1} | ${r.first.coldMs.toFixed(0)} | ${r.first.weightRequests} | ${r.second.coldMs.toFixed(0)} | ${r.second.cached ? 'yes' : 'no'} | ${r.second.weightRequests} |`).join('\n') + '\n');
const readme = fileURLToPath(new URL('../README.md', import.meta.url)), text = readFileSync(readme, 'utf8');
const BEGIN = '<!-- cold-start:begin (npm run cold-start writes this paragraph) -->', END = '<!-- cold-start:end -->';
const a = text.indexOf(BEGIN), b = text.indexOf(END);
if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
writeFileSync(readme, `${text.slice(0, a + BEGIN.length)}\n${lines}\n${provenanceLine(results.provenance)}\n${text.slice(b)}`);
process.stderr.write('cold-start: wrote bench/results/cold-start.{json,md} and the README\'s paragraph\n');
