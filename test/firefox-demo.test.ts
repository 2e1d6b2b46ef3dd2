// The demo page (index.html + dist/demo.js) and the profiler in headless Firefox (WebGPU on wgpu;
// lavapipe without a GPU), as test/demo.test.ts and test/browser-profile.test.ts do in Chromium:
// the shipped model classifies the shipped samples; speed and profile panels fill in, the profile
// saying which timing method it used (Firefox offers timestamp-query, not timestamps inside passes);
// webvit.profile()'s SVG renders in Firefox; no request leaves localhost. Screenshots go to
// test/.artifacts/*-firefox.png. The checks themselves are shared with Chromium's tests (test/helpers/demo-checks.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { firefoxSkip, openFirefoxPage, type FirefoxPage } from './helpers/firefox.ts';
import {
  checkFirstClassification, checkProfileReport, checkSpeedAndProfilePanels, checkSvgRenders, classifySample, colours,
  profileInPage, samples, SHOTS, watchRequests,
} from './helpers/demo-checks.ts';

const skip = firefoxSkip;
let ff: FirefoxPage | undefined;
let page: Page;
let requests: ReturnType<typeof watchRequests>;

before(async () => {
  if (skip) return;
  ff = await openFirefoxPage('test/pages/harness.html');
  page = await ff.browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  requests = watchRequests(page);
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => { await ff?.close(); });

test('demo in Firefox: the shipped model classifies the shipped samples; screenshot', { skip, timeout: 300_000 }, async () => {
  await page.goto(`${ff!.server.url}index.html`);
  await checkFirstClassification(page, 240_000);
  await classifySample(page, samples[3], 240_000);
  const png = await page.screenshot({ path: path.join(SHOTS, 'demo-default-firefox.png'), fullPage: true });
  assert.ok(colours(png) > 50, 'the screenshot is not blank');
});

test('demo in Firefox: speed and profile panels fill in; the profile names its timing method', { skip, timeout: 420_000 }, async () => {
  const status = await checkSpeedAndProfilePanels(page, 3, { speed: 240_000, profile: 360_000 });
  // Firefox's adapter has timestamp-query but not Chromium's timestamps inside passes.
  assert.match(status, /timing: timestamp-per-pass, median of \d+ runs/);
  const png = await page.screenshot({ path: path.join(SHOTS, 'demo-profile-firefox.png'), fullPage: true });
  assert.ok(colours(png) > 50, 'the screenshot is not blank');
  assert.ok(requests.count() > 3, `the request listener saw ${requests.count()} requests`);
  assert.deepEqual(requests.offsite, [], 'requests that left localhost');
});

test('webvit.profile() in Firefox: per-pass timestamps, every dispatch, categories sum to the total; the SVG renders', { skip, timeout: 420_000 }, async () => {
  const p = ff!.page;
  const r = await profileInPage(p);
  checkProfileReport(r, 'timestamp-per-pass');
  await checkSvgRenders(p, r.svg, 'profile-efficientvit_m0-firefox.png');
});
