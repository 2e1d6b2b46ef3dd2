// What a tree's default kernels dispatch, for bench/same-plans.ts (which copies this file into each
// checkout it compares and runs it there, so the imports are that checkout's): for every model, both
// schedules, batch 1 and 2 at 224 on this adapter's default tuning, one line per dispatch with its
// pipeline key, workgroups, params (by name) and a hash of its WGSL without comments, whitespace or
// the order of its top-level declarations (bench/wgsl-hash.ts). JSON ({ adapter, plans }) to the
// file named by its argument.
import { writeFileSync } from 'node:fs';
import { nodeRuntime } from '../src/node.ts';
import { Model } from '../src/model.ts';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { wgslHash } from './wgsl-hash.ts';

if (!process.argv[2]) throw new Error('usage: node --import tsx bench/plan-fingerprint.ts OUT.json');
const rt = await nodeRuntime();
// PipelineCache.shader(file, weights): the file with its includes resolved, as the pipeline compiles it.
const shader = (file: string, weights: string) => (rt.pipelines as unknown as { shader(f: string, w: string): Promise<{ code: string }> }).shader(file, weights);
const out: Record<string, string[]> = {};
for (const name of Object.keys(MODELS)) {
  const m = new Model(rt, MODELS[name], randomStateDict(name));
  for (const schedule of ['fused', 'unfused'] as const) for (const batch of [1, 2]) {
    const plan = await m.plan(batch, 224, 224, schedule);
    const lines: string[] = [];
    for (const s of plan.steps) {
      const file = s.kernel.key.split(':')[0], weights = /\[(f16[^\]]*)\]/.exec(s.kernel.key)?.[1] ?? 'f32';
      const params = Object.fromEntries(Object.entries(s.node.params).sort(([a], [b]) => (a < b ? -1 : 1)));
      lines.push(`${s.node.name} ${s.kernel.key} wgsl=${wgslHash((await shader(file, weights)).code)} workgroups=${s.node.workgroups.join(',')} params=${JSON.stringify(params)}`);
    }
    out[`${name} ${schedule} batch ${batch}`] = lines;
  }
  m.destroy();
}
writeFileSync(process.argv[2], JSON.stringify({ adapter: rt.gpu.adapterInfo, plans: out }));
process.exit(0);
