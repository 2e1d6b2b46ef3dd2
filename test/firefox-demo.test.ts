// The demo page (index.html + dist/demo.js) and the profiler in headless Firefox (WebGPU on wgpu;
// lavapipe without a GPU), as test/demo.test.ts and test/browser-profile.test.ts do in Chromium:
// the shipped model classifies the shipped samples; speed and profile panels fill in, the profile
// saying which timing method it used (Firefox offers timestamp-query, not timestamps inside passes);
// webvit.profile()'s SVG renders in Firefox; no request leaves localhost. Screenshots go to
// test/.artifacts/*-firefox.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'puppeteer-core';
import { REPO_ROOT } from '../scripts/serve.ts';
import { firefoxSkip, openFirefoxPage, type FirefoxPage } from './helpers/firefox.ts';

const skip = firefoxSkip;
const SHOTS = path.join(REPO_ROOT, 'test/.artifacts');
const samples = JSON.parse(readFileSync(path.join(REPO_ROOT, 'demo/samples/samples.json'), 'utf8')) as { file: string; label: string }[];
let ff: FirefoxPage | undefined;
let page: Page;
const offsite: string[] = [];
let requests = 0;

before(async () => {
  if (skip) return;
  ff = await openFirefoxPage('test/pages/harness.html');
  page = await ff.browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on('request', (r) => { requests++; if (!/^(https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/|blob:|data:)/.test(r.url())) offsite.push(r.url()); });
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => { await ff?.close(); });

const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
/** Waits for `fn` to hold in the page, or for the page's error box to say something (then fails with it). */
async function until(fn: string, timeout = 240_000): Promise<void> {
  await page.waitForFunction(`(${fn}) || document.querySelector('#error')?.textContent`, { timeout, polling: 200 });
  assert.equal(await text('#error'), '', 'the page showed an error');
}
const topOfFirst = () => page.$$eval('#results .result:first-child .top5 li .label', (ls) => ls.map((l) => l.textContent));
/** A PNG with many distinct colours (not a blank or single-colour page). */
function colours(png: Uint8Array): number {
  const img = PNG.sync.read(Buffer.from(png));
  const seen = new Set<number>();
  for (let i = 0; i < img.data.length; i += 4 * 7) seen.add((img.data[i] << 16) | (img.data[i + 1] << 8) | img.data[i + 2]);
  return seen.size;
}

test('demo in Firefox: the shipped model classifies the shipped samples; screenshot', { skip, timeout: 300_000 }, async () => {
  await page.goto(`${ff!.server.url}index.html`);
  await until("Number(document.body.dataset.classified ?? 0) >= 1");
  assert.equal((await topOfFirst())[0], samples[0].label, `the first sample (${samples[0].file}) is a ${samples[0].label}`);
  assert.match(await text('#model-info'), /efficientvit_m0 from efficientvit_m0_fashion_mnist\.safetensors: 10 classes/);
  assert.match(await text('#adapter'), /WebGPU adapter: .*CPU fallback/);
  // The shipped weights are halves: with dtype 'auto' an adapter with shader-f16 reads them as vec4<f16>.
  const f16 = await page.evaluate(async () => (await navigator.gpu.requestAdapter())?.features.has('shader-f16'));
  assert.match(await text('#model-info'), f16 ? /\(matrices f16\)/ : /\(matrices f32\)/);
  const s = samples[3];
  const n = await page.evaluate(() => Number(document.body.dataset.classified));
  await page.waitForFunction(() => !document.body.dataset.busy, { timeout: 120_000 });
  await page.click(`#samples button[title^="${s.label}"]`);
  await until(`Number(document.body.dataset.classified ?? 0) > ${n}`);
  assert.equal((await topOfFirst())[0], s.label);
  const png = await page.screenshot({ path: path.join(SHOTS, 'demo-default-firefox.png'), fullPage: true });
  assert.ok(colours(png) > 50, 'the screenshot is not blank');
});

test('demo in Firefox: speed and profile panels fill in; the profile names its timing method', { skip, timeout: 420_000 }, async () => {
  await page.waitForFunction(() => !document.body.dataset.busy, { timeout: 120_000 });
  await page.$eval('#runs', (e) => { (e as HTMLInputElement).value = '3'; });
  await page.click('#measure');
  await until("document.querySelector('#speed')?.getAttribute('data-median')");
  const speed = await text('#speed');
  for (const k of ['cold start', 'warm, batch 1: median', 'p90', 'GPU memory']) assert.ok(speed.includes(k), `speed table has "${k}": ${speed}`);
  await page.click('#profile');
  await until("document.querySelector('#chart svg')", 360_000);
  assert.ok(await page.$$eval('#layers tbody tr', (rs) => rs.length) > 5, 'a per-layer table');
  // Firefox's adapter has timestamp-query but not Chromium's timestamps inside passes.
  assert.match(await text('#profile-status'), /timing: timestamp-per-pass, median of \d+ runs/);
  const png = await page.screenshot({ path: path.join(SHOTS, 'demo-profile-firefox.png'), fullPage: true });
  assert.ok(colours(png) > 50, 'the screenshot is not blank');
  assert.ok(requests > 3, `the request listener saw ${requests} requests`);
  assert.deepEqual(offsite, [], 'requests that left localhost');
});

test('webvit.profile() in Firefox: per-pass timestamps, categories sum to the total; the SVG renders', { skip, timeout: 420_000 }, async () => {
  const r = await ff!.page.evaluate(async () => {
    const w = (window as any).webvit;
    const rt = await w.browserRuntime();
    const model = new w.Model(rt, w.modelInfo('efficientvit_m0'), w.randomStateDict('efficientvit_m0'));
    try {
      const report = await w.profile(model, { runs: 3, weights: 'random (seed 0)' });
      return { report, svg: w.profileSvg(report) as string };
    } finally {
      model.destroy();
    }
  }) as { report: any; svg: string };
  const { report } = r;
  assert.equal(report.timing.method, 'timestamp-per-pass');
  for (const s of [report.schedules.fused, report.schedules.unfused]) {
    const sum = s.categories.reduce((a: number, c: { ms: number }) => a + c.ms, 0);
    assert.ok(Math.abs(sum - s.sumMs) < 1e-9 * s.sumMs, `${s.schedule}: Σ categories ${sum} vs ${s.sumMs}`);
    assert.ok(s.sumMs > 0, `${s.schedule}: no GPU time measured`);
  }
  const p = ff!.page;
  await p.setViewport({ width: 1040, height: 480 });
  await p.setContent(`<!doctype html><body style="margin:0">${r.svg}</body>`);
  const box = await (await p.$('svg'))!.boundingBox();
  assert.deepEqual([box?.width, box?.height], [1040, 480]);
  const png = await p.screenshot({ path: path.join(SHOTS, 'profile-efficientvit_m0-firefox.png') });
  assert.ok(colours(png) > 50, 'the rendered chart has many colours');
});
