// The two schedules of one model description, without a GPU: the unfused schedule is exactly the op
// sequence PyTorch eager runs in upstream's forward (module and aten op of every kernel, in order,
// from test/fixtures/eager-ops), and every dispatch of both schedules says where it comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { CATEGORIES } from '../src/graph/ir.ts';
import { opCategory } from '../src/graph/categories.ts';
import { eagerOps } from './helpers/eager-ops.ts';


for (const name of Object.keys(MODELS)) {
  test(`${name}: the unfused schedule runs upstream's eager ops, one dispatch each, in order`, () => {
    const sd = randomStateDict(name);
    const unfused = MODELS[name].build(sd, { batch: 1, height: 224, width: 224 }, 'unfused').nodes;
    const want = eagerOps(name);
    const got = unfused.map((n) => ({ module: n.module, op: n.ops.join('+') }));
    const i = want.findIndex((w, k) => w.module !== got[k]?.module || w.op !== got[k]?.op);
    assert.equal(i, -1, `dispatch ${i}: got ${JSON.stringify(got[i])}, eager runs ${JSON.stringify(want[i])}`);
    assert.equal(got.length, want.length);

    const fused = MODELS[name].build(sd, { batch: 1, height: 224, width: 224 }, 'fused').nodes;
    for (const n of [...fused, ...unfused]) {
      assert.ok(typeof n.module === 'string' && n.layer && n.ops.length > 0, `${n.name}: module "${n.module}", layer "${n.layer}", ops [${n.ops}]`);
      assert.ok(CATEGORIES.includes(n.category), `${n.name}: category ${n.category}`);
      n.ops.forEach(opCategory); // every op has a Figure-2 category
      assert.ok(n.flops >= 0 && n.bytesRead > 0 && n.bytesWritten > 0, `${n.name}: flops ${n.flops}, bytes ${n.bytesRead} + ${n.bytesWritten}`);
    }
    // Both schedules come from the same layer calls, and the fused one has fewer dispatches.
    assert.deepEqual([...new Set(fused.map((n) => n.layer))], [...new Set(unfused.map((n) => n.layer))]);
    assert.ok(fused.length < unfused.length);
    // The fused schedule computes no op that eager does not run (it may drop some: e.g. the bias-table gather, done at load).
    const eager = new Set(want.map((w) => w.op));
    for (const n of fused) for (const op of n.ops) assert.ok(eager.has(op), `${n.name} claims ${op}, which eager never runs`);
  });
}

// Dispatches per inference at 224, batch 1, derived from the eager trace (test/fixtures/eager-ops) by
// the fused schedule's rules: each rule counts the eager ops that start a kernel of their own (+1) or
// ride in a neighbour's kernel although they would start one (−1). A change that adds or removes a
// dispatch breaks this until the rule that describes it changes too.
interface Rule { op: string; module?: RegExp; per: 1 | -1; why: string }
const TRANSFORMER: Rule[] = [
  { op: 'addmm', per: 1, why: 'each linear: its LayerNorm as prologue, bias, GELU and residual add as epilogue' },
  { op: 'mm', per: 1, why: "Swin's patch-merging reduction (no bias), its LayerNorm as prologue" },
  { op: '_softmax', per: 1, why: 'each attention core (QKᵀ, scale, bias/mask, softmax, ·V, and for Swin the roll) is one kernel' },
  { op: 'convolution', per: 1, why: 'the patch embedding (Swin: with its LayerNorm)' },
  { op: 'cat', per: 1, why: "DeiT's class token; Swin's patch-merging gather" },
  { op: 'add', module: /^$/, per: 1, why: "DeiT's position embedding, added after the cat" },
  { op: 'native_layer_norm', module: /^norm$/, per: 1, why: 'the final norm: the head reads one token or the pooled mean, so it is no linear\'s prologue' },
  { op: 'mean', per: 1, why: "Swin's pooling before the head" },
];
const FUSED_RULES: Record<'efficientvit' | 'edgevit' | 'deit' | 'swin', Rule[]> = {
  efficientvit: [
    { op: 'convolution', per: 1, why: 'each conv: BatchNorm folded, ReLU/residual add/gate/cascade add as pro- or epilogue; a head\'s q dwconv with its attention' },
    { op: 'mean', per: 1, why: "the squeeze-excite squeeze; the classifier's pooling (with the head's BatchNorm and linear)" },
  ],
  edgevit: [
    { op: 'convolution', per: 1, why: 'each conv: BatchNorm before it folded in, GELU/residual add after it, a patch embedding\'s LayerNorm' },
    { op: 'addmm', per: 1, why: 'each linear: its LayerNorm as prologue, GELU and residual add as epilogue; the head with the BatchNorm and mean' },
    { op: '_softmax', per: 1, why: 'each attention core (QKᵀ, scale, softmax, ·V)' },
    { op: 'avg_pool2d', per: 1, why: 'the sampler: LayerNorm, pooling and the q/k/v projection of the pooled tokens' },
    { op: 'convolution', module: /\.LocalProp$/, per: -1, why: "LocalProp's transposed conv runs with its LayerNorm and the proj linear (local_prop_proj.wgsl)" },
  ],
  deit: TRANSFORMER,
  swin: TRANSFORMER,
};
/** fused-ffn: ReLU FFNs (EfficientViT's) run both 1×1 convs in one kernel (ffn.wgsl). */
const ONE_KERNEL_FFN: Rule = { op: 'convolution', module: /\.m\.pw2\.c$/, per: -1, why: "the FFN's second conv runs in the first one's kernel" };

function derivedDispatches(name: string, schedule: 'fused' | 'fused-ffn'): number {
  const ops = eagerOps(name), family = MODELS[name].family;
  const rules = [...FUSED_RULES[family], ...(schedule === 'fused-ffn' && family === 'efficientvit' ? [ONE_KERNEL_FFN] : [])];
  return rules.reduce((n, r) => n + r.per * ops.filter((o) => o.op === r.op && (r.module?.test(o.module) ?? true)).length, 0);
}

test('dispatches per inference of every model and schedule: as many as the fusion rules give from the eager trace', () => {
  for (const name of Object.keys(MODELS)) {
    const sd = randomStateDict(name);
    for (const schedule of ['fused', 'fused-ffn'] as const) {
      const want = derivedDispatches(name, schedule);
      assert.ok(want > 0 && want < eagerOps(name).length, `${name} ${schedule}: derived ${want}`);
      assert.equal(MODELS[name].build(sd, { batch: 1, height: 224, width: 224 }, schedule).nodes.length, want, `${name} ${schedule}`);
    }
  }
});
