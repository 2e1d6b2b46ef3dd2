// The two schedules of one model description, without a GPU: the unfused schedule is exactly the op
// sequence PyTorch eager runs in upstream's forward (module and aten op of every kernel, in order,
// from test/fixtures/eager-ops), and every dispatch of both schedules says where it comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { CATEGORIES } from '../src/graph/ir.ts';
import { opCategory } from '../src/graph/categories.ts';
import { derivedDispatches, eagerOps } from './helpers/eager-ops.ts';


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

// Dispatches per inference at 224, batch 1, derived from the eager trace by the fused schedule's
// rules (derivedDispatches in test/helpers/eager-ops.ts): a change that adds or removes a dispatch
// breaks this until the rule that describes it changes too.
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
