// What PyTorch eager runs in one forward of each upstream model (test/fixtures/eager-ops/, see its
// README), and the dispatch counts that follow from it: the unfused schedule runs one kernel per
// eager op; the fused schedule's count is derived from these ops in test/schedules.test.ts.
import { readFileSync } from 'node:fs';
import { MODELS } from '../../src/models/registry.ts';
import { randomStateDict } from '../../src/models/random.ts';
import type { ScheduleName } from '../../src/schedule/index.ts';

/** The eager trace of `model` at 224×224, batch 1: the module and ATen op of every kernel, in order. */
export const eagerOps = (model: string): { module: string; op: string }[] =>
  readFileSync(new URL(`../fixtures/eager-ops/${model}.tsv`, import.meta.url), 'utf8')
    .trim().split('\n').slice(1).map((l) => { const [module, op] = l.split('\t'); return { module, op }; });

/** Dispatches per inference at 224×224, batch 1: unfused = the eager op count; others as built (pinned by schedules.test). */
export function dispatchCount(model: string, schedule: ScheduleName): number {
  if (schedule === 'unfused') return eagerOps(model).length;
  return MODELS[model].build(randomStateDict(model), { batch: 1, height: 224, width: 224 }, schedule).nodes.length;
}
