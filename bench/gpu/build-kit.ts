// The JavaScript of the GPU benchmark kit, for a machine with Node's binary and no tsx, no npm and no
// node_modules (bench/gpu/prepare.sh calls this; bench/gpu/README.md says what the kit is):
//   KIT/js/kit.js     bench/gpu/kit.ts: the adapter, webvit's timings, onnxruntime-node's (WebGPU EP)
//   KIT/js/tune.js    bench/tune.ts as it is: `npm run tune`'s sweep
//   KIT/js/report.js  bench/gpu/report.ts: the results' JSON from the steps' records, and their Markdown
//   KIT/dist/cli.js, KIT/dist/webvit.node.js   what `npm run build` makes (scripts/build.ts), shaders embedded
// `webgpu` and `onnxruntime-node` stay external: run.sh lays them out beside the bundles at run time.
// Code that finds files by `import.meta.url` (tune.ts's tuned.json, the shaders, provenance's git
// root) is given the URL the file has in the repository, resolved from WEBVIT_ROOT (run.sh sets it),
// so the bundles read and write the checkout, wherever they lie.
//   node --import tsx bench/gpu/build-kit.ts KIT
import { build, type Plugin } from 'esbuild';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from '../../scripts/build.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const kit = path.resolve(process.argv[2] ?? path.join(root, '.gpukit'));

/** Every .wgsl under shaders/, as scripts/build.ts embeds them (src/embedded.ts replaced). */
function shaderSources(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const sub of ['', 'gpu/', 'include/']) {
    for (const f of readdirSync(path.join(root, 'shaders', sub)).filter((n) => n.endsWith('.wgsl')).sort()) out[sub + f] = readFileSync(path.join(root, 'shaders', sub, f), 'utf8');
  }
  return out;
}

const embedded: Plugin = {
  name: 'gpukit-embedded',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]embedded\.ts$/ }, () => ({
      loader: 'js', contents: `export const EMBEDDED_SHADERS = ${JSON.stringify(shaderSources())};\nexport const PARSE_WORKER_CODE = null;\n`,
    }));
  },
};

/** `import.meta.url` in the repository's own .ts files → that file's URL under WEBVIT_ROOT. */
const repoUrls: Plugin = {
  name: 'gpukit-repo-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = path.relative(root, args.path);
      if (rel.startsWith('..') || rel.includes('node_modules')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { loader: 'ts', contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel.split(path.sep).join('/'))}, globalThis.__webvitRoot).href`) };
    });
  },
};

const banner = [
  "import { createRequire as __kitRequire } from 'node:module';",
  "import { pathToFileURL as __kitUrl } from 'node:url';",
  'const require = __kitRequire(import.meta.url);',
  "globalThis.__webvitRoot = __kitUrl((process.env.WEBVIT_ROOT || process.cwd()).replace(/\\/?$/, '/')).href;",
].join('\n');

for (const [entry, out] of [['bench/gpu/kit.ts', 'kit.js'], ['bench/tune.ts', 'tune.js'], ['bench/gpu/report.ts', 'report.js']]) {
  await build({
    absWorkingDir: root, entryPoints: [entry], outfile: path.join(kit, 'js', out), bundle: true, format: 'esm', platform: 'node', target: 'node20',
    external: ['webgpu', 'onnxruntime-node', 'esbuild'], plugins: [embedded, repoUrls], banner: { js: banner }, logLevel: 'warning',
  });
}

// `npm run build`'s Node bundles, built into KIT/dist (dist/ itself is left alone); the browser's are dropped.
const dist = path.join(kit, 'dist');
await buildPackage({ types: false, outdir: path.relative(root, dist) });
for (const f of readdirSync(dist)) if (!['cli.js', 'webvit.node.js'].includes(f)) rmSync(path.join(dist, f), { recursive: true, force: true });
console.log(`build-kit: ${path.join(kit, 'js')}/{kit,tune,report}.js and ${dist}/{cli,webvit.node}.js`);
