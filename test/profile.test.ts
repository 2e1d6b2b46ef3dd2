// The profiler on the Node adapter: roofs measured once and cached per adapter; a profile of both
// schedules whose per-category and per-layer sums equal the total, whose verdicts follow the roofs;
// the Σ-dispatches-vs-whole-pass arithmetic on made-up timings (how well they agree on a real
// adapter is a measurement: `webvit profile` and the benchmark report it); the trace, SVG and CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runtime } from './helpers/gpu.ts';
import { Model } from '../src/model.ts';
import { modelInfo } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { adapterRoofs, type Roofs } from '../src/profile/roofs.ts';
import { AGREEMENT_TOLERANCE, profileModel, scheduleProfile, type ProfileReport } from '../src/profile/profile.ts';
import { chromeTrace } from '../src/profile/trace.ts';
import { profileSvg } from '../src/profile/svg.ts';
import { profileText } from '../src/profile/report.ts';
import { fileRoofCache } from '../src/cli/roof-cache.ts';
import { CATEGORIES } from '../src/graph/ir.ts';
import { dispatchCount } from './helpers/eager-ops.ts';

const bin = fileURLToPath(new URL('../bin/webvit.js', import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'webvit-profile-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

let roofs: Roofs & { cached: boolean };

test('roofs are measured once per adapter, then read from the cache; a broken cache file is ignored', async () => {
  const rt = await runtime();
  const file = path.join(tmp, 'roofs.json');
  writeFileSync(file, '{ not json');
  const first = await adapterRoofs(rt, { cache: fileRoofCache(file), platform: 'test' });
  assert.equal(first.cached, false);
  assert.ok(first.gflops > 0 && first.gbs > 0 && Math.abs(first.ridge - first.gflops / first.gbs) < 1e-9, JSON.stringify(first));
  assert.ok(Object.keys(first.matmul.candidates).length >= 2, 'the matmul roof is the best of several kernels');
  const second = await adapterRoofs(rt, { cache: fileRoofCache(file), platform: 'test' });
  assert.equal(second.cached, true);
  assert.equal(second.gflops, first.gflops);
  const other = fileRoofCache(file).load('another adapter');
  assert.equal(other, null);
  roofs = second;
});

let report: ProfileReport;

test('a profile of both schedules: every dispatch timed and placed; categories and layers sum to the total', async () => {
  const name = 'efficientvit_m0';
  const model = new Model(await runtime(), modelInfo(name), randomStateDict(name));
  try {
    report = await profileModel(model, { batch: 1, height: 224, width: 224, schedules: ['fused', 'unfused'], runs: 5, roofs, weights: 'random', platform: 'test' });
  } finally {
    model.destroy();
  }
  assert.equal(report.timing.method, 'timestamp-per-pass');
  const f = report.schedules.fused!, u = report.schedules.unfused!;
  const [nf, nu] = [dispatchCount(name, 'fused'), dispatchCount(name, 'unfused')];
  assert.equal(f.dispatches, nf);
  assert.equal(u.dispatches, nu);
  for (const s of [f, u]) {
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, b), `${s.schedule} ${what}: ${a} != ${b}`);
    close(s.categories.reduce((a, c) => a + c.ms, 0), s.sumMs, 'Σ categories');
    close(s.layers.reduce((a, c) => a + c.ms, 0), s.sumMs, 'Σ layers');
    close(s.categories.reduce((a, c) => a + c.share, 0), 1, 'Σ shares');
    assert.deepEqual(s.categories.map((c) => c.key), [...CATEGORIES]);
    assert.equal(s.categories.reduce((a, c) => a + c.dispatches, 0), s.dispatches);
    for (const r of s.records) {
      assert.ok(r.ms >= 0 && r.msMin <= r.ms && r.ms <= r.msMax, `${r.name}: ${r.msMin} ≤ ${r.ms} ≤ ${r.msMax}`);
      assert.equal(r.bound, r.intensity < roofs.ridge ? 'memory' : 'compute', r.name);
      assert.ok(r.module !== undefined && r.layer && r.kernel.includes('.wgsl:'), r.name);
    }
    // The agreement is reported (its size is a measurement, not asserted here: see the made-up timings test).
    assert.ok(s.wholeMs > 0 && s.agreement === s.sumMs / s.wholeMs, `${s.schedule}: agreement ${s.agreement}, Σ ${s.sumMs}, whole ${s.wholeMs}`);
  }
  // Fusion removes every standalone normalization, addition, reshape and copy dispatch.
  for (const k of ['norm', 'add', 'reshape', 'copy']) assert.equal(f.categories.find((c) => c.key === k)!.dispatches, 0, k);
  assert.ok(u.categories.filter((c) => c.key !== 'matmul').every((c) => c.memoryBound), 'eager\'s non-matmul categories are memory-bound');
  assert.equal(report.comparison!.layers.length, new Set(f.records.map((r) => r.layer)).size);
  const text = profileText(report);
  assert.match(text, new RegExp(`fusion: ${nu} → ${nf} dispatches`));
  assert.match(text, /top 10 layers by time/);
});

test('Σ of dispatch medians against the whole pass, on made-up timings: medians per dispatch, their sum, the ratio, ±15 %', () => {
  const node = (i: number, category: string, layer: string) => ({
    name: `n${i}`, module: `m${i}`, layer, ops: ['convolution'], category, kernel: { file: 'k.wgsl', entry: 'main' }, bind: {}, workgroups: [1, 1, 1],
    flops: 1e6 * (i + 1), bytesRead: 4e3, bytesWritten: 4e3, parallelism: { workgroupSize: 64, workgroupMemory: 0, accumulators: 4, serialFmas: 4 },
  });
  const plan = {
    steps: [node(0, 'matmul', 'a'), node(1, 'norm', 'a'), node(2, 'matmul', 'b')].map((n) => ({ node: n, kernel: { key: `${n.kernel.file}:${n.kernel.entry}` } })),
    stats: { pipelines: 1 },
  } as never;
  const fakeRoofs = { gflops: 100, gbs: 10, ridge: 10 } as Roofs;
  // runs × dispatches; the medians per dispatch are 2.5, 1.5 and 4 (an even count: the mean of the middle two).
  const per = [[1, 1, 9], [2, 3, 4], [5, 1, 4], [3, 2, 0]];
  const at = (wholeMs: number) => scheduleProfile('fused', plan, per, wholeMs, fakeRoofs);
  const s = at(7.5);
  assert.deepEqual(s.records.map((r) => [r.ms, r.msMin, r.msMax]), [[2.5, 1, 5], [1.5, 1, 3], [4, 0, 9]]);
  assert.equal(s.sumMs, 8);
  assert.equal(s.agreement, 8 / 7.5);
  assert.equal(s.withinTolerance, true);
  assert.deepEqual(s.layers.map((l) => [l.key, l.ms, l.dispatches]), [['a', 4, 2], ['b', 4, 1]]);
  assert.equal(AGREEMENT_TOLERANCE, 0.15);
  // 8 / 6.9 = 1.159 and 8 / 9.5 = 0.842: outside ±15 %; 8 / 7 = 1.143 and 8 / 9.4 = 0.851: inside.
  assert.deepEqual([6.9, 7, 9.4, 9.5].map((w) => at(w).withinTolerance), [false, true, true, false]);
  assert.deepEqual([at(0).agreement, at(0).withinTolerance], [null, false], 'a whole pass of 0 ms gives no ratio');
});

test('without timestamps the wall clock times each dispatch (and the report says so)', async () => {
  const name = 'efficientvit_m0';
  const model = new Model(await runtime(), modelInfo(name), randomStateDict(name));
  try {
    const r = await profileModel(model, { batch: 1, height: 224, width: 224, schedules: ['fused'], runs: 1, roofs, method: 'wall-clock', weights: 'random', platform: 'test' });
    assert.equal(r.timing.method, 'wall-clock');
    const f = r.schedules.fused!;
    assert.equal(f.records.length, dispatchCount(name, 'fused'));
    assert.ok(f.records.every((x) => Number.isFinite(x.ms) && x.ms >= 0) && f.sumMs > 0 && f.wholeMs > 0, `Σ ${f.sumMs}, whole ${f.wholeMs}`);
  } finally {
    model.destroy();
  }
});

test('the trace has one complete event per dispatch, in order, with its module, kernel, FLOPs and bytes', () => {
  const trace = JSON.parse(JSON.stringify(chromeTrace(report)));
  assert.equal(Object.keys(report.schedules).length, 2, 'both schedules were profiled');
  for (const [pid, s] of Object.values(report.schedules).entries()) {
    const events = trace.traceEvents.filter((e: { ph: string; pid: number }) => e.ph === 'X' && e.pid === pid);
    assert.equal(events.length, s.dispatches);
    events.forEach((e: { ts: number; dur: number; args: Record<string, unknown> }, i: number) => {
      const r = s.records[i];
      assert.equal(e.args.module, r.module);
      assert.equal(e.args.kernel, r.kernel);
      assert.equal(e.args.flops, r.flops);
      assert.equal(e.args.bytes, r.bytesRead + r.bytesWritten);
      assert.equal(e.args.bound, r.bound);
      if (i > 0) assert.ok(e.ts >= events[i - 1].ts + events[i - 1].dur - 1e-6);
    });
  }
});

test('the SVG has a bar per schedule and category and a dot per dispatch with FLOPs', () => {
  const svg = profileSvg(report);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  const dots = Object.values(report.schedules).reduce((a, s) => a + s.records.filter((r) => r.flops > 0 && r.ms > 0).length, 0);
  assert.equal((svg.match(/<circle /g) ?? []).length, dots + CATEGORIES.length); // + the legend's swatches
  assert.equal((svg.match(/<rect x=/g) ?? []).length, 2 * CATEGORIES.length + 2); // bars + legend swatches
  for (const label of ['Matrix', 'Reshape', 'Normalization', 'Copy', 'Addition', 'Others', 'ridge']) assert.ok(svg.includes(label), label);
});

test('webvit profile writes the table, JSON, SVG and trace for an EdgeViT (both schedules)', { timeout: 600_000 }, () => {
  const [json, svg, trace] = ['p.json', 'p.svg', 't.json'].map((f) => path.join(tmp, f));
  const out = execFileSync(process.execPath, [bin, 'profile', '--model', 'edgevit_xxs', '--schedule', 'both', '--runs', '2', '--json', json, '--svg', svg, '--trace', trace, '--project', 'v100'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: tmp } });
  const [nf, nu] = [dispatchCount('edgevit_xxs', 'fused'), dispatchCount('edgevit_xxs', 'unfused')];
  assert.match(out, new RegExp(`fused: ${nf} dispatches`));
  assert.match(out, new RegExp(`unfused: ${nu} dispatches`));
  assert.match(out, /Normalization/);
  const r = JSON.parse(readFileSync(json, 'utf8')) as ProfileReport;
  assert.equal(r.schema, 'webvit-profile/1');
  assert.equal(r.weights, 'random (seed 0)');
  assert.equal(JSON.parse(readFileSync(trace, 'utf8')).traceEvents.filter((e: { ph: string }) => e.ph === 'X').length, nf + nu);
  assert.match(readFileSync(svg, 'utf8'), /<svg/);
  // The parallelism model: every record's invocations are its grid × workgroup size; --project adds both families' projections.
  assert.equal(r.kernels, 'cpu', 'this CPU adapter ran the CPU family');
  for (const rec of r.schedules.fused!.records) assert.equal(rec.invocations, rec.workgroups[0] * rec.workgroups[1] * rec.workgroups[2] * rec.workgroupSize, rec.name);
  const p = r.projection!;
  assert.equal(p.gpu.key, 'v100');
  assert.deepEqual(p.schedules.map((s) => `${s.family} ${s.schedule}`), ['cpu fused', 'cpu unfused', 'gpu fused', 'gpu unfused']);
  assert.equal(p.schedules[0].dispatches, nf, 'the CPU family\'s projection is of the graph that ran');
  assert.equal(p.schedules[1].dispatches, nu);
  for (const s of p.schedules) assert.ok(Math.abs(s.categories.reduce((a, c) => a + c.share, 0) - 1) < 1e-9 && s.records.length === s.dispatches);
  assert.match(out, /projected onto NVIDIA Tesla V100.*\n.*\n +measured cpu fused +measured cpu unfused +cpu fused +cpu unfused +gpu fused +gpu unfused/);
});

test('webvit profile refuses a bad --schedule, an unknown GPU and an unknown option, saying why', () => {
  for (const [args, why] of [[['--model', 'efficientvit_m0', '--schedule', 'fast'], /--schedule must be fused, unfused, fused-ffn or both/], [['--model', 'efficientvit_m0', '--nope'], /Unknown option '--nope'/],
    [['--model', 'efficientvit_m0', '--project', 'tpu'], /--project: no GPU "tpu"; known: v100, rtx3090, rtx4090, h100, m2, iris-xe/]] as const) {
    assert.throws(() => execFileSync(process.execPath, [bin, 'profile', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
      (e: { stderr: string; status: number }) => { assert.equal(e.status, 1); assert.match(e.stderr, why); return true; });
  }
});
