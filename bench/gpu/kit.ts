// The Node side of the GPU benchmark kit (bench/gpu/run.sh runs it bundled, as KIT/js/kit.js):
//   kit.js adapter --out FILE.json             the WebGPU adapter webvit gets (Dawn), its features and tuning key
//   kit.js webvit --models a,b --out F.jsonl [--families gpu,cpu --schedules fused,unfused]   webvit's GPU time (timestamp queries, whole pass) and wall time of
//                                              run() per model × kernel family × schedule × batch; last, the GPU family fused
//                                              with half activations (`activations: 'f16'`) where the adapter has shader-f16
//   kit.js ort --models a,b --onnx-dir D --out F.jsonl   onnxruntime-node's WebGPU EP, wall time of session.run
// Common: --batches 1,64  --runs N (timed runs per cell, at most)  --warmup N (untimed runs after the first)  --cell-s S (a cell's budget)
//         --deadline MS (epoch ms: cells not begun by then are recorded as skipped: run.sh gives each model a share).
// Each cell is appended to the JSONL file as soon as it is measured, so a step stopped by its time box
// keeps what it had. Weights: seeded random checkpoints (webvit's randomStateDict; the ONNX files come
// from the PyTorch definitions with their own seeded weights): GPU time does not depend on the values.
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { nodeRuntime } from '../../src/node.ts';
import { Model } from '../../src/model.ts';
import { modelInfo, MODELS } from '../../src/models/registry.ts';
import { randomStateDict } from '../../src/models/random.ts';
import { toPadded } from '../../src/graph/layout.ts';
import { median } from '../../src/util/median.ts';
import { randomFloats } from '../../src/util/random.ts';
import { stepTimer } from '../../src/profile/timing.ts';
import { tuningKey, type KernelFamily } from '../../src/tuning.ts';
import type { Runtime } from '../../src/runtime.ts';
import type { ScheduleName } from '../../src/schedule/index.ts';

const RES = 224;
const [cmd, ...rest] = process.argv.slice(2);
const { values: args } = parseArgs({
  args: rest, strict: true,
  options: {
    out: { type: 'string' }, models: { type: 'string', default: Object.keys(MODELS).join(',') }, batches: { type: 'string', default: '1,64' },
    runs: { type: 'string', default: '10' }, warmup: { type: 'string', default: '1' }, 'cell-s': { type: 'string', default: '20' }, deadline: { type: 'string' }, 'onnx-dir': { type: 'string' },
    families: { type: 'string', default: 'gpu,cpu' }, schedules: { type: 'string', default: 'fused,unfused' },
  },
});
if (!args.out) throw new Error('kit.js: --out FILE is needed');
const models = args.models!.split(',').filter(Boolean);
for (const m of models) modelInfo(m);
const batches = args.batches!.split(',').map(Number);
const maxRuns = Number(args.runs), warmups = Number(args.warmup), cellMs = 1000 * Number(args['cell-s']);
const deadline = args.deadline ? Number(args.deadline) : Infinity;
const now = () => performance.now();
const log = (s: string) => process.stderr.write(`${s}\n`);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 3).join(' | ').slice(0, 400);
const round = (x: number) => Number(x.toFixed(4));
mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
const record = (r: Record<string, unknown>) => appendFileSync(args.out!, JSON.stringify(r) + '\n');
const overDeadline = () => Date.now() > deadline;
const SPENT = 'skipped: its share of the step\'s time box was spent before this cell began';

/** Times `once` up to maxRuns times (at least `min` when the cell's budget allows), stopping at `until` (performance.now ms). */
async function timed(once: () => Promise<number>, until: number, min = 3): Promise<number[]> {
  const t: number[] = [];
  while (t.length < maxRuns) {
    if (t.length >= min && now() >= until) break;
    if (t.length >= 1 && now() >= until + cellMs) break; // a run far slower than the budget: fewer than `min`
    t.push(await once());
  }
  return t;
}

async function openRuntime(): Promise<Runtime> {
  // Unquantised timestamps, as `webvit profile` asks for them.
  return nodeRuntime({ disable: ['timestamp_quantization'] });
}

async function adapter(): Promise<void> {
  const rt = await openRuntime();
  const g = rt.gpu, l = g.device.limits;
  const out = {
    adapter: g.adapterInfo, isFallback: g.isFallback, hasTimestamps: g.hasTimestamps, hasF16: g.hasF16, hasSubgroups: g.hasSubgroups,
    tuningKey: tuningKey(g), defaultKernels: rt.tuning.kernels,
    limits: { maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize },
  };
  writeFileSync(args.out!, JSON.stringify(out, null, 1) + '\n');
  console.log(`adapter: ${[g.adapterInfo.vendor, g.adapterInfo.architecture, g.adapterInfo.description || g.adapterInfo.device].filter(Boolean).join(' ')}` +
    `${g.isFallback ? ' (a CPU fallback)' : ''}; timestamps ${g.hasTimestamps}; shader-f16 ${g.hasF16}; subgroups ${g.hasSubgroups}; default kernels ${rt.tuning.kernels}`);
  g.device.destroy();
}

/** webvit: passes in order of importance, so that a spent budget drops the least important cells. */
async function webvit(): Promise<void> {
  const rt = await openRuntime();
  const gpu = rt.gpu;
  const method = gpu.hasTimestamps ? 'timestamp-query (one compute pass, begin/end)' : 'wall-clock (no timestamp-query)';
  const families = args.families!.split(',') as KernelFamily[], schedules = args.schedules!.split(',') as ScheduleName[];
  // In order of importance; half activations last (a record field `activations: 'f16'`, beside the float32 rows).
  const passes: { kernels: KernelFamily; schedule: ScheduleName; activations: 'f32' | 'f16' }[] = [
    ...schedules.flatMap((schedule) => families.map((kernels) => ({ kernels, schedule, activations: 'f32' as const }))),
    ...(families.includes('gpu') && schedules.includes('fused') ? [{ kernels: 'gpu' as const, schedule: 'fused' as const, activations: 'f16' as const }] : []),
  ];
  const inputs = new Map<number, Float32Array>();
  const input = (b: number) => { let x = inputs.get(b); if (!x) inputs.set(b, (x = randomFloats(b * 3 * RES * RES, 12345))); return x; };
  for (const name of models) {
    const sd = randomStateDict(name, RES);
    for (const { kernels, schedule, activations } of passes) {
      const half = activations === 'f16';
      if (half && !gpu.hasF16) {
        for (const batch of batches) record({ runtime: 'webvit', model: name, kernels, schedule, activations, batch, status: 'skipped', reason: 'skipped: the adapter has no shader-f16 (half activations need it)' });
        continue;
      }
      const model = new Model(rt, modelInfo(name), sd, { dtype: 'f32', kernels, activations });
      const what = `${kernels}${half ? ' (f16 activations)' : ''}`;
      let b1Ms: number | null = null;
      try {
        for (const batch of batches) {
          const base = { runtime: 'webvit', model: name, kernels, schedule, ...(half ? { activations } : {}), batch };
          if (overDeadline()) { record({ ...base, status: 'skipped', reason: SPENT }); continue; }
          // A batch past 1 that batch 1 says would overrun the cell's budget (linear in the batch: an upper bound
          // for GPU-shaped kernels, about right for the CPU family's serial ones) is not started.
          if (batch > 1 && b1Ms !== null && b1Ms * batch * 6 > cellMs) {
            record({ ...base, status: 'skipped', reason: `skipped: over budget (batch 1 took ${b1Ms.toFixed(1)} ms, so batch ${batch} could take ~${(b1Ms * batch / 1000).toFixed(1)} s a run; the cell's budget is ${cellMs / 1000} s)` });
            continue;
          }
          try {
            const t0 = now();
            const plan = await model.plan(batch, RES, RES, schedule);
            const x = toPadded(plan.inputs[0], input(batch));
            const t1 = now();
            await plan.run(x);
            const firstMs = now() - t1;
            const until = t1 + cellMs;
            for (let i = 0; i < warmups; i++) await plan.run(x);
            const timer = stepTimer(gpu);
            if (warmups > 0) await timer.whole(plan.steps);
            const gpuTimes = await timed(() => timer.whole(plan.steps), t1 + cellMs * 0.6);
            const wallTimes = await timed(async () => { const t = now(); await plan.run(x); return now() - t; }, until, 2);
            const gpuMs = median(gpuTimes), wallMs = median(wallTimes);
            if (batch === 1) b1Ms = gpuMs > 0 ? gpuMs : wallMs;
            record({
              ...base, status: 'ok', method, gpuMs: round(gpuMs), wallMs: round(wallMs), imagesPerSec: round((1000 * batch) / gpuMs),
              runs: gpuTimes.length, wallRuns: wallTimes.length, buildMs: Math.round(t1 - t0), firstRunMs: round(firstMs),
              dispatches: plan.stats.dispatches, pipelines: plan.stats.pipelines, gpuTimes: gpuTimes.map(round), wallTimes: wallTimes.map(round),
            });
            log(`webvit ${name} ${what} ${schedule} b${batch}: ${gpuMs.toFixed(3)} ms GPU, ${wallMs.toFixed(3)} ms wall (${gpuTimes.length} runs)`);
          } catch (e) {
            record({ ...base, status: 'failed', reason: `failed: ${message(e)}` });
            log(`webvit ${name} ${what} ${schedule} b${batch}: FAILED ${message(e)}`);
          } finally {
            model.release(batch, RES, RES, schedule);
          }
        }
      } finally {
        model.destroy();
      }
    }
  }
  gpu.device.destroy();
}

/** onnxruntime-node, its WebGPU EP only asked for (ORT still places shape ops on its CPU EP, as it does everywhere). */
async function ort(): Promise<void> {
  if (!args['onnx-dir']) throw new Error('kit.js ort: --onnx-dir DIR is needed');
  // Resolved beside this bundle (run.sh lays node_modules out there), else from bench/peers.
  const req = createRequire(import.meta.url);
  let lib: any;
  try { lib = req('onnxruntime-node'); } catch { lib = createRequire(path.resolve('bench/peers/package.json'))('onnxruntime-node'); }
  const versions = lib.env?.versions ?? {};
  for (const name of models) {
    const file = path.join(args['onnx-dir']!, `${name}.onnx`);
    const base = { runtime: 'ort-webgpu', model: name, ortVersion: versions.node ?? versions.common ?? 'unknown' };
    if (!existsSync(file)) { for (const batch of batches) record({ ...base, batch, status: 'failed', reason: `failed: no ONNX file (${path.basename(file)}): the export failed or was not reached; see the onnx-export step` }); continue; }
    if (overDeadline()) { for (const batch of batches) record({ ...base, batch, status: 'skipped', reason: SPENT }); continue; }
    let session: any;
    const t0 = now();
    try {
      session = await lib.InferenceSession.create(file, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    } catch (e) {
      for (const batch of batches) record({ ...base, batch, status: 'failed', reason: `failed: session creation with executionProviders ['webgpu']: ${message(e)}` });
      log(`ort ${name}: FAILED ${message(e)}`);
      continue;
    }
    const createMs = now() - t0;
    let b1Ms: number | null = null;
    for (const batch of batches) {
      if (overDeadline()) { record({ ...base, batch, status: 'skipped', reason: SPENT }); continue; }
      if (batch > 1 && b1Ms !== null && b1Ms * batch * 4 > cellMs) {
        record({ ...base, batch, status: 'skipped', reason: `skipped: over budget (batch 1 took ${b1Ms.toFixed(1)} ms a run; batch ${batch} could take ~${(b1Ms * batch / 1000).toFixed(1)} s; the cell's budget is ${cellMs / 1000} s)` });
        continue;
      }
      try {
        const x = new lib.Tensor('float32', randomFloats(batch * 3 * RES * RES, 12345), [batch, 3, RES, RES]);
        const [inName, outName] = [session.inputNames[0], session.outputNames[0]];
        const run = async () => { const t = now(); const r = await session.run({ [inName]: x }); if (!r[outName]?.data?.length) throw new Error('no output'); return now() - t; };
        const t1 = now();
        const firstMs = await run();
        for (let i = 0; i < warmups; i++) await run();
        const times = await timed(run, t1 + cellMs, 2);
        const ms = median(times);
        if (batch === 1) b1Ms = ms;
        record({ ...base, batch, status: 'ok', method: 'wall-clock (session.run, CPU tensors in and out)', wallMs: round(ms), imagesPerSec: round((1000 * batch) / ms), runs: times.length, createMs: Math.round(createMs), firstRunMs: round(firstMs), wallTimes: times.map(round) });
        log(`ort ${name} b${batch}: ${ms.toFixed(3)} ms wall (${times.length} runs; session ${createMs.toFixed(0)} ms, first run ${firstMs.toFixed(0)} ms)`);
      } catch (e) {
        record({ ...base, batch, status: 'failed', reason: `failed: ${message(e)}` });
        log(`ort ${name} b${batch}: FAILED ${message(e)}`);
      }
    }
    await session.release?.();
  }
}

const commands: Record<string, () => Promise<void>> = { adapter, webvit, ort };
if (!commands[cmd]) throw new Error(`kit.js: command ${cmd} is not one of ${Object.keys(commands).join(', ')}`);
await commands[cmd]();
process.exit(0);
