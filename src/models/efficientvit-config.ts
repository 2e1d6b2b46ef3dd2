// EfficientViT M0–M5 hyper-parameters, as upstream's model zoo defines them.
export interface EfficientViTConfig {
  name: string;
  embedDim: [number, number, number];
  depth: [number, number, number];
  numHeads: [number, number, number];
  /** depthwise kernel on q, one per head (heads beyond the list reuse its pattern from the start) */
  kernels: number[];
  keyDim: number;
  windowSize: number;
  patchSize: number;
  numClasses: number;
}

const base = { keyDim: 16, windowSize: 7, patchSize: 16, numClasses: 1000 };

export const EFFICIENTVIT_CONFIGS: Record<string, EfficientViTConfig> = {
  efficientvit_m0: { name: 'efficientvit_m0', embedDim: [64, 128, 192], depth: [1, 2, 3], numHeads: [4, 4, 4], kernels: [5, 5, 5, 5], ...base },
  efficientvit_m1: { name: 'efficientvit_m1', embedDim: [128, 144, 192], depth: [1, 2, 3], numHeads: [2, 3, 3], kernels: [7, 5, 3, 3], ...base },
  efficientvit_m2: { name: 'efficientvit_m2', embedDim: [128, 192, 224], depth: [1, 2, 3], numHeads: [4, 3, 2], kernels: [7, 5, 3, 3], ...base },
  efficientvit_m3: { name: 'efficientvit_m3', embedDim: [128, 240, 320], depth: [1, 2, 3], numHeads: [4, 3, 4], kernels: [5, 5, 5, 5], ...base },
  efficientvit_m4: { name: 'efficientvit_m4', embedDim: [128, 256, 384], depth: [1, 2, 3], numHeads: [4, 4, 4], kernels: [7, 5, 3, 3], ...base },
  efficientvit_m5: { name: 'efficientvit_m5', embedDim: [192, 288, 384], depth: [1, 3, 4], numHeads: [3, 3, 4], kernels: [7, 5, 3, 3], ...base },
};

/** Spatial size after the 16× stem, then after each Subsample: r → (r−1)//2 + 1. */
export function stageResolutions(inputH: number, inputW: number): [number, number][] {
  const stem = (r: number) => { for (let i = 0; i < 4; i++) r = Math.floor((r - 1) / 2) + 1; return r; };
  const down = (r: number) => Math.floor((r - 1) / 2) + 1;
  const r1: [number, number] = [stem(inputH), stem(inputW)];
  const r2: [number, number] = [down(r1[0]), down(r1[1])];
  const r3: [number, number] = [down(r2[0]), down(r2[1])];
  return [r1, r2, r3];
}

/** Squeeze-excite hidden width in PatchMerging: make_divisible(4C·0.25, 8) as timm rounds it. */
export function seReducedChannels(hidden: number): number {
  const v = hidden * 0.25, d = 8;
  let n = Math.max(d, Math.floor((v + d / 2) / d) * d);
  if (n < 0.9 * v) n += d;
  return n;
}

/** attention_bias_idxs of an r×r window: upstream numbers offsets by first appearance, which is |Δrow|·r + |Δcol|. */
export function windowIdxs(r: number): Int32Array {
  const N = r * r, out = new Int32Array(N * N);
  for (let n = 0; n < N; n++) for (let m = 0; m < N; m++) {
    out[n * N + m] = Math.abs(Math.floor(n / r) - Math.floor(m / r)) * r + Math.abs((n % r) - (m % r));
  }
  return out;
}
