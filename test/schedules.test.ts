// The two schedules of one model description, without a GPU: the unfused schedule is exactly the op
// sequence PyTorch eager runs in upstream's forward (module and aten op of every kernel, in order,
// from test/fixtures/eager-ops), and every dispatch of both schedules says where it comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { CATEGORIES } from '../src/graph/ir.ts';
import { opCategory } from '../src/graph/categories.ts';

const eagerOps = (model: string) => readFileSync(new URL(`./fixtures/eager-ops/${model}.tsv`, import.meta.url), 'utf8')
  .trim().split('\n').slice(1).map((l) => { const [module, op] = l.split('\t'); return { module, op }; });

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

// Dispatches per inference at 224, batch 1, pinned: a change that adds or removes one says so here.
const DISPATCHES: Record<string, { fused: number; 'fused-ffn': number }> = {
  efficientvit_m0: { fused: 119, 'fused-ffn': 103 }, efficientvit_m1: { fused: 105, 'fused-ffn': 89 },
  efficientvit_m2: { fused: 103, 'fused-ffn': 87 }, efficientvit_m3: { fused: 115, 'fused-ffn': 99 },
  efficientvit_m4: { fused: 119, 'fused-ffn': 103 }, efficientvit_m5: { fused: 141, 'fused-ffn': 121 },
  edgevit_xxs: { fused: 77, 'fused-ffn': 77 }, edgevit_xs: { fused: 71, 'fused-ffn': 71 }, edgevit_s: { fused: 119, 'fused-ffn': 119 },
  deit_tiny_patch16_224: { fused: 65, 'fused-ffn': 65 }, swin_tiny_patch4_window7_224: { fused: 70, 'fused-ffn': 70 },
};

test('dispatches per inference of every model and schedule, pinned', () => {
  for (const [name, want] of Object.entries(DISPATCHES)) {
    const sd = randomStateDict(name);
    for (const schedule of ['fused', 'fused-ffn'] as const) {
      assert.equal(MODELS[name].build(sd, { batch: 1, height: 224, width: 224 }, schedule).nodes.length, want[schedule], `${name} ${schedule}`);
    }
  }
});
