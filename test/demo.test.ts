// The demo page (index.html + dist/demo.js) in headless Chromium, used as a person would: the shipped
// model classifies a shipped sample with no file chosen; the page's top-5 equals the CLI's; a .pth
// through the file input gives PyTorch's logits; a broken file shows its error; speed and profile
// panels fill in. No request may leave localhost. Screenshots of each state go to test/.artifacts/.
// The checks Firefox runs too are in test/helpers/demo-checks.ts (test/firefox-demo.test.ts).
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
import { checkFeaturesPanel, checkFirstClassification, checkSpeedAndProfilePanels, classified, classifySample, samples, SHOTS, topOfFirst, until, watchRequests } from './helpers/demo-checks.ts';

const skip = (!chromiumAvailable() && 'chromium is not installed') || (!torchAvailable() && 'python3-torch is not installed');

let server: StaticServer, browser: Browser, page: Page;
let requests: ReturnType<typeof watchRequests>;

before(async () => {
  if (skip) return;
  await bundle();
  server = await startServer(REPO_ROOT);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  requests = watchRequests(page);
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => { if (!skip) { await browser.close(); await server.close(); } });

const shot = async (name: string) => { await page.screenshot({ path: path.join(SHOTS, `demo-${name}.png`), fullPage: true }); };

test('demo: with no file chosen, the shipped model classifies a shipped sample right, in a worker (the page opens no GPU device); desktop and phone screenshots', { skip, timeout: 180_000 }, async () => {
  // Count the page's own requests for a GPU adapter (the worker's are its own).
  await page.addInitScript(() => {
    const w = window as unknown as { adapterRequests: number };
    w.adapterRequests = 0;
    const request = navigator.gpu.requestAdapter.bind(navigator.gpu);
    navigator.gpu.requestAdapter = (o?: GPURequestAdapterOptions) => { w.adapterRequests++; return request(o); };
  });
  await page.goto(`${server.url}index.html`);
  await until(page, 'Number(document.body.dataset.classified ?? 0) >= 1');
  assert.equal(await page.evaluate(() => document.body.dataset.runtime), 'worker');
  assert.equal(await page.evaluate(() => (window as unknown as { adapterRequests: number }).adapterRequests), 0, 'the page itself requested a GPU adapter');
  await checkFirstClassification(page);
  await shot('default');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot('phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('demo: the features panel shows a stage\'s channels over the image and ranks the samples by embedding similarity', { skip, timeout: 180_000 }, async () => {
  await checkFeaturesPanel(page);
  await shot('features');
});

test("demo: a sample's top-5 in the page equals the CLI's for the same weights and image", { skip, timeout: 180_000 }, async () => {
  const s = samples[3];
  const inPage = await classifySample(page, s);
  const out = execFileSync(process.execPath, ['bin/webvit.js', 'infer', '--image', `demo/samples/${s.file}`], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => l.startsWith('image 0'))!;
  const cli = [...line.slice(line.indexOf('top-5 ') + 6).matchAll(/(?:^|, )\d+ ([^(]+?) \((\d+\.\d+)%/g)].map((m) => ({ label: m[1], percent: Number(m[2]) }));
  assert.equal(cli.length, 5, `the CLI's line: ${line}`);
  assert.deepEqual(inPage.map((t) => t.label), cli.map((t) => t.label), `page ${JSON.stringify(inPage)} vs CLI ${line}`);
  inPage.forEach((t, i) => assert.ok(Math.abs(t.percent - cli[i].percent) <= 0.051, `${t.label}: page ${t.percent}% vs CLI ${cli[i].percent}%`));
});

test('demo: half-precision weights (the dtype select) load again and classify alike', { skip, timeout: 180_000 }, async () => {
  const s = samples[3];
  const before = await topOfFirst(page);
  await page.selectOption('#dtype', 'f16');
  try {
    const half = await classifySample(page, s);
    assert.match(await page.textContent('#model-info') ?? '', /matrices f16(-packed)?\)/);
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
  const n = await classified(page);
  await page.setInputFiles('#image', path.join(dir, `${photo}.png`));
  await until(page, `Number(document.body.dataset.classified ?? 0) > ${n}`);
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
  await classifySample(page, samples[1]);
});

test('demo: speed and profile panels fill in; the trace downloads', { skip, timeout: 240_000 }, async () => {
  await checkSpeedAndProfilePanels(page, 5, { speed: 60_000, profile: 180_000 });
  const before = await page.$$eval('#layers tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  await page.click('#layers th:first-child');
  const after = await page.$$eval('#layers tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(after, [...before].sort((a, b) => String(a).localeCompare(String(b))), 'sorted by layer name');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#trace')]);
  const trace = JSON.parse(readFileSync(await download.path(), 'utf8')) as { traceEvents: unknown[] };
  assert.ok(trace.traceEvents.length > 10, 'the trace has events');
  await shot('profile');
  assert.ok(requests.count() > 3, `the request listener saw ${requests.count()} requests`);
  assert.deepEqual(requests.offsite, [], 'requests that left localhost');
});

function writeTemp(name: string, bytes: Uint8Array): string {
  const file = path.join(SHOTS, name);
  writeFileSync(file, bytes);
  return file;
}
