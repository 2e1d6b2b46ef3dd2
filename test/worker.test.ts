// The worker runtime (loadInWorker: src/browser/worker-client.ts + worker-host.ts) in headless
// Chromium: PyTorch's logits from the worker; the page's longest task during a load and ten
// inferences under 50 ms; aborts during a load and during a classify; a disposed classifier refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumAvailable, CHROMIUM, openPage, type DemoPage } from './helpers/chromium.ts';
import { goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';

const skip = (!chromiumAvailable() && `no Chromium at ${CHROMIUM}`) || (!torchAvailable() && 'python3-torch is not installed');
let page: DemoPage | undefined;
before(async () => { if (!skip) page = await openPage('test/pages/worker-case.html'); });
after(async () => { await page?.close(); });

test('loadInWorker matches PyTorch, and the page never blocks for 50 ms during the load and ten inferences', { skip, timeout: 240_000 }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:2']);
  const pth = page!.server.put('/mem/w.pth', c.pth), input = page!.server.put('/mem/w.input.f32', new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength));
  const r = await page!.page.evaluate(([p, x]: string[]) => (window as any).webvit.workerCase('efficientvit_m0', p, x, 2, 224, 10), [pth, input]) as { logits: number[]; classes: number; longest: number; details: { name: string } };
  const { maxDiff, tolerance } = logitsError(Float32Array.from(r.logits), c.logits);
  assert.ok(maxDiff <= tolerance, `max|Δ| = ${maxDiff} > ${tolerance}`);
  assert.equal(r.details.name, 'efficientvit_m0');
  assert.ok(r.longest < 50, `the page's longest task: ${r.longest} ms`);
});

test('loadInWorker: an aborted load rejects with its reason, an aborted classify too, and the classifier goes on; a disposed one refuses', { skip, timeout: 240_000 }, async () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const pth = page!.server.put('/mem/a.pth', c.pth);
  const r = await page!.page.evaluate((p: string) => (window as any).webvit.aborts('efficientvit_m0', p), pth) as Record<string, unknown>;
  assert.deepEqual(r, { load: 'left during upload', classify: 'left during classify', after: 5, disposed: 'efficientvit_m0 was disposed; load it again' });
});
