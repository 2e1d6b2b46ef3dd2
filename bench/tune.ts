// `npm run tune`: measures the Tuning candidates on the running adapter (Node) and records the winners
// in src/tuning/tuned.json under the adapter's key, which the runtime then loads for that adapter.
// Coordinate descent: one field at a time, each candidate timed on whole models (GPU time of one
// inference, median of several passes, summed over the models); a change is kept only when it wins by
// 5% twice (in the round, and measured again back to back with the current value).
// A field whose candidates change no dispatch of these models' graphs is not measured (nor recorded);
// a candidate beyond the device's limits is left out. Every measured field is recorded with its winner
// (the default included), with the date, the git commit, the adapter, its limits and the thread count.
// Run it with nothing else on the machine:
//   node --import tsx bench/tune.ts [--models efficientvit_m0,edgevit_xxs] [--runs 5] [--fields pointwise.wg,lnQkv.wg] [--dry-run] [--out DIR]
// Besides tuned.json it writes the sweep (every candidate's time) to bench/results/tuning.{json,md}
// (or DIR), with its provenance; bench/README-tuning.md points there for the numbers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../src/node.ts';
import { Runtime } from '../src/runtime.ts';
import { Model, loweringFor } from '../src/model.ts';
import { modelInfo } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { toPadded } from '../src/graph/layout.ts';
import { median } from '../src/util/median.ts';
import { provenance, provenanceLine } from './provenance.ts';
import { stepTimer } from '../src/profile/timing.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import {
  TUNING_FIELDS, checkTunedFile, mergeTuning, tuningEntries, tuningField, tuningKey, validateTuning,
  type Measured, type Tuning, type TuningOverrides,
} from '../src/tuning.ts';

const { values } = parseArgs({ options: { models: { type: 'string' }, runs: { type: 'string' }, fields: { type: 'string' }, 'dry-run': { type: 'boolean' }, out: { type: 'string' } } });
const models = (values.models ?? 'efficientvit_m0,edgevit_xxs').split(',');
const runs = Number(values.runs ?? 5);
if (!(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const file = fileURLToPath(new URL('../src/tuning/tuned.json', import.meta.url));

/** The candidates of each field, in the order they are tuned (the current value is always measured too). */
const CANDIDATES: [string, unknown[]][] = [
  ['kernels', ['cpu', 'gpu']], // first: the fields after it tune the family it picks
  ['subgroups', [false, true]],
  ['workers', [1, 2, 4, 8]],
  ['pointwise.wg', [4, 16, 32, 64]],
  ['pointwise.smallWg', [4, 8, 16]],
  ['pointwise.smallBelow', [64, 256, 1024]],
  ['dwconv.minInvocations', [32, 64, 128, 256]],
  ['dwconv.wg', [4, 8, 16]],
  ['dwconv.mainWg', [16, 32, 64]],
  ['conv2d.s2k3Wg', [4, 8, 16]],
  ['conv2d.wg', [8, 16, 32]],
  ['attention.wg', [4, 8, 16]],
  ['cascadedAttention.wg', [4, 8, 16]],
  ['squeezeExcite.wg', [4, 8, 16]],
  ['windowAttention.wg', [16, 32, 64]],
  ['lnQkv.wg', [4, 8, 16]],
  ['matmul.wg', [8, 16, 32, 64]],
  ['poolLinear.wg', [16, 32, 64]],
  ['perItem.wg', [16, 32, 64, 128]],
  ['ffn.minWorkgroups', [1, 2, 4, 8]],
  ['splitK.below', [1, 32, 80, 160]],
  ['splitK.minK', [32, 64, 128]],
  ['ffnOneKernel', [false, true]],
];
// Not tuned: maxInvocations (a bound the device sets, not a speed choice), sleepBeforeReadback (follows the platform).
for (const [f] of CANDIDATES) if (!TUNING_FIELDS[f]) throw new Error(`bench/tune.ts: unknown field ${f}`);
const only = values.fields?.split(',');
for (const f of only ?? []) if (!CANDIDATES.some(([c]) => c === f)) throw new Error(`--fields: ${f} is not tuned here (fields: ${CANDIDATES.map(([c]) => c).join(', ')})`);

const base = await nodeRuntime();
const gpu = base.gpu, limits = gpu.device.limits, threads = availableParallelism();
const key = tuningKey(gpu);
// Where and when, taken before the sweep writes tuned.json (which would make the tree look changed).
const prov = provenance({ adapter: gpu.adapterInfo, date: new Date().toISOString() });
const sds = new Map(models.map((m) => [m, randomStateDict(m)]));
const input = { batch: 1, height: 224, width: 224 };

/** The dispatches of every model's graph with this tuning (kernel, overrides, grid, params): what a field can change. */
function dispatches(tuning: Tuning): string {
  return JSON.stringify(models.map((name) => modelInfo(name).build(sds.get(name)!, input, loweringFor('fused', tuning), undefined, tuning).nodes
    .map((n) => [n.kernel.file, n.kernel.entry, n.kernel.overrides, n.workgroups, n.params])));
}

/** GPU ms of one inference of every model with this tuning (median of `runs` passes each), summed. */
async function measure(tuning: Tuning): Promise<number> {
  const rt = new Runtime(gpu, nodeShaderLoader, { threads, tuning, recorded: {} });
  let total = 0;
  for (const name of models) {
    const model = new Model(rt, modelInfo(name), sds.get(name)!);
    try {
      const plan = await model.plan(input.batch, input.height, input.width);
      await plan.run(toPadded(plan.inputs[0], new Float32Array(3 * 224 * 224).fill(0.1)));
      const timer = stepTimer(gpu);
      await timer.whole(plan.steps);
      const t: number[] = [];
      for (let i = 0; i < runs; i++) t.push(await timer.whole(plan.steps));
      total += median(t);
    } finally {
      model.destroy();
    }
  }
  return total;
}

const valueOf = (t: Tuning, path: string) => tuningEntries(t).find(([p]) => p === path)![1];

// Starts from the adapter's defaults (not from what tuned.json holds now: every field is measured again).
let best = new Runtime(gpu, nodeShaderLoader, { threads, recorded: {} }).tuning;
await measure(best); // warms the JIT and the caches: the first measurement of a process runs slow
let bestMs = 0;
const measured: TuningOverrides[] = [];
/** One row of the sweep per field: every candidate's ms, the second measurement when there was one, the value kept. */
const sweep: { field: string; timed: { value: unknown; ms: number }[]; again?: { current: number; candidate: number }; kept: unknown; measured: boolean }[] = [];
console.log(`adapter ${key}; ${threads} threads; models ${models.join(', ')}; ${runs} runs`);
for (const [field, list] of CANDIDATES) {
  if (only && !only.includes(field)) continue;
  const current = valueOf(best, field);
  const candidates = [...new Set([current, ...list])].filter((v) => {
    if (field === 'subgroups' && v === true && !gpu.hasSubgroups) return false;
    try { validateTuning(tuningField(field, v), limits); return true; } catch { return false; }
  });
  const graphs = new Set(candidates.map((v) => dispatches(mergeTuning(best, tuningField(field, v)))));
  if (graphs.size < 2) {
    console.log(`${field.padEnd(22)} changes no dispatch of these models: not measured`);
    sweep.push({ field, timed: [], kept: current, measured: false });
    continue;
  }
  // Every candidate, the current value included, measured in this round (so one slow round cannot bias the choice).
  const timed = [];
  for (const v of candidates) timed.push({ v, ms: await measure(mergeTuning(best, tuningField(field, v))) });
  const cur = timed.find((r) => r.v === current)!;
  const fastest = timed.reduce((a, b) => (b.ms < a.ms ? b : a));
  let pick = cur, confirm = '', again: { cur: number; fast: number } | undefined;
  if (fastest.ms < cur.ms * 0.95) {
    // A change must win by 5% (more than the noise between rounds here), and again when both are
    // measured once more, back to back, before it is taken.
    again = { cur: await measure(best), fast: await measure(mergeTuning(best, tuningField(field, fastest.v))) };
    confirm = `; again ${again.cur.toFixed(2)} vs ${again.fast.toFixed(2)}`;
    if (again.fast < again.cur * 0.95) pick = { ...fastest, ms: again.fast };
  }
  best = mergeTuning(best, tuningField(field, pick.v)); bestMs = pick.ms;
  measured.push(tuningField(field, pick.v));
  sweep.push({ field, timed: timed.map((r) => ({ value: r.v, ms: Number(r.ms.toFixed(2)) })), ...(again ? { again: { current: Number(again.cur.toFixed(2)), candidate: Number(again.fast.toFixed(2)) } } : {}), kept: pick.v, measured: true });
  console.log(`${field.padEnd(22)} ${timed.map((r) => `${JSON.stringify(r.v)}: ${r.ms.toFixed(2)}`).join('  ')}${confirm}  → ${JSON.stringify(pick.v)}`);
}

/** The commit the sweep ran on (+dirty when the working tree had changes besides tuned.json). */
function gitCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no').split('\n').filter((l) => l && !l.endsWith('src/tuning/tuned.json')).length > 0;
  return git('rev-parse', '--short=12', 'HEAD') + (dirty ? '+dirty' : '');
}
const record: Measured = {
  date: new Date().toISOString().slice(0, 10),
  commit: gitCommit(),
  adapter: gpu.adapterInfo,
  limits: { maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX, maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize },
  threads, models, runs, ms: Number(bestMs.toFixed(2)),
};
const entry = { ...measured.reduce<TuningOverrides>((a, o) => {
  const [[k, v]] = Object.entries(o);
  return { ...a, [k]: typeof v === 'object' ? { ...(a[k as keyof Tuning] as object), ...v } : v };
}, {}), measured: record };
checkTunedFile({ [key]: entry });
console.log(`recorded: ${JSON.stringify(entry)}`);
if (!values['dry-run']) {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  all[key] = entry; // the whole entry is this sweep's: values from an earlier one are not mixed in
  writeFileSync(file, JSON.stringify(all, null, 1) + '\n');
  console.log(`recorded for ${key} in ${file}`);
} else console.log('--dry-run: tuned.json left as it was');

// The sweep as a result: every candidate's time, with where and when it was measured (prov).
const results = { schema: 'webvit-tuning-sweep/1', provenance: prov, adapter: key, threads, models, runs, entry, sweep };
const outDir = values.out ? path.resolve(values.out) : fileURLToPath(new URL('./results/', import.meta.url));
const table = [
  '# Tuning sweep', '',
  `Measured by \`npm run tune\` on ${key} (Node, ${threads} threads): the GPU ms of one inference of ${models.join(' + ')} at 224, median of ${runs} passes each, summed, per candidate; one field at a time, each round measuring every candidate, the current value included; a change is kept only when it wins by 5 % in its round and again measured back to back with the current value.`,
  '', provenanceLine(prov), '',
  '| field | candidates: ms | kept |', '|---|---|---|',
  ...sweep.map((r) => `| ${r.field} | ${r.measured ? r.timed.map((t) => `${JSON.stringify(t.value)}: ${t.ms.toFixed(2)}`).join(' · ') + (r.again ? `; measured again: current ${r.again.current.toFixed(2)} vs candidate ${r.again.candidate.toFixed(2)}` : '') : 'changes no dispatch of these models: not measured'} | ${JSON.stringify(r.kept)} |`),
  '', `Recorded in src/tuning/tuned.json: \`${JSON.stringify(entry, (k, v) => (k === 'measured' ? undefined : v))}\``, '',
].join('\n');
if (!values['dry-run']) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'tuning.json'), JSON.stringify(results, null, 1) + '\n');
  writeFileSync(path.join(outDir, 'tuning.md'), table);
  console.log(`wrote ${path.join(outDir, 'tuning')}.{json,md}`);
} else console.log(table);
