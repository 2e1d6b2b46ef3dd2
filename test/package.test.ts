// The package as a user gets it: `npm pack`, installed into an empty project with no dev
// dependencies, then used there — a three-line script in plain Node (no tsx), the `webvit` command,
// a strict TypeScript consumer, and `import { load } from 'webvit'` bundled by esbuild for a page
// in headless Chromium. Both classify the same photo with a checkpoint made by PyTorch and agree.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { goldenCases, preprocessCases, torchAvailable, torchvisionAvailable } from './helpers/golden.ts';
import { CHROMIUM, chromiumAvailable } from './helpers/chromium.ts';
import { startServer } from '../scripts/serve.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const skip = (!torchAvailable() || !torchvisionAvailable()) ? 'python3-torch / torchvision are not installed (npm test installs them)' : false;
const dir = mkdtempSync(path.join(tmpdir(), 'webvit-consumer-'));
const run = (cmd: string, args: string[], cwd = dir) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
let nodeResult: { index: number; label: string; probability: number }[] = [];
let ckpt = '', photo = '';

before(() => {
  if (skip) return;
  [ckpt, photo] = [path.join(dir, 'm0.pth'), path.join(dir, 'photo.png')];
  writeFileSync(ckpt, goldenCases(['efficientvit_m0:224:1'])[0].pth);
  writeFileSync(photo, readFileSync(path.join(preprocessCases(), 'hopper_509x343.png')));
  run('npm', ['pack', '--pack-destination', dir], repo); // prepack builds dist/
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--omit=dev', '--prefer-offline', path.join(dir, tgz)]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('installed: no dev dependencies, no TypeScript sources, a LICENSE', { skip }, () => {
  const installed = readdirSync(path.join(dir, 'node_modules'));
  for (const dev of ['tsx', 'typescript', 'esbuild', 'playwright-core']) assert.ok(!installed.includes(dev), `${dev} was installed`);
  const pkg = path.join(dir, 'node_modules/webvit');
  assert.ok(readFileSync(path.join(pkg, 'LICENSE'), 'utf8').startsWith('MIT License'));
  assert.ok(!readdirSync(pkg).includes('src'), 'the package ships built JavaScript, not src/');
});

test('three lines in plain Node classify a photo with a PyTorch checkpoint', { skip, timeout: 300_000 }, () => {
  writeFileSync(path.join(dir, 'classify.mjs'), [
    "import { load } from 'webvit';",
    `const model = await load('efficientvit_m0', ${JSON.stringify(ckpt)});`,
    `console.log(JSON.stringify(await model.classify(${JSON.stringify(photo)})));`,
  ].join('\n'));
  const out = run(process.execPath, ['classify.mjs']);
  nodeResult = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(nodeResult.length, 5);
  assert.ok(nodeResult.every((r) => typeof r.label === 'string' && r.label.length > 0 && r.probability > 0 && r.probability < 1));
  assert.ok(nodeResult[0].probability >= nodeResult[4].probability);
});

test('the installed `webvit` command runs without tsx', { skip, timeout: 300_000 }, () => {
  const out = run(path.join(dir, 'node_modules/.bin/webvit'), ['infer', '--model', 'efficientvit_m0', '--weights', ckpt, '--image', photo]);
  assert.match(out, new RegExp(`image 0 ${photo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: top-5 ${nodeResult[0]?.index ?? '\\d+'} `));
});

test('a strict TypeScript consumer type-checks against the shipped declarations', { skip, timeout: 120_000 }, () => {
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, lib: ['es2022', 'dom'], types: [] },
    files: ['app.ts'],
  }));
  writeFileSync(path.join(dir, 'app.ts'), [
    "import { load, type Classification, type LoadProgress } from 'webvit';",
    "const model = await load('efficientvit_m0', 'm.pth', { onProgress: (p: LoadProgress) => console.log(p.phase, p.loaded, p.total) });",
    "const top: Classification[] = await model.classify('photo.png', { topK: 3 });",
    "const many: Classification[][] = await model.classify(['a.png', 'b.png']);",
    'console.log(top[0].label, top[0].probability.toFixed(3), many.length, model.details().memory.peak);',
    'model.dispose();',
    '',
  ].join('\n'));
  run(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir]);
});

test('`import { load } from \'webvit\'` bundled by esbuild runs in a page and agrees with Node', { skip: skip || (!chromiumAvailable() && `no Chromium at ${CHROMIUM}`), timeout: 300_000 }, async () => {
  mkdirSync(path.join(dir, 'web'), { recursive: true });
  writeFileSync(path.join(dir, 'web/app.js'), [
    "import { load } from 'webvit';",
    'window.classify = async (ckpt, photo) => {',
    '  const phases = [];',
    '  const model = await load("efficientvit_m0", ckpt, { onProgress: (p) => phases.push(p.phase) });',
    '  const bytes = new Uint8Array(await (await fetch(photo)).arrayBuffer());',
    '  const result = await model.classify(bytes);',
    '  model.dispose();',
    '  return { result, phases: [...new Set(phases)] };',
    '};',
  ].join('\n'));
  await build({ absWorkingDir: dir, entryPoints: ['web/app.js'], bundle: true, format: 'esm', platform: 'browser', outfile: 'web/bundle.js', logLevel: 'error' });
  writeFileSync(path.join(dir, 'web/index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script><script type="module">document.body.dataset.ready = "1";</script><body></body>');
  const server = await startServer(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}web/index.html`);
    await page.waitForFunction(() => typeof (window as unknown as { classify?: unknown }).classify === 'function', null, { timeout: 30_000 });
    const got = await page.evaluate(([c, p]) => (window as unknown as { classify(c: string, p: string): Promise<{ result: { index: number; label: string; probability: number }[]; phases: string[] }> }).classify(c, p),
      [`${server.url}m0.pth`, `${server.url}photo.png`]);
    assert.deepEqual(errors, []);
    assert.deepEqual(got.phases, ['read', 'parse', 'fold', 'upload', 'compile']);
    assert.deepEqual(got.result.map((r) => [r.index, r.label]), nodeResult.map((r) => [r.index, r.label]));
    got.result.forEach((r, i) => assert.ok(Math.abs(r.probability - nodeResult[i].probability) < 1e-4, `${r.label}: ${r.probability} in the page, ${nodeResult[i].probability} in Node`));
  } finally {
    await browser.close();
    await server.close();
  }
});
