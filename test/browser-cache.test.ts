// The weight cache between visits (src/browser/weight-cache.ts), through the demo page in headless
// Chromium: one browser profile, three visits. The first fetches the shipped weights and keeps them;
// the second takes them from the Cache API (no request for them); a tampered cache entry is refused
// and fetched again, and the page still classifies right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bundle } from '../scripts/build.ts';
import { REPO_ROOT, startServer, type StaticServer } from '../scripts/serve.ts';
import { chromiumAvailable, launchChromium } from './helpers/chromium.ts';
import { checkFirstClassification } from './helpers/demo-checks.ts';

const skip = !chromiumAvailable() && 'chromium is not installed';
const WEIGHTS = /\/weights\/efficientvit_m0_fashion_mnist\.safetensors$/;

let server: StaticServer, browser: Browser, context: BrowserContext;
before(async () => {
  if (skip) return;
  await bundle();
  server = await startServer(REPO_ROOT);
  browser = await launchChromium();
  context = await browser.newContext();
});
after(async () => { if (!skip) { await browser.close(); await server.close(); } });

/** A fresh page of the one profile on the demo, until its first classification; the weight requests it made. */
async function visit(): Promise<{ page: Page; weightRequests: string[] }> {
  const page = await context.newPage();
  const weightRequests: string[] = [];
  page.on('request', (r) => { if (WEIGHTS.test(r.url())) weightRequests.push(r.url()); });
  await page.goto(`${server.url}index.html`);
  await checkFirstClassification(page);
  return { page, weightRequests };
}

test('a second visit takes the weights from the cache; a tampered entry is refused and fetched again', { skip, timeout: 300_000 }, async () => {
  const first = await visit();
  assert.equal(first.weightRequests.length, 1, 'the first visit fetches the weights');
  assert.equal(await first.page.evaluate(() => document.body.dataset.weightsCached), 'false');
  await first.page.close();

  const second = await visit();
  assert.deepEqual(second.weightRequests, [], 'the second visit requests no weights');
  assert.equal(await second.page.evaluate(() => document.body.dataset.weightsCached), 'true');
  assert.match(await second.page.evaluate(() => document.querySelector('#phase')!.textContent), /weights from the browser's cache/);
  // Change one byte of the kept copy, leaving the digest recorded beside it.
  const tampered = await second.page.evaluate(async () => {
    const cache = await caches.open('webvit-weights-v1');
    const [key] = await cache.keys();
    const hit = (await cache.match(key))!;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    bytes[bytes.length - 5] ^= 0xff;
    await cache.put(key, new Response(bytes, { headers: hit.headers }));
    return key.url;
  });
  assert.match(tampered, WEIGHTS);
  await second.page.close();

  const third = await visit();
  assert.equal(third.weightRequests.length, 1, 'the tampered copy is refused: the weights are fetched again');
  assert.equal(await third.page.evaluate(() => document.body.dataset.weightsCached), 'false');
  // clearCache() (the library's export) empties it.
  assert.equal(await third.page.evaluate("import('./dist/webvit.js').then((m) => m.clearCache())"), true);
  assert.deepEqual(await third.page.evaluate(() => caches.keys()), []);
  await third.page.close();
});
