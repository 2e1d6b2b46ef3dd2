// Model names as upstream spells them → graph builders.
import type { GraphBuilder } from '../graph/builder.ts';
import type { StateDict } from '../weights/tensor.ts';
import { buildEfficientViT, efficientvitConfig, type InputSpec } from './efficientvit.ts';
import { EFFICIENTVIT_CONFIGS } from './efficientvit-config.ts';
import { buildEdgeViT, edgevitConfig } from './edgevit.ts';
import { EDGEVIT_CONFIGS } from './edgevit-config.ts';

export interface ModelInfo {
  name: string;
  family: 'efficientvit' | 'edgevit';
  defaultResolution: number;
  build(sd: StateDict, input: InputSpec): GraphBuilder;
}

export const MODELS: Record<string, ModelInfo> = {
  ...Object.fromEntries(Object.keys(EFFICIENTVIT_CONFIGS).map((name) => [name, {
    name, family: 'efficientvit' as const, defaultResolution: 224,
    build: (sd: StateDict, input: InputSpec) => buildEfficientViT(sd, efficientvitConfig(name), input),
  }])),
  ...Object.fromEntries(Object.keys(EDGEVIT_CONFIGS).map((name) => [name, {
    name, family: 'edgevit' as const, defaultResolution: 224,
    build: (sd: StateDict, input: InputSpec) => buildEdgeViT(sd, edgevitConfig(name), input),
  }])),
};

export function modelInfo(name: string): ModelInfo {
  const m = MODELS[name];
  if (!m) throw new Error(`unknown model "${name}"; available: ${Object.keys(MODELS).join(', ')}`);
  return m;
}
