// The checks the demo page (index.html + dist/demo.js) and webvit.profile() get in every browser
// engine: test/demo.test.ts and test/browser-profile.test.ts call them on a Chromium page
// (Playwright), test/firefox-demo.test.ts on a Firefox page (Puppeteer). Each engine's file keeps
// only what differs: how its page is opened, the timing method its adapter gives, and its own extras.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { REPO_ROOT } from '../../scripts/serve.ts';
import { dispatchCount } from './eager-ops.ts';

/** Where the screenshots go (for people to look at). */
export const SHOTS = path.join(REPO_ROOT, 'test/.artifacts');
export const samples = JSON.parse(readFileSync(path.join(REPO_ROOT, 'demo/samples/samples.json'), 'utf8')) as { file: string; label: string }[];

/** What the checks use of a page: Playwright's and Puppeteer's pages both have these. */
export interface EnginePage {
  evaluate(fn: any, arg?: any): Promise<any>;
  $$eval(selector: string, fn: (els: any[]) => any): Promise<any>;
  $(selector: string): Promise<{ boundingBox(): Promise<{ width: number; height: number } | null> } | null>;
  click(selector: string): Promise<void>;
  setContent(html: string): Promise<void>;
  screenshot(opts: { path?: string; fullPage?: boolean }): Promise<Uint8Array>;
  on(event: 'request', fn: (r: { url(): string }) => void): unknown;
}

/** Playwright's setViewportSize or Puppeteer's setViewport. */
export async function resize(page: EnginePage, width: number, height: number): Promise<void> {
  const p = page as unknown as { setViewportSize?(v: object): Promise<void>; setViewport?(v: object): Promise<void> };
  await (p.setViewportSize ? p.setViewportSize({ width, height }) : p.setViewport!({ width, height }));
}

/** Records the page's requests; `offsite`: those that left localhost. */
export function watchRequests(page: EnginePage): { offsite: string[]; count: () => number } {
  const offsite: string[] = [];
  let n = 0;
  page.on('request', (r) => { n++; if (!/^(https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/|blob:|data:)/.test(r.url())) offsite.push(r.url()); });
  return { offsite, count: () => n };
}

/** The number of distinct colours in a PNG, sampled (a blank or single-colour page has few). */
export function colours(png: Uint8Array): number {
  const img = PNG.sync.read(Buffer.from(png));
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4 * 7) seen.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  return seen.size;
}

export const text = (page: EnginePage, sel: string): Promise<string> => page.evaluate((s: string) => document.querySelector(s)?.textContent ?? '', sel);

/** Waits for the page expression `expr` to hold. */
async function poll(page: EnginePage, expr: string, timeout: number): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(`Boolean(${expr})`))) {
    if (Date.now() > end) throw new Error(`the page did not reach ${expr} within ${timeout / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits for the page expression `expr` to hold, or for the page's error box to say something (then fails with it). */
export async function until(page: EnginePage, expr: string, timeout = 120_000): Promise<void> {
  await poll(page, `(${expr}) || document.querySelector('#error')?.textContent`, timeout);
  assert.equal(await text(page, '#error'), '', 'the page showed an error');
}

/** How many classifications the page has shown, once it has nothing left to do (an earlier error may still show: the next classification clears it). */
export async function classified(page: EnginePage, timeout = 120_000): Promise<number> {
  await poll(page, '!document.body.dataset.busy', timeout);
  return page.evaluate(() => Number(document.body.dataset.classified ?? 0));
}

/** The first result's top-5: label and percent. */
export const topOfFirst = (page: EnginePage): Promise<{ label: string; percent: number }[]> => page.$$eval('#results .result:first-child .top5 li', (lis) => lis.map((li) => ({
  label: li.querySelector('.label')!.textContent!, percent: Number(li.querySelector('.p')!.textContent!.replace(/\s*%$/, '')),
})));

/** A freshly opened demo page: the shipped model classifies the first shipped sample right, reading its halves as the adapter allows. */
export async function checkFirstClassification(page: EnginePage, timeout?: number): Promise<void> {
  await until(page, 'Number(document.body.dataset.classified ?? 0) >= 1', timeout);
  const top = await topOfFirst(page);
  assert.equal(top.length, 5);
  assert.equal(top[0].label, samples[0].label, `the first sample (${samples[0].file}) is a ${samples[0].label}`);
  const info = await text(page, '#model-info');
  assert.match(info, /efficientvit_m0 from efficientvit_m0_fashion_mnist\.safetensors: 10 classes/);
  assert.match(await text(page, '#adapter'), /WebGPU adapter: .*CPU fallback/);
  // The shipped weights are halves: with dtype 'auto' an adapter with shader-f16 reads them as vec4<f16>.
  const f16 = await page.evaluate(async () => (await navigator.gpu.requestAdapter())?.features.has('shader-f16'));
  assert.match(info, f16 ? /\(matrices f16\)/ : /\(matrices f32\)/);
}

/** Clicks shipped sample `s` and returns the new result's top-5, whose first label must be the sample's. */
export async function classifySample(page: EnginePage, s: { label: string }, timeout?: number): Promise<{ label: string; percent: number }[]> {
  const n = await classified(page);
  await page.click(`#samples button[title^="${s.label}"]`);
  await until(page, `Number(document.body.dataset.classified ?? 0) > ${n}`, timeout);
  const top = await topOfFirst(page);
  assert.equal(top[0].label, s.label);
  return top;
}

/** The speed panel fills in after `runs` runs, then the profile panel; returns the profile's status line. */
export async function checkSpeedAndProfilePanels(page: EnginePage, runs: number, timeout: { speed: number; profile: number }): Promise<string> {
  await classified(page);
  await page.evaluate((n: number) => { (document.querySelector('#runs') as HTMLInputElement).value = String(n); }, runs);
  await page.click('#measure');
  await until(page, "document.querySelector('#speed')?.getAttribute('data-median')", timeout.speed);
  const speed = await text(page, '#speed');
  for (const k of ['cold start', 'warm, batch 1: median', 'p90', 'dispatches / submits per inference', 'GPU memory']) assert.ok(speed.includes(k), `speed table has "${k}": ${speed}`);
  await page.click('#profile');
  await until(page, "document.querySelector('#chart svg')", timeout.profile);
  assert.ok(await page.$$eval('#layers tbody tr', (rs) => rs.length) > 5, 'a per-layer table');
  return text(page, '#profile-status');
}

/**
 * The features panel on the shipped model (the first sample classified, at its 64×64 input): blocks1's
 * 64 channels as tiles of its 4×4 map over the image, then the samples ranked by embedding similarity to that
 * sample, itself first at cosine 1.
 */
export async function checkFeaturesPanel(page: EnginePage, timeout = 120_000): Promise<void> {
  await classified(page);
  await page.click('#show-features');
  await until(page, "document.querySelector('#feature-grid')?.getAttribute('data-shape')", timeout);
  assert.deepEqual(JSON.parse(await page.evaluate(() => document.querySelector('#feature-grid')!.getAttribute('data-shape'))), [1, 64, 4, 4]);
  assert.equal(await page.$$eval('#feature-grid canvas', (cs) => cs.length), 64);
  await page.click('#rank');
  await until(page, "document.querySelectorAll('#similar li').length > 0", timeout);
  const ranked: { name: string; score: number }[] = await page.$$eval('#similar li', (ls) => ls.map((l) => ({ name: l.dataset.name, score: Number(l.dataset.score) })));
  assert.equal(ranked.length, samples.length, 'every sample ranked');
  assert.equal(ranked[0].name, samples[0].file, 'the query itself first');
  assert.ok(Math.abs(ranked[0].score - 1) < 1e-5, `its own cosine similarity: ${ranked[0].score}`);
  assert.ok(ranked.every((r, i) => i === 0 || r.score <= ranked[i - 1].score), 'ranked by similarity');
}

/** The page API's profile of EfficientViT-M0 (random weights, both schedules) in a page with window.webvit. */
export async function profileInPage(page: EnginePage): Promise<{ report: any; svg: string; events: number }> {
  return page.evaluate(async () => {
    const w = (window as any).webvit;
    const rt = await w.browserRuntime();
    const model = new w.Model(rt, w.modelInfo('efficientvit_m0'), w.randomStateDict('efficientvit_m0'));
    try {
      const report = await w.profile(model, { runs: 3, weights: 'random (seed 0)' });
      return { report, svg: w.profileSvg(report), events: w.chromeTrace(report).traceEvents.filter((e: { ph: string }) => e.ph === 'X').length };
    } finally {
      model.destroy();
    }
  });
}

/** A profileInPage result: timed by `method`; every dispatch of both schedules, as the eager trace derives them, in the report and the trace; categories sum to the total. */
export function checkProfileReport(r: { report: any; events: number }, method: string): void {
  const { report } = r;
  assert.equal(report.timing.method, method);
  const [nf, nu] = [dispatchCount('efficientvit_m0', 'fused'), dispatchCount('efficientvit_m0', 'unfused')];
  assert.equal(report.schedules.fused.dispatches, nf);
  assert.equal(report.schedules.unfused.dispatches, nu);
  assert.equal(r.events, nf + nu);
  for (const s of [report.schedules.fused, report.schedules.unfused]) {
    const sum = s.categories.reduce((a: number, c: { ms: number }) => a + c.ms, 0);
    assert.ok(s.sumMs > 0, `${s.schedule}: no GPU time measured`);
    assert.ok(Math.abs(sum - s.sumMs) < 1e-9 * s.sumMs, `${s.schedule}: Σ categories ${sum} vs ${s.sumMs}`);
    // How close Σ dispatches comes to the whole pass is a measurement (it failed the ±15 % on a loaded
    // machine): the benchmark reports it (bench/results/kernels.md); test/profile.test.ts checks the arithmetic.
    assert.ok(s.wholeMs > 0 && s.agreement === s.sumMs / s.wholeMs, `${s.schedule}: agreement ${s.agreement}, Σ ${s.sumMs}, whole ${s.wholeMs}`);
  }
}

/** The profile's SVG rendered by the page's engine at its size, with all its dots, and not blank; screenshot to SHOTS/`shot`. */
export async function checkSvgRenders(page: EnginePage, svg: string, shot: string): Promise<void> {
  await resize(page, 1040, 480);
  await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`);
  const box = await (await page.$('svg'))!.boundingBox();
  assert.deepEqual([box?.width, box?.height], [1040, 480]);
  assert.equal(await page.$$eval('svg circle', (cs) => cs.length), (svg.match(/<circle /g) ?? []).length);
  const png = await page.screenshot({ path: path.join(SHOTS, shot) });
  assert.ok(colours(png) > 50, 'the rendered chart has many colours');
}
