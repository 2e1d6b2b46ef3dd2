// Normalisations, linear layers and pooling, with PyTorch's inference-mode semantics.
import type { Shape4 } from './conv.ts';

export interface BatchNormParams {
  weight: Float32Array;
  bias: Float32Array;
  running_mean: Float32Array;
  running_var: Float32Array;
}

/** BatchNorm2d in eval mode: (x − mean)/√(var + eps)·γ + β per channel. Also serves BatchNorm1d as [B, C, 1, 1]. */
export function batchNorm2d(x: Float32Array, shape: Shape4, bn: BatchNormParams, eps = 1e-5): Float32Array {
  const [B, C, H, W] = shape;
  const y = new Float32Array(x.length);
  for (let c = 0; c < C; c++) {
    const inv = 1 / Math.sqrt(bn.running_var[c] + eps);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < H * W; i++) {
        const at = (b * C + c) * H * W + i;
        y[at] = (x[at] - bn.running_mean[c]) * inv * bn.weight[c] + bn.bias[c];
      }
    }
  }
  return y;
}

/** LayerNorm over channels at every pixel of an NCHW map (biased variance, as PyTorch). */
export function layerNormChannels(x: Float32Array, shape: Shape4, gamma: Float32Array, beta: Float32Array, eps: number): Float32Array {
  const [B, C, H, W] = shape;
  const HW = H * W;
  const y = new Float32Array(x.length);
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < HW; p++) {
      const at = (c: number) => (b * C + c) * HW + p;
      let mean = 0;
      for (let c = 0; c < C; c++) mean += x[at(c)];
      mean /= C;
      let variance = 0;
      for (let c = 0; c < C; c++) variance += (x[at(c)] - mean) ** 2;
      variance /= C;
      const inv = 1 / Math.sqrt(variance + eps);
      for (let c = 0; c < C; c++) y[at(c)] = (x[at(c)] - mean) * inv * gamma[c] + beta[c];
    }
  }
  return y;
}

/** LayerNorm over the last dimension of a row-major [rows, C] matrix. */
export function layerNormRows(x: Float32Array, shape: [number, number], gamma: Float32Array, beta: Float32Array, eps: number): Float32Array {
  const [rows, C] = shape;
  const y = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x[r * C + c];
    mean /= C;
    let variance = 0;
    for (let c = 0; c < C; c++) variance += (x[r * C + c] - mean) ** 2;
    variance /= C;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < C; c++) y[r * C + c] = (x[r * C + c] - mean) * inv * gamma[c] + beta[c];
  }
  return y;
}

/** x [rows, in] · wᵀ + b with w [out, in] (torch.nn.Linear). */
export function linear(x: Float32Array, shape: [number, number], w: Float32Array, b: Float32Array | null): Float32Array {
  const [rows, inFeatures] = shape;
  const outFeatures = w.length / inFeatures;
  if (!Number.isInteger(outFeatures) || x.length !== rows * inFeatures) throw new Error(`linear: x has ${x.length} values for [${shape}], w has ${w.length}`);
  const y = new Float32Array(rows * outFeatures);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outFeatures; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inFeatures; i++) acc += x[r * inFeatures + i] * w[o * inFeatures + i];
      y[r * outFeatures + o] = acc;
    }
  }
  return y;
}

/** Mean over H×W: [B, C, H, W] → [B, C] (adaptive_avg_pool2d(x, 1).flatten(1)). */
export function meanPoolHW(x: Float32Array, shape: Shape4): Float32Array {
  const [B, C, H, W] = shape;
  const y = new Float32Array(B * C);
  for (let bc = 0; bc < B * C; bc++) {
    let acc = 0;
    for (let i = 0; i < H * W; i++) acc += x[bc * H * W + i];
    y[bc] = acc / (H * W);
  }
  return y;
}
