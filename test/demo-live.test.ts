// The demo's live camera mode in headless Chromium on a fake camera that plays a clip of the shipped
// samples (--use-file-for-fake-video-capture with a Y4M file made here: each 28×28 grey sample
// scaled ×8, 6 frames each, 10 frames/s, looped): every sample's label comes up as the top-1 while
// it is shown, frames/s and ms per frame are reported, pause stops it; on a phone-sized viewport.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { bundle } from '../scripts/build.ts';
import { REPO_ROOT, startServer, type StaticServer } from '../scripts/serve.ts';
import { chromiumAvailable, launchChromium } from './helpers/chromium.ts';
import { checkFirstClassification, samples, SHOTS, until } from './helpers/demo-checks.ts';

const skip = !chromiumAvailable() && 'chromium is not installed';
const SCALE = 8, FRAMES_EACH = 6;

/** A Y4M clip (4:2:0, full-range grey: U = V = 128) of the samples, each FRAMES_EACH frames. */
function sampleClip(): Buffer {
  const side = 28 * SCALE;
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${side} H${side} F10:1 Ip A1:1 C420jpeg\n`)];
  for (const s of samples) {
    const png = PNG.sync.read(readFileSync(path.join(REPO_ROOT, 'demo/samples', s.file)));
    const y = Buffer.alloc(side * side);
    for (let r = 0; r < side; r++) for (let c = 0; c < side; c++) y[r * side + c] = png.data[(Math.floor(r / SCALE) * png.width + Math.floor(c / SCALE)) * 4];
    const uv = Buffer.alloc((side / 2) * (side / 2) * 2, 128);
    for (let f = 0; f < FRAMES_EACH; f++) parts.push(Buffer.from('FRAME\n'), y, uv);
  }
  return Buffer.concat(parts);
}

let dir: string, server: StaticServer, browser: Browser, page: Page;
before(async () => {
  if (skip) return;
  await bundle();
  dir = mkdtempSync(path.join(tmpdir(), 'webvit-live-'));
  const clip = path.join(dir, 'samples.y4m');
  writeFileSync(clip, sampleClip());
  server = await startServer(REPO_ROOT);
  browser = await launchChromium({ extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`] });
  page = await browser.newPage({ viewport: { width: 390, height: 844 } });
});
after(async () => { if (!skip) { await browser.close(); await server.close(); rmSync(dir, { recursive: true, force: true }); } });

test('live camera: each sample shown gets its label as the top-1; frames/s and ms per frame; pause stops it (phone viewport)', { skip, timeout: 300_000 }, async () => {
  await page.goto(`${server.url}index.html`);
  await checkFirstClassification(page);
  await page.click('#camera');
  await until(page, "!document.querySelector('#live').hidden");
  await page.click('#live');
  const seen = new Set<string>();
  const deadline = Date.now() + 180_000;
  while (seen.size < samples.length && Date.now() < deadline) {
    const top1 = await page.evaluate(() => document.querySelector<HTMLElement>('#live-top')?.dataset.top1);
    if (top1) seen.add(top1);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual([...seen].sort(), samples.map((s) => s.label).sort(), 'the top-1 labels seen over the clip');
  assert.equal(await page.evaluate(() => document.querySelector('#error')?.textContent), '');
  const stats = await page.evaluate(() => document.querySelector('#live-stats')!.textContent!);
  assert.match(stats, /^\d+\.\d frames\/s classified, \d+\.\d ms per frame \(decode, preprocessing and inference, in the worker\), \d+ frames dropped$/);
  assert.ok(Number(/^([\d.]+) frames/.exec(stats)![1]) > 0, stats);
  await page.screenshot({ path: path.join(SHOTS, 'demo-live-phone.png'), fullPage: true });
  // Pause: the count of classified frames stops growing.
  await page.click('#live');
  await new Promise((r) => setTimeout(r, 1000));
  const frames = await page.evaluate(() => document.querySelector<HTMLElement>('#live-top')!.dataset.frames);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await page.evaluate(() => document.querySelector<HTMLElement>('#live-top')!.dataset.frames), frames, 'no frame classified while paused');
  assert.equal(await page.evaluate(() => document.querySelector('#live')!.getAttribute('aria-pressed')), 'false');
});
