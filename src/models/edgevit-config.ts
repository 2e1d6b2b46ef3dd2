// EdgeViT XXS/XS/S hyper-parameters (Pan et al., ECCV 2022), as upstream defines them.
export interface EdgeViTConfig {
  name: string;
  embedDim: [number, number, number, number];
  depth: [number, number, number, number];
  headDim: number;
  mlpRatio: number;
  srRatios: [number, number, number, number];
}

const base = { mlpRatio: 4, srRatios: [4, 2, 2, 1] as [number, number, number, number] };

export const EDGEVIT_CONFIGS: Record<string, EdgeViTConfig> = {
  edgevit_xxs: { name: 'edgevit_xxs', embedDim: [36, 72, 144, 288], depth: [1, 1, 3, 2], headDim: 36, ...base },
  edgevit_xs: { name: 'edgevit_xs', embedDim: [48, 96, 240, 384], depth: [1, 1, 3, 1], headDim: 48, ...base },
  edgevit_s: { name: 'edgevit_s', embedDim: [48, 96, 240, 384], depth: [1, 2, 5, 3], headDim: 48, ...base },
};
