// End to end in a browser: the demo page (index.html + dist/webvit.js) in headless Chromium runs
// EfficientViT-M0 and EdgeViT-XXS on WebGPU (SwiftShader here) and must match PyTorch's logits; then the page is
// driven as a user would (files in, Run, top-5 out).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { chromiumAvailable, CHROMIUM, openDemo, runInPage, type DemoPage, type PageRun } from './helpers/chromium.ts';
import { goldenCases, logitsError } from './helpers/golden.ts';

const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM} (run \`npm run setup\`)`;
let demo: DemoPage | undefined;
const runs = new Map<string, PageRun>();

before(async () => { if (!skip) demo = await openDemo(); });
after(async () => { await demo?.close(); });

// SwiftShader compiles pipelines for each new shape (seconds each), so three cases only:
// the default shape, batch 2 at a resolution whose maps need padding, and EdgeViT-XXS.
for (const spec of ['efficientvit_m0:224:1', 'efficientvit_m0:192:2', 'edgevit_xxs:224:1']) {
  test(`demo page matches PyTorch: ${spec}`, { skip, timeout: 150_000 }, async () => {
    const [c] = goldenCases([spec]);
    const r = await runInPage(demo!, c.model, c.pth, c.input, c.batch, c.height);
    runs.set(spec, r);
    const got = Float32Array.from(r.logits);
    assert.equal(got.length, c.logits.length, `logits: got ${got.length} values, expected ${c.logits.length} (${c.batch}×1000)`);
    const { maxDiff, tolerance } = logitsError(got, c.logits);
    const worst = c.logits.reduce((w, y, i) => (Math.abs(got[i] - y) > Math.abs(got[w] - c.logits[w]) ? i : w), 0);
    assert.ok(maxDiff <= tolerance, `${c.name} in Chromium: max|Δ| ${maxDiff} > ${tolerance} (worst at ${worst}: got ${got[worst]}, expected ${c.logits[worst]})`);
    assert.ok(r.stats.dispatches > 0 && r.stats.buffers > 0, `plan.stats looks empty: ${JSON.stringify(r.stats)}`);
    console.log(`# ${c.name}: max|Δ| ${maxDiff.toExponential(2)} (tol ${tolerance.toExponential(2)}), build ${r.buildMs.toFixed(0)} ms, ` +
      `run ${r.times[0].toFixed(1)} ms, ${r.stats.dispatches} dispatches, ${r.stats.buffers} buffers, adapter ${r.adapter.vendor}/${r.adapter.architecture}`);
  });
}

// Runs after the 224 case, so the page's runtime already holds the pipelines this needs.
test('demo page UI: checkpoint + image → top-5, time, dispatches, buffers', { skip, timeout: 120_000 }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const png = new PNG({ width: 320, height: 240 });
  for (let i = 0; i < 320 * 240; i++) png.data.set([(i % 320) * 0.8, (i / 320) | 0, 128, 255], i * 4);
  const page = demo!.page;
  await page.selectOption('#model', 'efficientvit_m0');
  await page.setInputFiles('#checkpoint', { name: 'm0.pth', mimeType: 'application/octet-stream', buffer: Buffer.from(c.pth) });
  await page.setInputFiles('#image', { name: 'gradient.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'done' || document.querySelector('#error')?.textContent,
    null, { timeout: 110_000 });
  assert.equal(await page.textContent('#error'), '', 'the page showed an error');
  assert.equal(await page.locator('#result tr').count(), 6, 'top-5 table: a header and 5 rows');
  assert.match(await page.textContent('#ms') ?? '', /^\d+\.\d ms$/);
  const stats = runs.get('efficientvit_m0:224:1')?.stats;
  if (stats) {
    assert.equal(Number(await page.textContent('#dispatches')), stats.dispatches);
    assert.equal(Number(await page.textContent('#buffers')), stats.buffers);
  }
  assert.equal(await page.locator('#preview').evaluate((el: HTMLCanvasElement) => el.width), 224, 'the preview shows the 224×224 crop');
});

test('demo page reports a bad checkpoint with a readable error', { skip, timeout: 30_000 }, async () => {
  await assert.rejects(runInPage(demo!, 'efficientvit_m0', new TextEncoder().encode('not a checkpoint'), null, 1, 224), /unrecognised checkpoint/);
});
