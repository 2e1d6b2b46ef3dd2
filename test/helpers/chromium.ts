// Opens a test page (test/pages/run-case.html) in headless Chromium with WebGPU: bundles dist/webvit.js, serves
// the repo root on localhost, launches Debian's /usr/bin/chromium through playwright-core. WebGPU
// runs on SwiftShader (CPU) on machines without a GPU. Shared by test/browser.test.ts and
// bench/run.ts.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { bundle } from '../../scripts/build.ts';
import { REPO_ROOT, startServer, type StaticServer } from '../../scripts/serve.ts';

export const CHROMIUM = process.env.WEBVIT_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = () => existsSync(CHROMIUM);

const ARGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface DemoPage { page: Page; browser: Browser; server: StaticServer; url: string; close(): Promise<void> }

/** What window.webvit.runCase/runUrls returns (see test/pages/run-case.html). */
export interface PageRun {
  logits: number[]; classes: number; buildMs: number;
  /** wall ms per run (upload, submit, readback) */ times: number[];
  /** GPU ms per compute pass from timestamp queries (empty without 'timestamp-query') */ gpuTimes: number[];
  flops: number;
  stats: { dispatches: number; buffers: number; activationBytes: number; weightBytes: number; pipelines: number };
  adapter: { vendor: string; architecture: string; device: string; description: string };
  /** how the kernels read the matrix weights (with a `dtype`: the classifier's details().weights) */
  weights: 'f32' | 'f16' | 'f16-packed';
  /** the device's features, the adapter's fallback flag, the runtime's tuning, the plan's pipeline keys */
  features: string[]; fallback: boolean; tuning: Record<string, unknown>; kernels: string[];
}

/** What runInPage needs of a page: Playwright's and Puppeteer's pages both fit. */
export interface EvaluatingPage { evaluate(fn: (arg: any) => unknown, arg: unknown): Promise<unknown> }

/** `profiling` adds --enable-webgpu-developer-features (unquantised timestamps, timestamps inside passes) for benchmarks and the profiler. */
export async function openDemo(opts: { profiling?: boolean } = {}): Promise<DemoPage> {
  return openPage('test/pages/run-case.html', opts);
}

/** Headless Chromium with WebGPU; `profiling` adds --enable-webgpu-developer-features, `extraArgs` more flags. */
export function launchChromium(opts: { profiling?: boolean; extraArgs?: string[] } = {}): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`no Chromium at ${CHROMIUM}: run \`npm run setup\` (apt-installs chromium) or set WEBVIT_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...(opts.profiling ? ['--enable-webgpu-developer-features'] : []), ...(opts.extraArgs ?? [])],
  });
}

/** Opens `url` in a new page of `browser` and waits until its body has data-ready="1"; errors quote the page's console. */
export async function readyPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') logs.push(`[${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto(url);
  try {
    await page.waitForSelector('body[data-ready="1"]', { state: 'attached', timeout: 15_000 });
  } catch {
    const shown = await page.textContent('#error').catch(() => '');
    await page.close();
    throw new Error(`the page at ${url} never became ready. Page error box: "${shown}". Console:\n${logs.join('\n') || '(nothing)'}`);
  }
  return page;
}

/** A page of the repo (served on localhost) in headless Chromium, once its body has data-ready="1". */
export async function openPage(file: string, opts: { profiling?: boolean } = {}): Promise<DemoPage> {
  await bundle();
  const server = await startServer(REPO_ROOT);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(opts);
    const url = `${server.url}${file}`;
    const page = await readyPage(browser, url);
    const b = browser;
    return {
      page, browser: b, server, url,
      close: async () => { await b.close(); await server.close(); },
    };
  } catch (e) {
    await browser?.close();
    await server.close();
    throw e;
  }
}

/**
 * Runs checkpoint bytes + a float32 NCHW input in a page of
 * test/pages/run-case.html (either engine), via window.webvit.
 */
export async function runInPage(demo: { page: EvaluatingPage; server: StaticServer }, model: string, pth: Uint8Array, input: Float32Array, batch: number, res: number,
  opts: { warmup?: number; runs?: number; gpuRuns?: number; schedule?: 'fused' | 'unfused' | 'fused-ffn'; dtype?: 'f32' | 'f16'; kernels?: 'gpu' | 'cpu'; activations?: 'f32' | 'f16' } = {}): Promise<PageRun> {
  const id = `/mem/${++served}`;
  const pthUrl = demo.server.put(`${id}.pth`, pth);
  const inputUrl = demo.server.put(`${id}.input.f32`, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  return (demo.page.evaluate(
    ([m, p, x, b, r, o]: any[]) => (window as any).webvit.runUrls(m, p, x, b, r, o),
    [model, pthUrl, inputUrl, batch, res, opts],
  ) as Promise<PageRun>).finally(() => { demo.server.drop(pthUrl); demo.server.drop(inputUrl); });
}
let served = 0;

export interface PageFeatures {
  outputs: { name: string; stride: number; shape: number[]; data: number[]; gpuBytes: number }[];
  details: { stages: { name: string; stride: number; channels: number }[]; setAside: Record<string, number>; classes: number };
}

/** Backbone mode in the page (test/pages/run-case.html's featuresUrls): load() then features() of the input with the embedding and GPU buffers. */
export async function featuresInPage(demo: { page: EvaluatingPage; server: StaticServer }, model: string, pth: Uint8Array, input: Float32Array, shape: number[]): Promise<PageFeatures> {
  const id = `/mem/${++served}`;
  const pthUrl = demo.server.put(`${id}.pth`, pth);
  const inputUrl = demo.server.put(`${id}.input.f32`, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  return (demo.page.evaluate(
    ([m, p, x, s]: any[]) => (window as any).webvit.featuresUrls(m, p, x, s),
    [model, pthUrl, inputUrl, shape],
  ) as Promise<PageFeatures>).finally(() => { demo.server.drop(pthUrl); demo.server.drop(inputUrl); });
}
