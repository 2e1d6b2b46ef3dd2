// BatchNorm folding: inference-time BN is a per-channel affine map, so it can be merged into the
// neighbouring conv/linear weights. All sums run in float64 and round to float32 once at the end.

export type BatchNormParams = { weight: Float32Array; bias: Float32Array; running_mean: Float32Array; running_var: Float32Array };

/** Per-channel scale s = γ/√(var+eps) and shift t = β − mean·s, so that BN(x) = s·x + t. */
export function batchNormScaleShift(bn: BatchNormParams, eps: number): { scale: Float64Array; shift: Float64Array } {
  const n = bn.weight.length;
  for (const name of ['bias', 'running_mean', 'running_var'] as const) {
    if (bn[name].length !== n) throw new Error(`batch norm ${name} has ${bn[name].length} values but weight has ${n}; all four must match the channel count`);
  }
  const scale = new Float64Array(n);
  const shift = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    scale[c] = bn.weight[c] / Math.sqrt(bn.running_var[c] + eps);
    shift[c] = bn.bias[c] - bn.running_mean[c] * scale[c];
  }
  return { scale, shift };
}

/**
 * Conv/linear weight [out, ...] (contiguous) with optional bias, followed by BN over its outputs:
 * w' = w·s per output channel, b' = β + (b − mean)·s.
 */
export function foldBatchNorm(weight: Float32Array, outChannels: number, bias: Float32Array | null, bn: BatchNormParams, eps: number): { weight: Float32Array; bias: Float32Array } {
  if (bn.weight.length !== outChannels) throw new Error(`batch norm has ${bn.weight.length} channels but the layer before it has ${outChannels} outputs`);
  if (weight.length % outChannels) throw new Error(`weight has ${weight.length} values, not a multiple of ${outChannels} output channels`);
  if (bias && bias.length !== outChannels) throw new Error(`bias has ${bias.length} values but the layer has ${outChannels} outputs`);
  const { scale } = batchNormScaleShift(bn, eps);
  const perChannel = weight.length / outChannels;
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    for (let k = o * perChannel; k < (o + 1) * perChannel; k++) w[k] = weight[k] * scale[o];
    b[o] = bn.bias[o] + ((bias ? bias[o] : 0) - bn.running_mean[o]) * scale[o];
  }
  return { weight: w, bias: b };
}

/**
 * An affine map on the input channels (x ↦ scale·x + shift) followed by a linear layer or conv with
 * weight [out, in, ...k]: W'[o,i,k] = W[o,i,k]·scale_i, b'[o] = b[o] + Σ_{i,k} W[o,i,k]·shift_i.
 * Exact for linear layers and 1×1 convs; for larger kernels it is exact only without zero padding,
 * because padded borders would see the shift where the original saw zeros.
 */
export function foldInputAffine(weight: Float32Array, outChannels: number, bias: Float32Array | null, scale: ArrayLike<number>, shift: ArrayLike<number>): { weight: Float32Array; bias: Float32Array } {
  const inChannels = scale.length;
  if (shift.length !== inChannels) throw new Error(`input affine has ${inChannels} scales but ${shift.length} shifts`);
  if (weight.length % (outChannels * inChannels)) throw new Error(`weight has ${weight.length} values, not a multiple of [${outChannels} out, ${inChannels} in]`);
  if (bias && bias.length !== outChannels) throw new Error(`bias has ${bias.length} values but the layer has ${outChannels} outputs`);
  const kernel = weight.length / (outChannels * inChannels);
  const w = new Float32Array(weight.length);
  const b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    let acc = bias ? bias[o] : 0;
    for (let i = 0; i < inChannels; i++) {
      const base = (o * inChannels + i) * kernel;
      for (let k = base; k < base + kernel; k++) {
        w[k] = weight[k] * scale[i];
        acc += weight[k] * shift[i];
      }
    }
    b[o] = acc;
  }
  return { weight: w, bias: b };
}

/**
 * LayerNorm's affine (γ, β) folded into the linear layer or 1×1 conv after it, weight [out, in]:
 * W' = W·diag(γ), b' = b + W·β, so that the kernel only normalises: W'·((x − μ)·rstd) + b'. The one
 * LayerNorm fold of every fused kernel that normalises its input (pointwise LN_IN, ln_qkv, local_prop_proj).
 */
export function foldLayerNorm(weight: Float32Array, outFeatures: number, bias: Float32Array | null, ln: { gamma: Float32Array; beta: Float32Array }): { weight: Float32Array; bias: Float32Array } {
  if (ln.gamma.length !== ln.beta.length) throw new Error(`LayerNorm has ${ln.gamma.length} weights (γ) but ${ln.beta.length} biases (β); both must match the channel count`);
  if (weight.length !== outFeatures * ln.gamma.length) throw new Error(`LayerNorm over ${ln.gamma.length} channels cannot fold into a weight of ${weight.length} values with ${outFeatures} outputs; expected [${outFeatures}, ${ln.gamma.length}]`);
  return foldInputAffine(weight, outFeatures, bias, ln.gamma, ln.beta);
}

/** BN_Linear (BatchNorm1d over the input features, then Linear [out, in]) as a single linear layer. */
export function foldBatchNormIntoLinearInput(weight: Float32Array, outFeatures: number, bias: Float32Array | null, bn: BatchNormParams, eps: number): { weight: Float32Array; bias: Float32Array } {
  const { scale, shift } = batchNormScaleShift(bn, eps);
  return foldInputAffine(weight, outFeatures, bias, scale, shift);
}

/**
 * How far a BatchNorm's running mean may sit from zero, in its own standard deviations, before the
 * fused kernels subtract it from their input instead of folding it into the next layer's bias:
 * folded, W·s·x + (b − W·s·mean) cancels log2(|mean| / std) bits when the input carries that offset
 * (a residual stream that drifted in training), as PyTorch, which subtracts first, does not.
 */
export const SHIFT_ABOVE_STDS = 16;

/** Whether the fused kernels subtract `bn`'s running mean from their input (SHIFT_ABOVE_STDS). */
export function batchNormShiftsInput(bn: BatchNormParams, eps: number): boolean {
  return bn.running_mean.some((m, c) => Math.abs(m) > SHIFT_ABOVE_STDS * Math.sqrt(bn.running_var[c] + eps));
}

/**
 * A BatchNorm over a linear layer's inputs with its running mean left to the kernel: the layer then
 * computes W'·(x − mean) + b' with W' = W·s, b' = b + W·β (s = γ/√(var+eps)).
 */
export function foldBatchNormScaleIntoLinearInput(weight: Float32Array, outFeatures: number, bias: Float32Array | null, bn: BatchNormParams, eps: number): { weight: Float32Array; bias: Float32Array; shift: Float32Array } {
  const { scale } = batchNormScaleShift(bn, eps);
  return { ...foldInputAffine(weight, outFeatures, bias, scale, bn.bias), shift: bn.running_mean.slice() };
}
