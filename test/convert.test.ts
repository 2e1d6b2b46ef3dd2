// `webvit convert`'s BatchNorm folding, without a GPU: the converter writes exactly the folds the fused
// schedule makes (one set of rules, src/schedule/fused.ts), for every model in the registry. Loading
// the converted file gives the fused graph of the original (same dispatches, same weights, bit for
// bit) with no BatchNorm left to fold; the folds pair each BatchNorm with the layer upstream applies
// it to (the key patterns the converter used to match, kept here as the oracle); a BatchNorm the fused
// schedule cannot fold is refused, not dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS, type ModelInfo } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { convertCheckpoint, foldCheckpoint } from '../src/weights/convert.ts';
import { loadStateDict } from '../src/weights/load.ts';
import { WeightPool } from '../src/graph/weights.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import type { ScheduleFactory } from '../src/schedule/index.ts';
import type { Pre } from '../src/schedule/layers.ts';
import { FusedSchedule } from '../src/schedule/fused.ts';
import { f32, type StateDict } from '../src/weights/tensor.ts';
import { foldBatchNormIntoLinearInput } from '../src/weights/fold.ts';

const INPUT = { batch: 1, height: 224, width: 224 };

/** A pool that keeps a copy of every weight the graph asks for, by name. */
class RecordingPool extends WeightPool {
  readonly data = new Map<string, Float32Array>();
  get(name: string, data: Float32Array, paddedLength: number, matrix = false) {
    this.data.set(name, data.slice());
    return super.get(name, data, paddedLength, matrix);
  }
}

/** The fused graph of `sd`: its dispatches (without provenance, which names the BatchNorms a folded file lacks) and its weights. */
function fusedGraph(info: ModelInfo, sd: StateDict) {
  const pool = new RecordingPool();
  let fused: FusedSchedule | undefined;
  const g = info.build(sd, INPUT, (b) => (fused = new FusedSchedule(b)), pool);
  const nodes = g.nodes.map((n) => ({
    name: n.name, kernel: n.kernel, params: n.params, workgroups: n.workgroups, flops: n.flops, bytesRead: n.bytesRead, bytesWritten: n.bytesWritten,
    bind: Object.fromEntries(Object.entries(n.bind).map(([k, b]) => [k, 'tensor' in b ? { ...b, tensor: b.tensor.id } : b])),
  }));
  return { nodes, weights: pool.data, folded: fused!.folded };
}

const bnModules = (sd: StateDict) => [...sd.keys()].filter((k) => k.endsWith('.running_var')).map((k) => k.slice(0, -'.running_var'.length));
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** EfficientViT with a distillation head (head_dist: BN_Linear like head). */
function withDistillation(sd: StateDict): StateDict {
  const out = new Map(sd);
  for (const [k, t] of sd) if (k.startsWith('head.')) out.set(`head_dist.${k.slice(5)}`, f32(t.shape, (t.data as Float32Array).map((v, i) => v * 0.5 + (i % 7) * 0.01)));
  return out;
}

// Upstream's pairing, from the checkpoint keys: what each family's BatchNorms are applied to.
const UPSTREAM: Record<ModelInfo['family'], (sd: StateDict) => string[]> = {
  // Conv2d_BN: X.c then X.bn; BN_Linear: head.bn then head.l (BatchNorm1d over the pooled features).
  efficientvit: (sd) => bnModules(sd).map((bn) => (/^head(_dist)?\.bn$/.test(bn) ? `${bn} before ${bn.replace(/bn$/, 'l')}` : `${bn} after ${bn.replace(/bn$/, 'c')}`)),
  // LocalAgg: norm1 → conv1, norm2 → mlp.fc1 (BatchNorm2d before each); the final norm → mean pool → head.
  edgevit: (sd) => bnModules(sd).map((bn) => (bn === 'norm' ? 'norm before head' : `${bn} before ${bn.replace(/norm1$/, 'conv1').replace(/norm2$/, 'mlp.fc1')}`)),
  deit: () => [],
  swin: () => [],
};

const cases = [
  ...Object.keys(MODELS).map((name) => ({ name, label: name, sd: () => randomStateDict(name) })),
  { name: 'efficientvit_m0', label: 'efficientvit_m0 with a distillation head', sd: () => withDistillation(randomStateDict('efficientvit_m0')) },
];

for (const c of cases) {
  test(`${c.label}: the converted checkpoint loads as the original's fused graph, bit for bit, with no BatchNorm left, each folded into the layer upstream applies it to`, () => {
    const info = MODELS[c.name], sd = c.sd();
    const bytes = convertCheckpoint(info, sd, { resolution: 224 });
    const converted = loadStateDict(bytes);
    for (const bn of bnModules(sd)) assert.ok(![...converted.keys()].some((k) => k.startsWith(`${bn}.`)), `${bn} is left in the converted file`);
    assert.ok(![...converted.keys()].some((k) => k.endsWith('.num_batches_tracked')));

    const raw = fusedGraph(info, sd), folded = fusedGraph(info, converted);
    assert.deepEqual(folded.folded, [], 'a converted checkpoint has nothing left to fold');
    assert.deepEqual(folded.nodes, raw.nodes);
    assert.deepEqual([...folded.weights.keys()], [...raw.weights.keys()]);
    for (const [name, w] of raw.weights) assert.ok(sameBits(folded.weights.get(name)!, w), `weight ${name} differs`);
    // Every BatchNorm folds, into the layer upstream applies it to.
    const pairs = raw.folded.flatMap((l) => l.bns.map((n) => `${n.module} ${n.side} ${l.module}`));
    assert.deepEqual(pairs.sort(), UPSTREAM[info.family](sd).sort());
  });
}

/** `sd` with the running means of the BatchNorms `on` raised by `offset` (a residual stream that drifted in training). */
function withOffsetMeans(sd: StateDict, on: (bn: string) => boolean, offset: number): StateDict {
  const out = new Map(sd);
  for (const bn of bnModules(sd).filter(on)) out.set(`${bn}.running_mean`, f32(sd.get(`${bn}.running_mean`)!.shape, (sd.get(`${bn}.running_mean`)!.data as Float32Array).map((v) => v + offset)));
  return out;
}

// BatchNorms with a running mean far from zero (FusedSchedule.fold leaves it to the kernels: the
// golden ":shift" cases) stay in the converted file as they are, and fold the same way when it loads.
for (const c of [
  { name: 'edgevit_xxs', label: "edgevit_xxs with LocalAgg's and the final BatchNorm means at ~1000", on: (bn: string) => /norm[12]?$/.test(bn) },
  { name: 'efficientvit_m0', label: 'efficientvit_m0 with a distillation head and the heads\' BatchNorm means at ~1000 (each head its own)', on: (bn: string) => /^head(_dist)?\.bn$/.test(bn), dist: true },
]) {
  test(`${c.label}: converted, those BatchNorms are kept and the fused graph is the original's, bit for bit`, () => {
    const info = MODELS[c.name];
    const base = randomStateDict(c.name);
    const sd = withOffsetMeans(c.dist ? withDistillation(base) : base, c.on, 1000);
    const kept = bnModules(sd).filter(c.on);
    assert.ok(kept.length > 0);
    const converted = loadStateDict(convertCheckpoint(info, sd, { resolution: 224 }));
    assert.deepEqual(bnModules(converted).sort(), kept.sort(), 'the converted file keeps exactly the shifted BatchNorms');
    const raw = fusedGraph(info, sd), folded = fusedGraph(info, converted);
    assert.deepEqual(folded.folded, [], 'a converted checkpoint has nothing left to fold');
    assert.deepEqual(folded.nodes, raw.nodes);
    for (const [name, w] of raw.weights) assert.ok(sameBits(folded.weights.get(name)!, w), `weight ${name} differs`);
    // The kernels take the means as shifts: one per kept BatchNorm (the heads share one).
    const shifts = [...raw.weights.keys()].filter((k) => k.endsWith('.shift'));
    assert.equal(shifts.length, c.dist ? 1 : kept.length, shifts.join(', '));
  });
}

// A one-conv model whose conv has `pre` before it: what the rules allow to fold before a layer.
function toy(k: number, pre: (bn: Pre) => Pre[]): { info: ModelInfo; sd: StateDict } {
  const C = 4, sd: StateDict = new Map([
    ['pre.weight', f32([C], new Float32Array([1.5, 0.5, 1, 2]))], ['pre.bias', f32([C], new Float32Array([0.1, -0.2, 0, 0.3]))],
    ['pre.running_mean', f32([C], new Float32Array([0.5, 0, -1, 0.25]))], ['pre.running_var', f32([C], new Float32Array([1, 2, 0.5, 4]))],
    ['conv.weight', f32([C, C, k, k], new Float32Array(C * C * k * k).map((_, i) => Math.sin(i)))], ['conv.bias', f32([C], new Float32Array(C).fill(0.5))],
  ]);
  const info: ModelInfo = {
    name: `toy${k}`, family: 'edgevit', defaultResolution: 8, stages: [], headKeys: ['conv.weight'],
    build(s, input, schedule) {
      const g = new GraphBuilder(), sch = (schedule as ScheduleFactory)(g);
      const get = (key: string) => s.get(key)!.data as Float32Array;
      const bn: Pre = { kind: 'bn', bn: { module: 'pre', eps: 1e-5, params: { weight: get('pre.weight'), bias: get('pre.bias'), running_mean: get('pre.running_mean'), running_var: get('pre.running_var') } } };
      const x = g.input('input', [1, C, input.height, input.width]);
      g.output = sch.conv(x, { module: 'conv', conv: { weight: get('conv.weight'), bias: get('conv.bias'), cin: C, cout: C, k, stride: 1, pad: (k - 1) / 2, groups: 1 }, pre: pre(bn) });
      return g;
    },
  };
  return { info, sd };
}

test('a BatchNorm before a layer folds only into a 1×1 conv that reads it directly; one the fused schedule runs as its own op is refused', () => {
  const ok = toy(1, (bn) => [{ kind: 'relu', module: 'act' }, bn]);
  const out = foldCheckpoint(ok.info, ok.sd, 8);
  assert.deepEqual([...out.keys()], ['conv.weight', 'conv.bias']);
  const get = (key: string) => ok.sd.get(key)!.data as Float32Array;
  const want = foldBatchNormIntoLinearInput(get('conv.weight'), 4, get('conv.bias'), { weight: get('pre.weight'), bias: get('pre.bias'), running_mean: get('pre.running_mean'), running_var: get('pre.running_var') }, 1e-5);
  assert.deepEqual(out.get('conv.weight'), f32([4, 4, 1, 1], want.weight));
  assert.deepEqual(out.get('conv.bias'), f32([4], want.bias));
  // A 3×3 conv (padded: the BatchNorm's shift would reach its zero borders), and a BatchNorm with a ReLU between it and the conv.
  for (const bad of [toy(3, (bn) => [bn]), toy(1, (bn) => [bn, { kind: 'relu', module: 'act' }])]) {
    assert.throws(() => foldCheckpoint(bad.info, bad.sd, 8), /cannot convert: toy\d's fused schedule runs BatchNorm pre as its own op .*load the original checkpoint instead/);
  }
});
