// Builds the package into dist/ (esbuild, then tsc for the declarations):
//   dist/webvit.js        the browser entry (src/browser.ts), ES module, everything bundled
//   dist/demo.js          the demo page's script (demo/app.ts, on the browser entry)
//   dist/webvit-worker.js the inference worker loadInWorker() starts (src/browser/worker-host.ts)
//   dist/webvit.node.js   the Node entry (src/node.ts); `webgpu` (Dawn's native addon) stays external
//   dist/cli.js           the `webvit` command (src/cli/main.ts), for Node
//   dist/types/           .d.ts for both entries
// shaders/ (and, in the browser build, the checkpoint-parsing worker) are embedded through
// src/embedded.ts, so a bundler user copies nothing by hand.
//   node --import tsx scripts/build.ts [--no-types | --bundle-only] [--outdir DIR]   (npm run build / npm run bundle)
// --outdir: build into DIR (emptied first) instead of dist/, e.g. to test a build without touching dist/.
import { build, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const BUNDLE = 'dist/webvit.js';

/** Every .wgsl under shaders/ (include/ and the GPU family's gpu/ too), by path relative to shaders/. */
function shaderSources(): Record<string, string> {
  const dir = path.join(root, 'shaders');
  const out: Record<string, string> = {};
  for (const sub of ['', 'gpu/', 'include/']) {
    for (const f of readdirSync(path.join(dir, sub)).filter((n) => n.endsWith('.wgsl')).sort()) out[sub + f] = readFileSync(path.join(dir, sub, f), 'utf8');
  }
  return out;
}

/** Replaces src/embedded.ts with the shaders and (browser) the parse worker's bundled code. */
function embedded(withWorker: boolean): Plugin {
  return {
    name: 'webvit-embedded',
    setup(b) {
      b.onLoad({ filter: /[\\/]src[\\/]embedded\.ts$/ }, async () => {
        const worker = withWorker
          ? (await build({ absWorkingDir: root, entryPoints: ['src/weights/parse-worker.ts'], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', minify: true, logLevel: 'warning' })).outputFiles[0].text
          : null;
        return {
          loader: 'js',
          contents: `export const EMBEDDED_SHADERS = ${JSON.stringify(shaderSources())};\nexport const PARSE_WORKER_CODE = ${JSON.stringify(worker)};\n`,
        };
      });
    },
  };
}

const common = { absWorkingDir: root, bundle: true, format: 'esm' as const, target: 'es2022', sourcemap: true, logLevel: 'warning' as const };

/** The browser bundle (what its tests and the Chromium benchmarks load) and the demo page's script (dist/demo.js); `outdir` instead of dist/. */
export async function bundle(outdir = 'dist'): Promise<string> {
  const out = path.resolve(root, outdir);
  await build({ ...common, entryPoints: ['src/browser.ts'], outfile: path.join(out, path.relative('dist', BUNDLE)), platform: 'browser', plugins: [embedded(true)] });
  await build({ ...common, entryPoints: ['demo/app.ts'], outfile: path.join(out, 'demo.js'), platform: 'browser', plugins: [embedded(true)] });
  // The inference worker loadInWorker() starts: beside webvit.js (and demo.js), which find it by their own URL.
  await build({ ...common, entryPoints: ['src/browser/worker-host.ts'], outfile: path.join(out, 'webvit-worker.js'), platform: 'browser', plugins: [embedded(true)] });
  return path.join(out, path.relative('dist', BUNDLE));
}

/** The whole package into `outdir` (default dist/, relative to the repository), which it empties first. */
export async function buildPackage(opts: { types?: boolean; outdir?: string } = {}): Promise<void> {
  const out = path.resolve(root, opts.outdir ?? 'dist');
  const up = path.relative(out, root); // '' or a path without '..': out is the repository or a folder above it
  if (up === '' || (!up.startsWith('..') && !path.isAbsolute(up))) {
    throw new Error(`--outdir ${opts.outdir}: that is the repository or a folder above it; name a folder to build into (it is emptied first)`);
  }
  rmSync(out, { recursive: true, force: true });
  await bundle(out);
  // Node: CommonJS packages (pngjs) need require; give the ES module one.
  const node = { ...common, platform: 'node' as const, external: ['webgpu'], plugins: [embedded(false)], banner: { js: "import { createRequire as __webvitRequire } from 'node:module'; const require = __webvitRequire(import.meta.url);" } };
  await build({ ...node, entryPoints: ['src/node.ts'], outfile: path.join(out, 'webvit.node.js') });
  await build({ ...node, entryPoints: ['src/cli/main.ts'], outfile: path.join(out, 'cli.js'), banner: { js: `#!/usr/bin/env node\n${node.banner.js}` } });
  // package.json's bin: esbuild writes 0644, and only `npm pack`/install set the exec bit, so a rebuilt
  // checkout answered `npx webvit` with "Permission denied".
  chmodSync(path.join(out, 'cli.js'), 0o755);
  if (opts.types !== false) execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', path.join(out, 'types')], { stdio: 'inherit' });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--outdir'), outdir = at < 0 ? 'dist' : process.argv[at + 1];
  if (!outdir || outdir.startsWith('--')) throw new Error('--outdir needs a folder: scripts/build.ts --outdir DIR');
  if (process.argv.includes('--bundle-only')) console.log(`wrote ${await bundle(outdir)}`);
  else {
    await buildPackage({ types: !process.argv.includes('--no-types'), outdir });
    console.log(`built ${path.resolve(root, outdir)}`);
  }
}
