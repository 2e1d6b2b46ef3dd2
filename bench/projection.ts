// `npm run project`: every model's graphs (both kernel families, both schedules, batch 1 at 224)
// projected onto the EfficientViT paper's V100 by the profiler's parallelism model
// (src/profile/project.ts) — no GPU is needed, the graph's nodes carry the work and its shape — and
// the README's "On a GPU" tables between the `projection:` markers. test/readme-figures.test.ts
// recomputes the tables from the code and fails when the README differs, so the tables describe the
// code they sit beside (no results file: nothing here is measured). Per-dispatch projections of
// one model: webvit profile --project v100 --json.
import { readFileSync, writeFileSync } from 'node:fs';
import { MODELS } from '../src/models/registry.ts';
import { randomStateDict } from '../src/models/random.ts';
import { WeightPool } from '../src/graph/weights.ts';
import { loweringFor } from '../src/model.ts';
import { DEFAULT_LIMITS, gpuTuning, KERNEL_FAMILIES } from '../src/tuning.ts';
import { CATEGORIES } from '../src/graph/ir.ts';
import { CATEGORY_LABELS } from '../src/profile/svg.ts';
import { GPUS, projectSchedule, type GpuSpec, type ScheduleProjection } from '../src/profile/project.ts';
import type { ScheduleName } from '../src/schedule/index.ts';

export interface ModelProjection { model: string; label: string; schedules: ScheduleProjection[] }

/** Each model's four graphs (family × schedule) at batch 1, 224×224, projected onto `gpu`. */
export function projectAll(gpu: GpuSpec = GPUS.v100, models = Object.keys(MODELS)): ModelProjection[] {
  return models.map((name) => {
    const info = MODELS[name], sd = randomStateDict(name);
    const schedules: ScheduleProjection[] = [];
    for (const family of KERNEL_FAMILIES) {
      const tuning = { ...gpuTuning(DEFAULT_LIMITS), kernels: family };
      for (const schedule of ['fused', 'unfused'] as ScheduleName[]) {
        const g = info.build(sd, { batch: 1, height: 224, width: 224 }, loweringFor(schedule, tuning), new WeightPool('f32', true), tuning);
        schedules.push(projectSchedule(g.nodes, gpu, family, schedule));
      }
    }
    return { model: name, label: name, schedules };
  });
}

const get = (m: ModelProjection, family: string, schedule: string) => m.schedules.find((s) => s.family === family && s.schedule === schedule)!;
const ms = (v: number) => v.toFixed(3);
const pct = (v: number) => `${(100 * v).toFixed(0)} %`;

/** The README's tables: per model the projected ms of each family and schedule, and Figure 2 as projected for DeiT-T and Swin-T (the paper's examples). */
export function projectionMarkdown(all: ModelProjection[], gpu: GpuSpec = GPUS.v100): string {
  const rows = all.map((m) => {
    const cf = get(m, 'cpu', 'fused'), gf = get(m, 'gpu', 'fused'), cu = get(m, 'cpu', 'unfused'), gu = get(m, 'gpu', 'unfused');
    return `| ${m.label} | ${ms(cf.ms)} | ${ms(gf.ms)} | ×${(cf.ms / gf.ms).toFixed(1)} | ${pct(cf.serialBoundMs / cf.ms)} / ${pct(gf.serialBoundMs / gf.ms)} | ${cf.medianInvocations} / ${gf.medianInvocations} | ${ms(cu.ms)} | ${ms(gu.ms)} |`;
  });
  const fig = all.filter((m) => ['deit_tiny_patch16_224', 'swin_tiny_patch4_window7_224', 'efficientvit_m4'].includes(m.model));
  const cols = fig.flatMap((m) => [['gpu', 'unfused'], ['gpu', 'fused']].map(([f, s]) => ({ m, s: get(m, f, s), head: `${m.label} ${s}` })));
  return [
    `Projected onto the ${gpu.name} (${(gpu.gflops / 1e3).toFixed(1)} TFLOP/s FP32, ${gpu.gbs} GB/s, ${gpu.lanes} lanes at ${gpu.clockGhz} GHz, ${gpu.dispatchUs} µs per dispatch assumed), batch 1, 224×224, ms:`,
    '',
    '| model | CPU family fused | GPU family fused | GPU family faster | serial-bound time, CPU / GPU family | median invocations per dispatch, CPU / GPU | CPU family unfused | GPU family unfused |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Figure 2 as projected for the ${gpu.key.toUpperCase()}, GPU family (share of the projected time per category):`,
    '',
    `| category | ${cols.map((c) => c.head).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    ...CATEGORIES.map((k) => `| ${CATEGORY_LABELS[k]} | ${cols.map((c) => pct(c.s.categories.find((x) => x.key === k)!.share)).join(' | ')} |`),
  ].join('\n');
}

export const BEGIN = '<!-- projection:begin (npm run project writes these tables) -->', END = '<!-- projection:end -->';

/** The README with its projection section replaced by `md`. */
export function withProjection(readme: string, md: string): string {
  const a = readme.indexOf(BEGIN), b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, a + BEGIN.length)}\n${md}\n${readme.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const all = projectAll();
  const md = projectionMarkdown(all);
  writeFileSync('README.md', withProjection(readFileSync('README.md', 'utf8'), md));
  console.log(md);
}
