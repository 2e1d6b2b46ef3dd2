// Bundles the browser entry (src/browser.ts) into dist/webvit.js, an ES module for browsers. Used by
// `npm run bundle`, the browser test and the Chromium benchmark, so all three build the same thing.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
export const BUNDLE = 'dist/webvit.js';

export async function bundle(): Promise<string> {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/browser.ts'],
    outfile: BUNDLE,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
  return root + BUNDLE;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(`wrote ${await bundle()}`);
