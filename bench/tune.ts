// `npm run tune`: measures the Tuning candidates on the running adapter (Node) and records the winners
// in src/tuning/tuned.json under the adapter's key, which the runtime then loads for that adapter.
// Coordinate descent: one field at a time, each candidate timed on whole models (GPU time of one
// inference, median of several passes, summed over the models); a change is kept only when it wins by
// 5% twice (in the round, and measured again back to back with the current value).
// Run it with nothing else on the machine:
//   node --import tsx bench/tune.ts [--models efficientvit_m0,edgevit_xxs] [--runs 5] [--dry-run]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../src/node.ts';
import { Runtime } from '../src/runtime.ts';
import { Model } from '../src/model.ts';
import { modelInfo } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { toPadded } from '../src/graph/layout.ts';
import { median } from '../src/util/median.ts';
import { stepTimer } from '../src/profile/timing.ts';
import { nodeShaderLoader } from '../src/gpu/node-shaders.ts';
import { defaultTuning, mergeTuning, tuningKey, type Tuning, type TuningOverrides } from '../src/tuning.ts';
import { availableParallelism } from 'node:os';

const { values } = parseArgs({ options: { models: { type: 'string' }, runs: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
const models = (values.models ?? 'efficientvit_m0,edgevit_xxs').split(',');
const runs = Number(values.runs ?? 5);
const file = fileURLToPath(new URL('../src/tuning/tuned.json', import.meta.url));

/** The candidates of each field, in the order they are tuned. */
const CANDIDATES: [string, TuningOverrides[]][] = [
  ['workers', [1, 2, 4, 8].map((workers) => ({ workers }))],
  ['pointwise.wg', [4, 16, 32, 64].map((wg) => ({ pointwise: { wg } }))],
  ['pointwise.smallWg', [4, 8, 16].map((smallWg) => ({ pointwise: { smallWg } }))],
  ['pointwise.smallBelow', [64, 256, 1024].map((smallBelow) => ({ pointwise: { smallBelow } }))],
  ['dwconv.minInvocations', [32, 64, 128, 256].map((minInvocations) => ({ dwconv: { minInvocations } }))],
  ['dwconv.wg', [4, 8, 16].map((wg) => ({ dwconv: { wg } }))],
  ['conv2d.s2k3Wg', [4, 8, 16].map((s2k3Wg) => ({ conv2d: { s2k3Wg } }))],
  ['attention.wg', [4, 8, 16].map((wg) => ({ attention: { wg } }))],
  ['cascadedAttention.wg', [4, 8, 16].map((wg) => ({ cascadedAttention: { wg } }))],
  ['squeezeExcite.wg', [4, 8, 16].map((wg) => ({ squeezeExcite: { wg } }))],
  ['ffnOneKernel', [false, true].map((ffnOneKernel) => ({ ffnOneKernel }))],
];

const base = await nodeRuntime();
const gpu = base.gpu;
const key = tuningKey(gpu);
const sds = new Map(models.map((m) => [m, randomStateDict(m)]));

/** GPU ms of one inference of every model with this tuning (median of `runs` passes each), summed. */
async function measure(tuning: Tuning): Promise<number> {
  const rt = new Runtime(gpu, nodeShaderLoader, { threads: availableParallelism(), tuning });
  let total = 0;
  for (const name of models) {
    const model = new Model(rt, modelInfo(name), sds.get(name)!);
    try {
      const plan = await model.plan(1, 224, 224);
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

let best = base.tuning;
await measure(best); // warms the JIT and the caches: the first measurement of a process runs slow
let bestMs = 0;
console.log(`adapter ${key}; models ${models.join(', ')}`);
for (const [field, candidates] of CANDIDATES) {
  // Every candidate, the current value included, measured in this round (so one slow round cannot bias the choice).
  const timed = [];
  for (const c of candidates) timed.push({ c, t: mergeTuning(best, c), ms: await measure(mergeTuning(best, c)) });
  const current = timed.find((r) => JSON.stringify(r.t) === JSON.stringify(best))!;
  const fastest = timed.reduce((a, b) => (b.ms < a.ms ? b : a));
  let pick = current, confirm = '';
  if (fastest.ms < current.ms * 0.95) {
    // A change must win by 5% (more than the noise between rounds here), and again when both are
    // measured once more, back to back, before it is taken.
    const again = { cur: await measure(current.t), fast: await measure(fastest.t) };
    confirm = `; again ${again.cur.toFixed(2)} vs ${again.fast.toFixed(2)}`;
    if (again.fast < again.cur * 0.95) pick = { ...fastest, ms: again.fast };
  }
  best = pick.t; bestMs = pick.ms;
  console.log(`${field.padEnd(22)} ${timed.map((r) => `${JSON.stringify(r.c)} ${r.ms.toFixed(2)}`).join('  ')}${confirm}  → ${JSON.stringify(pick.c)}`);
}
// Only what differs from the adapter's defaults is recorded: the defaults that depend on the machine
// (the worker count from its threads) stay free to follow another machine with the same adapter.
const defaults = defaultTuning(gpu, availableParallelism());
const measured: Record<string, unknown> = {};
for (const [k, v] of Object.entries(best) as [keyof Tuning, unknown][]) {
  if (k === 'sleepBeforeReadback') continue;
  const d = defaults[k];
  if (typeof v === 'object' && v !== null) {
    const changed = Object.entries(v).filter(([f, x]) => (d as Record<string, unknown>)[f] !== x);
    if (changed.length) measured[k] = Object.fromEntries(changed);
  } else if (v !== d) measured[k] = v;
}
console.log(`differs from the defaults: ${JSON.stringify(measured)}`);
if (!values['dry-run']) {
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  all[key] = { ...measured, measured: `${new Date().toISOString().slice(0, 10)}: ${models.join(', ')} at 224, ${bestMs.toFixed(2)} ms` };
  writeFileSync(file, JSON.stringify(all, null, 1) + '\n');
  console.log(`recorded for ${key} in ${file}`);
}
