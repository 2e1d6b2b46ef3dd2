// The profiler in a browser: the page API (dist/webvit.js's profile()) in headless Chromium with
// developer features, so timestamps are taken between the dispatches of one pass; then the SVG it
// makes is rendered by Chromium and screenshotted (test/.artifacts/, for people to look at). The
// checks are shared with Firefox's (test/helpers/demo-checks.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromiumAvailable, CHROMIUM, openPage, type DemoPage } from './helpers/chromium.ts';
import { checkProfileReport, checkSvgRenders, profileInPage, SHOTS } from './helpers/demo-checks.ts';

const skip = chromiumAvailable() ? false : `no Chromium at ${CHROMIUM} (run \`npm run setup\`)`;
let page: DemoPage | undefined;

before(async () => { if (!skip) page = await openPage('test/pages/harness.html', { profiling: true }); });
after(async () => { await page?.close(); });

test('webvit.profile() in Chromium: both schedules, timestamps inside the pass, every dispatch, categories sum to the total; the SVG renders', { skip, timeout: 300_000 }, async () => {
  const p = page!.page;
  const r = await profileInPage(p);
  checkProfileReport(r, 'timestamp-inside-pass');
  assert.equal(r.report.timing.quantumNs, null, 'developer features give unquantised timestamps');
  mkdirSync(SHOTS, { recursive: true });
  await checkSvgRenders(p, r.svg, 'profile-efficientvit_m0-chromium.png');
});
