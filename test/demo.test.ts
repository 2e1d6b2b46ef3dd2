// The demo page (index.html + dist/demo.js) in headless Chromium, used as a person would: the shipped
// model classifies a shipped sample with no file chosen; the page's top-5 equals the CLI's; a .pth
// through the file input gives PyTorch's logits; a broken file shows its error; speed and profile
// panels fill in. No request may leave localhost. Screenshots of each state go to test/.artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { bundle } from '../scripts/build.ts';
import { REPO_ROOT, startServer, type StaticServer } from '../scripts/serve.ts';
import { chromiumAvailable, launchChromium } from './helpers/chromium.ts';
import { goldenCases, logitsError, preprocessCases, PYTHON, torchAvailable, torchvisionAvailable } from './helpers/golden.ts';

const skip = (!chromiumAvailable() && 'chromium is not installed') || (!torchAvailable() && 'python3-torch is not installed');
const SHOTS = path.join(REPO_ROOT, 'test/.artifacts');
const samples = JSON.parse(readFileSync(path.join(REPO_ROOT, 'demo/samples/samples.json'), 'utf8')) as { file: string; label: string }[];

let server: StaticServer, browser: Browser, page: Page;
const offsite: string[] = [];

before(async () => {
  if (skip) return;
  await bundle();
  server = await startServer(REPO_ROOT);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => { if (!/^(https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/|blob:|data:)/.test(r.url())) offsite.push(r.url()); });
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => { if (!skip) { await browser.close(); await server.close(); } });

/** How many classifications the page has shown, once it has nothing left to do. */
const classified = async () => {
  await page.waitForFunction(() => !document.body.dataset.busy, null, { timeout: 120_000 });
  return page.evaluate(() => Number(document.body.dataset.classified ?? 0));
};
async function waitClassified(count: number, timeout = 120_000): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.classified ?? 0) >= n || document.querySelector('#error')?.textContent, count, { timeout });
  assert.equal(await page.textContent('#error'), '', 'the page showed an error');
}
const topOfFirst = () => page.$$eval('#results .result:first-child .top5 li', (lis) => lis.map((li) => ({
  label: li.querySelector('.label')!.textContent!, percent: Number(li.querySelector('.p')!.textContent!.replace(/\s*%$/, '')),
})));
const shot = async (name: string) => { await page.screenshot({ path: path.join(SHOTS, `demo-${name}.png`), fullPage: true }); };

test('demo: with no file chosen, the shipped model classifies a shipped sample right; desktop and phone screenshots', { skip, timeout: 180_000 }, async () => {
  await page.goto(`${server.url}index.html`);
  await waitClassified(1);
  const top = await topOfFirst();
  assert.equal(top.length, 5);
  assert.equal(top[0].label, samples[0].label, `the first sample (${samples[0].file}) is a ${samples[0].label}`);
  assert.match(await page.textContent('#model-info') ?? '', /efficientvit_m0 from efficientvit_m0_fashion_mnist\.safetensors: 10 classes/);
  assert.match(await page.textContent('#adapter') ?? '', /WebGPU adapter: .*CPU fallback/);
  await shot('default');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("demo: a sample's top-5 in the page equals the CLI's for the same weights and image", { skip, timeout: 180_000 }, async () => {
  const s = samples[3], n = await classified();
  await page.click(`#samples button[title^="${s.label}"]`);
  await waitClassified(n + 1);
  const inPage = await topOfFirst();
  const out = execFileSync(process.execPath, ['bin/webvit.js', 'infer', '--image', `demo/samples/${s.file}`], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith('image 0'))!;
  const cli = [...line.slice(line.indexOf('top-5 ') + 6).matchAll(/(?:^|, )\d+ ([^(]+?) \((\d+\.\d+)%/g)].map((m) => ({ label: m[1], percent: Number(m[2]) }));
  assert.equal(cli.length, 5, `the CLI's line: ${line}`);
  assert.deepEqual(inPage.map((t) => t.label), cli.map((t) => t.label), `page ${JSON.stringify(inPage)} vs CLI ${line}`);
  inPage.forEach((t, i) => assert.ok(Math.abs(t.percent - cli[i].percent) <= 0.051, `${t.label}: page ${t.percent}% vs CLI ${cli[i].percent}%`));
});

test('demo: half-precision weights (the dtype select) load again and classify alike', { skip, timeout: 180_000 }, async () => {
  const s = samples[3];
  const before = await topOfFirst();
  await page.selectOption('#dtype', 'f16');
  try {
    const n = await classified();
    await page.click(`#samples button[title^="${s.label}"]`);
    await waitClassified(n + 1);
    assert.match(await page.textContent('#model-info') ?? '', /matrices f16(-packed)?\)/);
    const half = await topOfFirst();
    assert.equal(half.length, before.length);
    assert.equal(half[0].label, before[0].label);
    half.forEach((t, i) => assert.ok(Math.abs(t.percent - before[i].percent) <= 1, `${t.label}: f16 ${t.percent}% vs f32 ${before[i].percent}%`));
  } finally {
    await page.selectOption('#dtype', 'auto');
  }
});

test("demo: a .pth through the file input, on a photo, gives PyTorch's logits", { skip: skip || (!torchvisionAvailable() && 'no torchvision photos'), timeout: 240_000 }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const dir = preprocessCases(), photo = 'hopper_509x343';
  // PyTorch: the same checkpoint on torchvision's preprocessing of the same photo.
  const want = Float32Array.from(JSON.parse(execFileSync(PYTHON, ['-c', `
import sys, json, numpy as np, torch
sys.path.insert(0, 'scripts/golden'); import efficientvit
m = efficientvit.build('efficientvit_m0', img_size=224, num_classes=1000)
sd = torch.load(sys.argv[1], map_location='cpu'); m.load_state_dict(sd.get('model', sd)); m.eval()
x = torch.from_numpy(np.fromfile(sys.argv[2], '<f4').reshape(1, 3, 224, 224))
with torch.no_grad(): print(json.dumps(m(x)[0].tolist()))
`, writeTemp('golden-m0.pth', c.pth), path.join(dir, `${photo}.r224.f32`)], { cwd: REPO_ROOT, encoding: 'utf8' })) as number[]);
  await page.selectOption('#model', 'efficientvit_m0');
  await page.fill('#res', '');
  await page.setInputFiles('#checkpoint', { name: 'm0.pth', mimeType: 'application/octet-stream', buffer: Buffer.from(c.pth) });
  await page.click('#load');
  await page.waitForFunction(() => /from m0\.pth/.test(document.querySelector('#model-info')?.textContent ?? '') || document.querySelector('#error')?.textContent, null, { timeout: 120_000 });
  const n = await classified();
  await page.setInputFiles('#image', path.join(dir, `${photo}.png`));
  await waitClassified(n + 1);
  const got = Float32Array.from(JSON.parse(await page.getAttribute('#results .result:first-child', 'data-logits') ?? '[]') as number[]);
  const { maxDiff, tolerance } = logitsError(got, want);
  assert.ok(maxDiff <= tolerance, `page logits vs PyTorch: max|Δ| ${maxDiff} > ${tolerance}`);
  assert.match(await page.textContent('#model-info') ?? '', /1000 classes \(tench, goldfish, great white shark/);
  await shot('own-checkpoint');
});

test('demo: a broken checkpoint shows what is wrong, and the page keeps working', { skip, timeout: 120_000 }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  await page.setInputFiles('#checkpoint', { name: 'broken.pth', mimeType: 'application/octet-stream', buffer: Buffer.from(c.pth.subarray(0, 5000)) });
  await page.click('#load');
  await page.waitForFunction(() => document.querySelector('#error')?.textContent, null, { timeout: 60_000 });
  assert.match(await page.textContent('#error') ?? '', /not a valid zip archive|truncated/);
  await shot('error');
  // Back to the shipped weights: a sample classifies again.
  await page.check('input[name=weights][value=shipped]');
  const n = await classified();
  await page.click(`#samples button[title^="${samples[1].label}"]`);
  await waitClassified(n + 1);
  assert.equal((await topOfFirst())[0].label, samples[1].label);
});

test('demo: speed and profile panels fill in; the trace downloads', { skip, timeout: 240_000 }, async () => {
  await page.fill('#runs', '5');
  await page.click('#measure');
  await page.waitForFunction(() => document.querySelector('#speed')?.getAttribute('data-median') || document.querySelector('#error')?.textContent, null, { timeout: 60_000 });
  assert.equal(await page.textContent('#error'), '');
  const speed = await page.textContent('#speed') ?? '';
  for (const k of ['cold start', 'warm, batch 1: median', 'p90', 'dispatches / submits per inference', 'GPU memory']) assert.ok(speed.includes(k), `speed table has "${k}": ${speed}`);
  await page.click('#profile');
  await page.waitForFunction(() => document.querySelector('#chart svg') || document.querySelector('#error')?.textContent, null, { timeout: 180_000 });
  assert.equal(await page.textContent('#error'), '');
  assert.ok(await page.locator('#layers tbody tr').count() > 5, 'a per-layer table');
  const before = await page.$$eval('#layers tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  await page.click('#layers th:first-child');
  const after = await page.$$eval('#layers tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(after, [...before].sort((a, b) => String(a).localeCompare(String(b))), 'sorted by layer name');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#trace')]);
  const trace = JSON.parse(readFileSync(await download.path(), 'utf8')) as { traceEvents: unknown[] };
  assert.ok(trace.traceEvents.length > 10, 'the trace has events');
  await shot('profile');
  assert.deepEqual(offsite, [], 'requests that left localhost');
});

function writeTemp(name: string, bytes: Uint8Array): string {
  const file = path.join(SHOTS, name);
  writeFileSync(file, bytes);
  return file;
}
