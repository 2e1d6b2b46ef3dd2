// Folding an eval-mode BatchNorm into the conv or linear before it. Written here on purpose, apart
// from the runtime's own folding, so that the reference does not share a mistake with it.
import type { BatchNormParams } from './norm.ts';

/** w' = w·γ/√(var+eps) per output channel, b' = β − mean·γ/√(var+eps) (+ the layer's own bias·γ/√…). */
export function foldBatchNorm(weight: Float32Array, bias: Float32Array | null, bn: BatchNormParams, eps = 1e-5): { weight: Float32Array; bias: Float32Array } {
  const out = bn.weight.length;
  const perChannel = weight.length / out;
  if (!Number.isInteger(perChannel)) throw new Error(`foldBatchNorm: ${weight.length} weights do not split over ${out} channels`);
  const w = new Float32Array(weight.length);
  const b = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = bn.weight[o] / Math.sqrt(bn.running_var[o] + eps);
    for (let j = 0; j < perChannel; j++) w[o * perChannel + j] = weight[o * perChannel + j] * s;
    b[o] = bn.bias[o] + ((bias ? bias[o] : 0) - bn.running_mean[o]) * s;
  }
  return { weight: w, bias: b };
}
