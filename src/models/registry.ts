// Model names as upstream spells them → graph builders.
import type { GraphBuilder } from '../graph/builder.ts';
import type { StateDict } from '../weights/tensor.ts';
import { SCHEDULES, type ScheduleName } from '../schedule/index.ts';
import { buildEfficientViT, efficientvitConfig, type InputSpec } from './efficientvit.ts';
import { EFFICIENTVIT_CONFIGS } from './efficientvit-config.ts';
import { buildEdgeViT, edgevitConfig } from './edgevit.ts';
import { EDGEVIT_CONFIGS } from './edgevit-config.ts';

export interface ModelInfo {
  name: string;
  family: 'efficientvit' | 'edgevit';
  defaultResolution: number;
  /** the graph for this input shape, lowered by `schedule` (default fused) */
  build(sd: StateDict, input: InputSpec, schedule?: ScheduleName): GraphBuilder;
}

export const MODELS: Record<string, ModelInfo> = {
  ...Object.fromEntries(Object.keys(EFFICIENTVIT_CONFIGS).map((name) => [name, {
    name, family: 'efficientvit' as const, defaultResolution: 224,
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName = 'fused') => buildEfficientViT(sd, efficientvitConfig(name), input, SCHEDULES[schedule]),
  }])),
  ...Object.fromEntries(Object.keys(EDGEVIT_CONFIGS).map((name) => [name, {
    name, family: 'edgevit' as const, defaultResolution: 224,
    build: (sd: StateDict, input: InputSpec, schedule: ScheduleName = 'fused') => buildEdgeViT(sd, edgevitConfig(name), input, SCHEDULES[schedule]),
  }])),
};

export function modelInfo(name: string): ModelInfo {
  const m = MODELS[name];
  if (!m) throw new Error(`unknown model "${name}"; available: ${Object.keys(MODELS).join(', ')}`);
  return m;
}
