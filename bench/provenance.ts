// Where a result came from. Every file bench/ writes under results/ and profiles/ carries it: the
// JSON files a `provenance` object, the Markdown files a header line, the SVGs a comment, the text
// tables a line. `staleness` says which commits changed the code a result describes since it was
// measured; test/results-provenance.test.ts holds every committed result to it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, arch, cpus, release, totalmem, type } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const NOT_RECORDED = 'not recorded';
export const NOT_USED = 'not used';

export interface Provenance {
  /** the git commit the code was at; `dirty`: tracked files had uncommitted changes */
  commit: string; dirty: boolean | typeof NOT_RECORDED;
  /** how the commit was found: at measurement, or afterwards from git history (the commit that committed the file) */
  recorded: 'at measurement' | 'from git history';
  /** when it was measured (ISO) */
  date: string;
  machine: { cpu: string; cores: number | typeof NOT_RECORDED; memoryGiB: number | typeof NOT_RECORDED; os: string };
  node: string;
  /** Chromium's version, or 'not used' (a Node-only measurement) */
  chromium: string;
  /** Firefox's version, where Firefox ran (its WebGPU adapter is in the results' rows) */
  firefox?: string;
  /** vendor architecture description of the WebGPU adapter, or 'not used' */
  adapter: string;
  /** webgpu (Node's Dawn), playwright-core, puppeteer-core where Firefox ran, and the peers onnxruntime-web / -node where they ran */
  versions: Record<string, string>;
  /** set when the code the result describes changed after it was measured */
  stale?: string;
}

export type AdapterLike = { vendor?: string; architecture?: string; description?: string; device?: string } | null | undefined;
export const adapterName = (a: AdapterLike): string =>
  a ? [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' ') || 'unnamed adapter' : NOT_USED;

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

const installedVersion = (dir: string, pkg: string): string | null => {
  const file = path.join(ROOT, dir, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
};

function osName(): string {
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch { /* not Linux */ }
  return `${type()} ${release()} ${arch()}${distro ? ` (${distro})` : ''}`;
}

/** This machine and checkout now. `peers`: the onnxruntime packages ran (their installed versions are recorded); `firefox`: Firefox's version, where it ran (puppeteer-core's is recorded too). */
export function provenance(opts: { chromium?: string; firefox?: string; adapter?: AdapterLike; peers?: boolean; date?: string } = {}): Provenance {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  const versions: Record<string, string> = {};
  for (const pkg of ['webgpu', 'playwright-core', ...(opts.firefox ? ['puppeteer-core'] : [])]) versions[pkg] = installedVersion('', pkg) ?? 'not installed';
  if (opts.peers) for (const pkg of ['onnxruntime-web', 'onnxruntime-node']) versions[pkg] = installedVersion('bench/peers', pkg) ?? 'not installed';
  return {
    commit: commit ?? NOT_RECORDED, dirty: status === null ? NOT_RECORDED : status !== '', recorded: 'at measurement',
    date: opts.date ?? new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model.trim() ?? NOT_RECORDED, cores: availableParallelism(), memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, os: osName() },
    node: process.version, chromium: opts.chromium ?? NOT_USED, ...(opts.firefox ? { firefox: opts.firefox } : {}), adapter: opts.adapter === undefined ? NOT_USED : adapterName(opts.adapter), versions,
  };
}

/** One line for a Markdown or text file. */
export function provenanceLine(p: Provenance): string {
  const m = p.machine;
  const machine = [m.cpu === NOT_RECORDED ? 'CPU not recorded' : m.cpu, m.cores === NOT_RECORDED ? 'cores not recorded' : `${m.cores} cores`,
    m.memoryGiB === NOT_RECORDED ? 'memory not recorded' : `${m.memoryGiB} GiB`, m.os === NOT_RECORDED ? 'OS not recorded' : m.os].join(', ');
  const versions = Object.entries(p.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  return `Provenance: commit ${p.commit.slice(0, 12)}${p.dirty === true ? ' (with uncommitted changes)' : ''}` +
    `${p.recorded === 'from git history' ? ' (the commit that committed the result, recorded afterwards)' : ''}, measured ${p.date}; ` +
    `machine: ${machine}; Node ${p.node}; Chromium ${p.chromium}; ${p.firefox ? `Firefox ${p.firefox}; ` : ''}adapter ${p.adapter}; ${versions}.` +
    (p.stale ? ` **Stale:** ${p.stale}.` : '');
}

/** An SVG with its provenance as a comment before the root element. */
export const svgWithProvenance = (svg: string, p: Provenance): string =>
  `<!-- ${provenanceLine(p).replaceAll('--', '- -')} -->\n${svg.replace(/^<!-- Provenance:[^\n]*-->\n/, '')}`;

/** The code each kind of result describes: a commit that touches it after the measurement makes the result stale. */
export const CODE: Record<string, string[]> = {
  models: ['src', 'shaders', 'bench/measure.js', 'bench/pages'],
  // A smaller run of the same benchmark (--name engines): webvit in Chromium and Firefox.
  engines: ['src', 'shaders', 'bench/measure.js', 'bench/pages'],
  // Another (--name families): webvit with its default kernel family and with the GPU family forced.
  families: ['src', 'shaders', 'bench/measure.js', 'bench/pages'],
  kernels: ['src', 'shaders', 'bench/pages'],
  profiles: ['src', 'shaders', 'bin'],
  fuzz: ['src/weights', 'bench/fuzz.ts', 'bench/fuzz', 'scripts/fuzz'],
  accuracy: ['src', 'shaders', 'weights', 'bench/accuracy.ts', 'bench/fashion-mnist.ts'],
  // This tree's speed against an earlier commit (bench/compare.ts).
  compare: ['src', 'shaders'],
  // What this tree dispatches against an earlier commit (bench/same-plans.ts).
  'same-plans': ['src', 'shaders', 'bench/plan-fingerprint.ts', 'bench/wgsl-hash.ts'],
  // The demo page's load on a first and a second visit (bench/cold-start.ts).
  'cold-start': ['src', 'shaders', 'demo', 'index.html', 'weights', 'bench/cold-start.ts'],
  // The sweep writes tuned.json itself, in the commit that commits the sweep.
  tuning: ['src', 'shaders', 'bench/tune.ts', ':(exclude)src/tuning/tuned.json'],
  // The GPU kit's run on a GPU machine (bench/gpu/run.sh): bench/results/gpu-<device>.{json,md}.
  gpu: ['src', 'shaders', 'bench/gpu', 'scripts/golden'],
};

/** Which kind of result a file under bench/results or bench/profiles is. */
export const kindOf = (file: string): string => {
  if (file.includes('profiles/')) return 'profiles';
  const base = path.basename(file).replace(/\..*$/, '');
  return base.startsWith('gpu-') ? 'gpu' : base.startsWith('compare') ? 'compare' : base;
};

export const TUNED = 'src/tuning/tuned.json';

/**
 * What of a tuned.json the runtime acts on: every entry without its `measured` record's provenance
 * (date, commit, ms), which a rerun of `npm run tune` rewrites even when every value stays.
 */
export function tunedBehaviour(text: string): string {
  const file = JSON.parse(text) as Record<string, { measured?: Record<string, unknown> }>;
  for (const e of Object.values(file)) {
    if (e.measured) { const { date: _d, commit: _c, ms: _m, ...rest } = e.measured; e.measured = rest; }
  }
  return JSON.stringify(file);
}

/**
 * The commits after `commit` (up to HEAD) that changed the code of `kind`; null when git cannot say.
 * A commit whose only change there is tuned.json's provenance (tunedBehaviour) changed no code.
 */
export function codeChangesSince(commit: string, kind: string): string[] | null {
  if (!/^[0-9a-f]{7,40}$/.test(commit)) return null;
  const out = git(['log', '--format=%h', `${commit}..HEAD`, '--', ...CODE[kind]]);
  if (out === null) return null;
  return out.split('\n').filter(Boolean).filter((c) => {
    const files = git(['diff', '--name-only', `${c}^`, c, '--', ...CODE[kind]])?.split('\n').filter(Boolean);
    if (!files || files.length !== 1 || files[0] !== TUNED) return true;
    const before = git(['show', `${c}^:${TUNED}`]), after = git(['show', `${c}:${TUNED}`]);
    return before === null || after === null || tunedBehaviour(before) !== tunedBehaviour(after);
  });
}

/** The stale note for a result of `kind` measured at `commit`, or undefined when the code is unchanged. */
export function staleness(commit: string, kind: string): string | undefined {
  const since = codeChangesSince(commit, kind);
  if (!since?.length) return undefined;
  return `the code it describes (${CODE[kind].join(', ')}) changed after it was measured, first in ${since[since.length - 1]}: rerun it`;
}
