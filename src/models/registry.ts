// Model names as upstream spells them → graph builders.
import type { GraphBuilder } from '../graph/builder.ts';
import type { WeightPool } from '../graph/weights.ts';
import type { Tuning } from '../tuning.ts';
import type { StateDict } from '../weights/tensor.ts';
import { SCHEDULES, type ScheduleFactory, type ScheduleName } from '../schedule/index.ts';
import { buildEfficientViT, efficientvitConfig, efficientvitStages } from './efficientvit.ts';
import type { InputSpec } from './input.ts';
import { EFFICIENTVIT_CONFIGS } from './efficientvit-config.ts';
import { buildEdgeViT, edgevitConfig, edgevitStages } from './edgevit.ts';
import { EDGEVIT_CONFIGS } from './edgevit-config.ts';
import { buildDeiT, DEIT_CONFIGS, deitStages } from './deit.ts';
import { buildSwin, SWIN_CONFIGS, swinStages } from './swin.ts';
import type { StageInfo } from './backbone.ts';

export interface ModelInfo {
  name: string;
  family: 'efficientvit' | 'edgevit' | 'deit' | 'swin';
  defaultResolution: number;
  /** the feature maps backbone mode can return (`features`), in order */
  stages: readonly StageInfo[];
  /** the key of the classifier head's weight: a detector's backbone (mmdet) has none */
  headKeys: readonly string[];
  /**
   * the graph for this input shape, lowered by `schedule` (a name, default fused, or a factory: `webvit
   * convert` passes one to read what the fused schedule folded), its weights in `weights` if given (a
   * pool shared by a model's plans)
   */
  build(sd: StateDict, input: InputSpec, schedule?: ScheduleName | ScheduleFactory, weights?: WeightPool, tuning?: Tuning): GraphBuilder;
}

/** A schedule by name, or the factory given. */
const lowering = (s: ScheduleName | ScheduleFactory): ScheduleFactory => (typeof s === 'string' ? SCHEDULES[s] : s);

export const MODELS: Record<string, ModelInfo> = {
  ...Object.fromEntries(Object.keys(EFFICIENTVIT_CONFIGS).map((name) => [name, {
    name, family: 'efficientvit' as const, defaultResolution: 224, stages: efficientvitStages(efficientvitConfig(name)), headKeys: ['head.l.weight'],
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName | ScheduleFactory = 'fused', weights?: WeightPool, tuning?: Tuning) => buildEfficientViT(sd, efficientvitConfig(name), input, lowering(schedule), weights, tuning),
  }])),
  ...Object.fromEntries(Object.keys(EDGEVIT_CONFIGS).map((name) => [name, {
    name, family: 'edgevit' as const, defaultResolution: 224, stages: edgevitStages(edgevitConfig(name)), headKeys: ['head.weight'],
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName | ScheduleFactory = 'fused', weights?: WeightPool, tuning?: Tuning) => buildEdgeViT(sd, edgevitConfig(name), input, lowering(schedule), weights, tuning),
  }])),
  ...Object.fromEntries(Object.keys(DEIT_CONFIGS).map((name) => [name, {
    name, family: 'deit' as const, defaultResolution: 224, stages: deitStages(DEIT_CONFIGS[name]), headKeys: ['head.weight'],
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName | ScheduleFactory = 'fused', weights?: WeightPool, tuning?: Tuning) => buildDeiT(sd, DEIT_CONFIGS[name], input, lowering(schedule), weights, tuning),
  }])),
  ...Object.fromEntries(Object.keys(SWIN_CONFIGS).map((name) => [name, {
    name, family: 'swin' as const, defaultResolution: 224, stages: swinStages(SWIN_CONFIGS[name]), headKeys: ['head.weight', 'head.fc.weight'],
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName | ScheduleFactory = 'fused', weights?: WeightPool, tuning?: Tuning) => buildSwin(sd, SWIN_CONFIGS[name], input, lowering(schedule), weights, tuning),
  }])),
};

/** Whether the checkpoint has the model's classifier head (a detector's backbone has none). */
export const hasHead = (info: ModelInfo, sd: StateDict): boolean => info.headKeys.some((k) => sd.has(k));

export function modelInfo(name: string): ModelInfo {
  const m = MODELS[name];
  if (!m) throw new Error(`unknown model "${name}"; available: ${Object.keys(MODELS).join(', ')}`);
  return m;
}

/** The model whose layers a checkpoint holds (each model's graph is built until one fits), or an error listing what was tried. */
export function detectModel(sd: StateDict, resolutionOf: (info: ModelInfo) => number): ModelInfo {
  const tried: string[] = [];
  for (const info of Object.values(MODELS)) {
    const res = resolutionOf(info);
    // A detector's backbone has no head: its graph is the stages.
    const outputs = hasHead(info, sd) ? undefined : { stages: info.stages.map((st) => st.name), embedding: false };
    try { info.build(sd, { batch: 1, height: res, width: res, outputs }); return info; } catch (e) { tried.push(`${info.name}: ${(e as Error).message.split('\n')[0]}`); }
  }
  throw new Error(`this checkpoint is none of webvit's models (give --model NAME to see what does not fit):\n  ${tried.join('\n  ')}`);
}
