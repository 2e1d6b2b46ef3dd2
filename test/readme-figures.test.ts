// The README's figures against the results they quote: the generated Speed sections must be what
// bench/report-readme.ts makes of the committed bench/results (so a hand edit, or a rerun without
// regenerating, fails here); the profile paragraphs must quote bench/profiles/*.json; dispatch
// counts bench/results/kernels.json; model and runtime counts the registry. Each check is also run
// on a README with one figure changed, to show that it fails then.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MODELS } from '../src/models/registry.ts';
import { LABELS, f, modelsTable, type ModelResults } from '../bench/report-models.ts';
import { kernelTable, type KernelResults } from '../bench/report-kernels.ts';
import { readResults, readmeSections, sectionOf, SECTIONS } from '../bench/report-readme.ts';
import type { ProfileReport } from '../src/profile/profile.ts';
import { provenanceLine, type Provenance } from '../bench/provenance.ts';
import { compareMarkdown, type CompareResults } from '../bench/report-compare.ts';
import { coldStartLines, type ColdStartResults } from '../bench/report-cold-start.ts';
import { BEGIN as PROJECTION_BEGIN, END as PROJECTION_END, projectAll, projectionMarkdown } from '../bench/projection.ts';

const at = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const README = readFileSync(at('README.md'), 'utf8');
const BENCH_README = readFileSync(at('bench/README.md'), 'utf8');
const RESULTS = at('bench/results');

/** The generated sections that differ from what the results give, with the first differing line. */
function staleSections(readme: string): string[] {
  const { models, kernels, families } = readResults(RESULTS);
  const want = readmeSections(models, kernels, families);
  const bad: string[] = [];
  for (const s of Object.keys(SECTIONS) as (keyof typeof SECTIONS)[]) {
    const got = sectionOf(readme, s).split('\n'), exp = want[s].split('\n');
    const i = got.findIndex((l, k) => l !== exp[k]);
    if (i >= 0 || got.length !== exp.length) bad.push(`${s}: README has\n  ${got[i] ?? '(end)'}\nthe results give\n  ${exp[i] ?? '(end)'}`);
  }
  return bad;
}

test('the Speed section (table and findings) is what npm run bench makes of bench/results', () => {
  const bad = staleSections(README);
  assert.deepEqual(bad, [], `regenerate with \`node --import tsx bench/run.ts --report\`:\n${bad.join('\n')}`);
});

test('bench/results/{models,kernels,engines,families,compare*}.md are what the reports make of their JSON', () => {
  const json = (name: string) => JSON.parse(readFileSync(at(`bench/results/${name}.json`), 'utf8'));
  const md = (name: string) => readFileSync(at(`bench/results/${name}.md`), 'utf8');
  assert.equal(md('models'), modelsTable(json('models') as ModelResults), 'models.md: regenerate with `node --import tsx bench/run.ts --report`');
  assert.equal(md('kernels'), kernelTable(json('kernels') as KernelResults), 'kernels.md: regenerate with `node --import tsx bench/run.ts --report`');
  assert.equal(md('engines'), modelsTable(json('engines') as ModelResults, 'engines'), 'engines.md: regenerate with `node --import tsx bench/run.ts --report --name engines`');
  assert.equal(md('families'), modelsTable(json('families') as ModelResults, 'families'), 'families.md: regenerate with `node --import tsx bench/run.ts --report --name families`');
  for (const name of readdirSync(RESULTS).filter((f) => /^compare.*\.json$/.test(f)).map((f) => f.slice(0, -5))) {
    assert.equal(md(name), compareMarkdown(json(name) as CompareResults), `${name}.md: regenerate with \`node --import tsx bench/compare.ts --report --name ${name}\``);
  }
  // And the comparison can fail: one edited cell is caught.
  assert.notEqual(md('models').replace(/\| (\d)/, '| 9$1'), modelsTable(json('models') as ModelResults));
});

test('a figure edited by hand in the Speed section is caught', () => {
  // One range in the findings, one cell of the table.
  const findings = sectionOf(README, 'bench:findings'), range = /(\d+\.\d)–(\d+\.\d)×/.exec(findings)!;
  assert.ok(range, 'the findings quote a range like 4.8–9.5×');
  const edited = README.replace(range[0], `${range[1]}–${(Number(range[2]) + 0.1).toFixed(1)}×`);
  assert.equal(staleSections(edited).length, 1);
  const cell = /\| (\d+\.\d) \| (\d+\.\d) \|/.exec(sectionOf(README, 'bench:models'))!;
  assert.equal(staleSections(README.replace(cell[0], `| ${cell[2]} | ${cell[1]} |`)).length, 1);
});

// --- the profile paragraphs (Profiling) against bench/profiles/*.json

const profile = (m: string) => JSON.parse(readFileSync(at(`bench/profiles/${m}.json`), 'utf8')) as ProfileReport;
const one = (v: number) => f(v, 1), pct = (v: number) => `${f(100 * v, 1)}%`;
/** The text about one profile: after its chart (and any chart right after it) to the next chart or heading, whitespace folded. */
function paragraphOf(readme: string, m: string): string {
  const a = readme.indexOf(`(bench/profiles/${m}.svg)`);
  assert.ok(a >= 0, `README shows bench/profiles/${m}.svg`);
  let rest = readme.slice(a).replace(/^\([^)]*\)/, '');
  for (;;) {
    const b = rest.search(/!\[|\n## /), text = rest.slice(0, b < 0 ? undefined : b);
    if (text.trim() || b < 0 || rest.slice(b).startsWith('\n## ')) return text.replace(/\s+/g, ' ');
    rest = rest.slice(b).replace(/^!\[[^\]]*\]\([^)]*\)/, '');
  }
}

/** The figures a profile's paragraph must quote, from its JSON. */
function profileFigures(m: string): string[] {
  const p = profile(m), U = p.schedules.unfused!, F = p.schedules.fused!;
  const cat = (s: typeof U, k: string) => s.categories.find((c) => c.key === k)!;
  const boundKeys = U.categories.filter((c) => c.key !== 'matmul' && c.memoryBound).map((c) => c.key);
  const bound = boundKeys.reduce((a, k) => a + cat(U, k).ms, 0), left = boundKeys.reduce((a, k) => a + cat(F, k).ms, 0);
  const mm = [one(cat(U, 'matmul').ms), one(cat(F, 'matmul').ms)];
  return [
    `${one(bound)} of ${one(U.sumMs)} ms`, pct(bound / U.sumMs),
    `${one(U.sumMs)} → ${one(F.sumMs)} ms`, pct(1 - F.sumMs / U.sumMs),
    `whole pass ${one(U.wholeMs)} → ${one(F.wholeMs)} ms, ${pct(1 - F.wholeMs / U.wholeMs)}`,
    ...(left > 0.005 ? [`${f(left, left < 0.5 ? 2 : 1)} ms`] : []),
    `${mm[0]} → ${mm[1]} ms|from ${mm[0]} to ${mm[1]} ms`,
    `(${U.dispatches} dispatches|${U.dispatches - F.dispatches} of ${U.dispatches}|${U.dispatches} → ${F.dispatches} dispatches`,
    `(${F.dispatches} dispatches|${U.dispatches - F.dispatches} of ${U.dispatches}|${U.dispatches} → ${F.dispatches} dispatches`,
  ];
}
/** The GB/s range of the memory-bound categories (other than matrix multiplication) in these profiles' unfused schedules. */
function boundRates(models: string[]): string {
  const rates = models.flatMap((m) => profile(m).schedules.unfused!.categories.filter((c) => c.key !== 'matmul' && c.memoryBound && c.ms > 0).map((c) => c.bytes / c.ms / 1e6));
  return `${one(Math.min(...rates))}–${one(Math.max(...rates))} GB/s`;
}
/** Per paragraph: the profiles its GB/s range covers (EfficientViT-M4's and EdgeViT-XS's share one), and the category counts it names. */
function categoryFigures(m: string): string[] {
  const U = profile(m).schedules.unfused!, cat = (k: string) => U.categories.find((c) => c.key === k)!;
  const rates = boundRates(m === 'efficientvit_m4' || m === 'edgevit_xs' ? ['efficientvit_m4', 'edgevit_xs'] : [m]);
  if (m === 'efficientvit_m4') return [rates, `BatchNorm alone ${pct(cat('norm').ms / U.sumMs)}, in ${cat('norm').dispatches} dispatches`];
  if (m === 'edgevit_xs') return [rates];
  if (m === 'deit_tiny_patch16_224') return [rates, `(${cat('norm').dispatches} LayerNorms)`, `(${cat('add').dispatches} residual and position adds)`, `(${cat('reshape').dispatches} head-merging`];
  return [rates, `reshapes (${cat('reshape').dispatches} dispatches`, `normalizations (${cat('norm').dispatches})`, `additions (${cat('add').dispatches}:`, `("others", ${pct(cat('other').ms / U.sumMs)})`];
}
/** The figures (alternatives split by |) that a paragraph does not contain. */
const missing = (text: string, figures: string[]) => figures.filter((x) => !x.split('|').some((alt) => text.includes(alt)));

const PROFILED = ['efficientvit_m4', 'edgevit_xs', 'deit_tiny_patch16_224', 'swin_tiny_patch4_window7_224'];

test('the profile paragraphs quote bench/profiles/*.json', () => {
  for (const m of PROFILED) assert.deepEqual(missing(paragraphOf(README, m), [...profileFigures(m), ...categoryFigures(m)]), [], `README's paragraph on ${m}`);
  // The roofs named above the charts are those of the EfficientViT-M4 and DeiT-T runs.
  const r4 = profile('efficientvit_m4').roofs!, rd = profile('deit_tiny_patch16_224').roofs!;
  const flat = README.replace(/\s+/g, ' ');
  assert.ok(flat.includes(`roofs ${f(r4.gflops, 2)} GFLOP/s and ${f(r4.gbs, 2)} GB/s, ridge ${f(r4.ridge, 2)} FLOP/byte`), 'the M4 roofs');
  assert.ok(flat.includes(`roofs ${f(rd.gflops, 2)} GFLOP/s and ${f(rd.gbs, 2)} GB/s`), 'the DeiT-T roofs');
  assert.ok(flat.includes(`${profile('efficientvit_m4').timing.runs} runs, medians`), 'the runs per profile');
});

test('a profile figure edited by hand is caught', () => {
  const m = 'efficientvit_m4', U = profile(m).schedules.unfused!;
  const edited = README.replace(`${one(U.sumMs)} → `, `${one(U.sumMs + 0.1)} → `);
  assert.notDeepEqual(missing(paragraphOf(edited, m), profileFigures(m)), []);
});

// --- counts quoted in the prose

test('dispatch counts in the prose are those of bench/results/kernels.json', () => {
  const { kernels } = readResults(RESULTS);
  const n = (model: string, schedule: string) => kernels!.schedules.find((s) => s.model === model && s.schedule === schedule)!.dispatches;
  const flat = README.replace(/\s+/g, ' ');
  for (const want of [
    `EfficientViT-M0 at 224 is ${n('efficientvit_m0', 'fused')} dispatches in one command buffer fused, ${n('efficientvit_m0', 'unfused')} unfused`,
    `(\`ffn.wgsl\`, ${n('efficientvit_m0', 'fused-ffn')} dispatches for M0)`,
    `EdgeViT-XXS at 224 is ${n('edgevit_xxs', 'fused')} dispatches fused, ${n('edgevit_xxs', 'unfused')} unfused`,
  ]) assert.ok(flat.includes(want), `README says: ${want}`);
});

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen'];

test('model and runtime counts in the READMEs are the registry\'s and the benchmark\'s', () => {
  const models = Object.keys(MODELS).length, runtimes = Object.keys(LABELS).length;
  const counts = [...README.matchAll(/\ball (\w+) models\b/g)].map((m) => m[1]);
  assert.ok(counts.length > 0);
  for (const c of counts) assert.equal(c, WORDS[models], `README says "all ${c} models"; the registry has ${models}`);
  const bench = /(\d+) models × (\d+) runtimes/.exec(BENCH_README);
  assert.ok(bench, 'bench/README.md says how many models and runtimes npm run bench measures');
  assert.deepEqual([Number(bench[1]), Number(bench[2])], [models, runtimes]);
});

test('the accuracy table and the fuzz summary quote bench/results', () => {
  const flat = README.replace(/\s+/g, ' ');
  const acc = JSON.parse(readFileSync(at('bench/results/accuracy.json'), 'utf8')) as { images: number; webvit: { accuracy: number }; pytorch: { accuracy: number }; differ: number; differShare: number; provenance: Provenance };
  const table = /<!-- accuracy:begin[^>]*-->([\s\S]*?)<!-- accuracy:end -->/.exec(README)?.[1] ?? '';
  assert.ok(table.includes(`on the ${acc.images.toLocaleString('en-US')} Fashion-MNIST test images`), 'the accuracy table says how many images');
  assert.ok(table.includes(`| ${(100 * acc.webvit.accuracy).toFixed(2)} % | ${acc.differ} (${(100 * acc.differShare).toFixed(2)} %) |`), 'webvit\'s top-1 and the differing predictions');
  assert.ok(table.includes(`| ${(100 * acc.pytorch.accuracy).toFixed(2)} % | — |`), 'PyTorch\'s top-1');
  assert.ok(table.includes(provenanceLine(acc.provenance)), 'the accuracy table\'s provenance line (and its stale mark)');
  assert.ok(flat.includes(`PyTorch top-1 on the 10,000 test images ${(100 * acc.pytorch.accuracy).toFixed(2)} %`), 'the shipped model\'s paragraph');
  const fuzz = JSON.parse(readFileSync(at('bench/results/fuzz.json'), 'utf8')) as { cases: number; failures: unknown[] };
  assert.ok(flat.includes(`checks all this on ${fuzz.cases.toLocaleString('en-US')} mutated checkpoints`), 'the fuzz case count');
  assert.ok(flat.includes(`(bench/results/fuzz.md): ${fuzz.failures.length} failures`), 'the fuzz failures');
});

test('the findings name each engine\'s adapter from the results, and claim the native shader-f16 path only where Firefox rows show it', () => {
  const { models, kernels } = readResults(RESULTS);
  const findings = (r: typeof models) => readmeSections(r, kernels)['bench:findings'];
  const plain = findings(models);
  assert.ok(!/Firefox/.test(plain), 'results without Firefox rows: the findings do not mention Firefox');
  assert.ok(plain.includes('these results have no run on such an adapter'));
  // The committed rows again as Firefox columns on a shader-f16 adapter, f16 weights 0.8× the f32 time there.
  const ff = { vendor: '', architecture: '', device: '', description: 'not named by the browser, a CPU fallback', shaderF16: true };
  const asFirefox = (rt: string, medianMs: (model: string, k: number) => number | undefined) => models.rows.filter((x) => x.runtime === rt).map((x) => ({
    ...x, runtime: `${rt}@firefox`, adapter: ff, batches: x.batches.map((b, k) => ({ ...b, medianMs: medianMs(x.model, k) })),
  }));
  const f32 = (m: string, k: number) => models.rows.find((x) => x.runtime === 'webvit' && x.model === m)!.batches[k].medianMs;
  const withFf = { ...models, rows: [...models.rows, ...asFirefox('webvit', f32), ...asFirefox('webvit-f16', (m, k) => (f32(m, k) === undefined ? undefined : 0.8 * f32(m, k)!))] };
  const text = findings(withFf);
  assert.ok(text.includes('in Chromium through SwiftShader, Chromium\'s software Vulkan; in Firefox on the adapter it offers, recorded as "not named by the browser, a CPU fallback"'));
  assert.ok(text.includes('that native path ran in Firefox here'), 'Firefox f16 rows on a shader-f16 adapter: the native path is named');
  assert.ok(text.includes('its median 0.80× that of f32 weights in Firefox'));
  // Without the recorded feature the findings do not claim which path ran.
  const unknown = findings({ ...withFf, rows: withFf.rows.map((x) => (x.runtime.endsWith('@firefox') ? { ...x, adapter: { ...ff, shaderF16: undefined } } : x)) });
  assert.ok(!unknown.includes('native path ran') && unknown.includes('was not recorded'));
});

test("the README's cold-start paragraph is what bench/report-cold-start.ts makes of bench/results/cold-start.json", () => {
  const r = JSON.parse(readFileSync(at('bench/results/cold-start.json'), 'utf8')) as ColdStartResults;
  const section = (readme: string) => readme.slice(readme.indexOf('<!-- cold-start:begin'), readme.indexOf('<!-- cold-start:end -->'));
  const want = `${coldStartLines(r)}\n${provenanceLine(r.provenance)}\n`;
  assert.ok(section(README).endsWith(`-->\n${want}`), `regenerate with npm run cold-start:\n${section(README)}`);
  // The check fails on a changed figure.
  const changed = README.replace(`**${(r.firstMs / 1000).toFixed(2)} s**`, `**${(r.firstMs / 1000 + 1).toFixed(2)} s**`);
  assert.ok(!section(changed).endsWith(`-->\n${want}`));
});

test("the README's GPU projection tables are what bench/projection.ts makes of the code now (npm run project)", () => {
  // Deterministic: the graphs' counts and the GPUs' public figures, no measurement.
  const want = projectionMarkdown(projectAll());
  const a = README.indexOf(PROJECTION_BEGIN), b = README.indexOf(PROJECTION_END);
  assert.ok(a >= 0 && b > a, 'the README has its projection markers');
  assert.equal(README.slice(a + PROJECTION_BEGIN.length, b).trim(), want.trim(), 'regenerate with npm run project');
});
