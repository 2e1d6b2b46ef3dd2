// Opens a test page in headless Firefox with WebGPU: Debian's /usr/bin/firefox-esr, a fresh profile
// (puppeteer-core makes a temporary one) with dom.webgpu.enabled, driven through WebDriver BiDi by
// puppeteer-core (which never downloads a browser here: it is given the executable). On a machine
// without a GPU, Firefox's WebGPU (wgpu, shaders compiled by naga) runs on Mesa's lavapipe Vulkan
// driver. The Firefox counterpart of ./chromium.ts: the same pages, the same runInPage.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { bundle } from '../../scripts/build.ts';
import { REPO_ROOT, startServer, type StaticServer } from '../../scripts/serve.ts';

export const FIREFOX = process.env.WEBVIT_FIREFOX ?? '/usr/bin/firefox-esr';
export const firefoxAvailable = () => existsSync(FIREFOX);
export const firefoxSkip = firefoxAvailable() ? false : `no Firefox at ${FIREFOX} (run \`npm run setup\`: it apt-installs firefox-esr and mesa-vulkan-drivers)`;

/** WebGPU on (it is off by default in Firefox ESR), on any adapter (lavapipe is blocklisted otherwise). */
const PREFS = { 'dom.webgpu.enabled': true, 'gfx.webgpu.ignore-blocklist': true };

export interface FirefoxPage { page: Page; browser: Browser; server: StaticServer; url: string; close(): Promise<void> }

/** `env`: added to this process's environment for Firefox (the benchmark turns Mesa's shader cache off with it). */
export function launchFirefox(opts: { env?: Record<string, string> } = {}): Promise<Browser> {
  if (!firefoxAvailable()) throw new Error(firefoxSkip as string);
  // protocolTimeout: one evaluate may wait minutes while lavapipe compiles a model's pipelines.
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 900_000, extraPrefsFirefox: PREFS, ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
}

/** Opens `url` in a new page and waits until its body has data-ready="1"; errors quote the page's console. */
export async function readyFirefoxPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') logs.push(`[${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`[pageerror] ${(e as Error).message ?? e}`));
  await page.goto(url);
  try {
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  } catch {
    const shown = await page.$eval('#error', (e) => e.textContent).catch(() => '');
    await page.close();
    throw new Error(`the page at ${url} never became ready in Firefox. Page error box: "${shown}". Console:\n${logs.join('\n') || '(nothing)'}`);
  }
  return page;
}

/** A page of the repo (served on localhost) in headless Firefox, once its body has data-ready="1". */
export async function openFirefoxPage(file: string): Promise<FirefoxPage> {
  await bundle();
  const server = await startServer(REPO_ROOT);
  let browser: Browser | undefined;
  try {
    browser = await launchFirefox();
    const url = `${server.url}${file}`;
    const page = await readyFirefoxPage(browser, url);
    const b = browser;
    return { page, browser: b, server, url, close: async () => { await b.close(); await server.close(); } };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}
