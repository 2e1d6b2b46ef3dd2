// EfficientViT's cascaded group attention and the local-window wrapper around it (the `mixer`
// without its outer residual). Weights come in already BN-folded (see fold.ts).
import { conv2d, type Shape4 } from './conv.ts';
import { relu, softmaxRows } from './elementwise.ts';

export interface ConvWeights { weight: Float32Array; bias: Float32Array }

export interface CascadedAttentionParams {
  heads: number;
  keyDim: number;
  /** per head: 1×1 conv weight [2·keyDim + d, C/heads], bias [2·keyDim + d]; d = C/heads */
  qkvs: ConvWeights[];
  /** per head: depthwise conv on q, weight [keyDim, 1, k, k], bias [keyDim], padding k//2 */
  dws: (ConvWeights & { kernel: number })[];
  /** [heads, numOffsets] learned bias per (|Δrow|, |Δcol|) offset */
  attentionBiases: Float32Array;
  /** [N, N] offset index for each (query, key) token pair, N = r·r */
  biasIdxs: Int32Array;
  /** applied to ReLU(concat of head outputs): 1×1 conv weight [C, heads·d], bias [C] */
  proj: ConvWeights;
}

/**
 * Offset index for every token pair of an r×r window: offsets (|Δrow|, |Δcol|) are numbered in order
 * of first appearance, scanning query n then key m in row-major order (upstream's dict insertion order).
 */
export function attentionBiasIdxs(r: number): Int32Array {
  const N = r * r;
  const numbering = new Map<string, number>();
  const idxs = new Int32Array(N * N);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < N; m++) {
      const key = `${Math.abs(Math.floor(n / r) - Math.floor(m / r))},${Math.abs((n % r) - (m % r))}`;
      if (!numbering.has(key)) numbering.set(key, numbering.size);
      idxs[n * N + m] = numbering.get(key)!;
    }
  }
  return idxs;
}

/** Every (|Δrow|, |Δcol|) with both in 0..r−1 occurs, so an r×r window has r² offsets. */
export const numBiasOffsets = (r: number): number => r * r;

/** Window resolution r that an [N, N] index table was built for. */
export function windowResolutionOf(biasIdxs: Int32Array): number {
  const N = Math.round(Math.sqrt(biasIdxs.length));
  const r = Math.round(Math.sqrt(N));
  if (N * N !== biasIdxs.length || r * r !== N) throw new Error(`attention_bias_idxs with ${biasIdxs.length} entries is not [r², r²]`);
  return r;
}

/** Channels [from, from + count) of every batch item: [B, C, H, W] → [B, count, H, W]. */
function sliceChannels(x: Float32Array, shape: Shape4, from: number, count: number): Float32Array {
  const [B, C, H, W] = shape;
  const HW = H * W;
  const y = new Float32Array(B * count * HW);
  for (let b = 0; b < B; b++) y.set(x.subarray((b * C + from) * HW, (b * C + from + count) * HW), b * count * HW);
  return y;
}

/** Cascaded group attention on a batch of windows x [Bw, C, H, W] with H·W = N of the bias table. */
export function cascadedGroupAttention(x: Float32Array, shape: Shape4, p: CascadedAttentionParams): Float32Array {
  const [Bw, C, H, W] = shape;
  const N = H * W;
  if (N * N !== p.biasIdxs.length) throw new Error(`attention over ${H}×${W} tokens, but its bias table is for ${windowResolutionOf(p.biasIdxs)}×${windowResolutionOf(p.biasIdxs)}`);
  const { heads, keyDim } = p;
  const chunk = C / heads, d = C / heads;
  const qkvChannels = 2 * keyDim + d;
  const numOffsets = p.attentionBiases.length / heads;
  const scale = keyDim ** -0.5;
  const concat = new Float32Array(Bw * heads * d * N); // [Bw, heads·d, H, W]
  let previous: Float32Array | null = null; // previous head's output [Bw, d, H, W]
  for (let i = 0; i < heads; i++) {
    let feat = sliceChannels(x, shape, i * chunk, chunk);
    if (previous) for (let j = 0; j < feat.length; j++) feat[j] += previous[j];
    const qkv = conv2d(feat, [Bw, chunk, H, W], p.qkvs[i].weight, p.qkvs[i].bias, { cout: qkvChannels, kh: 1, kw: 1 }).y;
    const qRaw = sliceChannels(qkv, [Bw, qkvChannels, H, W], 0, keyDim);
    const k = sliceChannels(qkv, [Bw, qkvChannels, H, W], keyDim, keyDim);
    const v = sliceChannels(qkv, [Bw, qkvChannels, H, W], 2 * keyDim, d);
    const ks = p.dws[i].kernel;
    const q = conv2d(qRaw, [Bw, keyDim, H, W], p.dws[i].weight, p.dws[i].bias, { cout: keyDim, kh: ks, kw: ks, pad: Math.floor(ks / 2), groups: keyDim }).y;
    const out = new Float32Array(Bw * d * N);
    for (let b = 0; b < Bw; b++) {
      const logits = new Float32Array(N * N);
      for (let n = 0; n < N; n++) {
        for (let m = 0; m < N; m++) {
          let dot = 0;
          for (let c = 0; c < keyDim; c++) dot += q[(b * keyDim + c) * N + n] * k[(b * keyDim + c) * N + m];
          logits[n * N + m] = dot * scale + p.attentionBiases[i * numOffsets + p.biasIdxs[n * N + m]];
        }
      }
      const attn = softmaxRows(logits, [N, N]);
      for (let c = 0; c < d; c++) {
        for (let n = 0; n < N; n++) {
          let acc = 0;
          for (let m = 0; m < N; m++) acc += v[(b * d + c) * N + m] * attn[n * N + m];
          out[(b * d + c) * N + n] = acc;
        }
      }
      concat.set(out.subarray(b * d * N, (b + 1) * d * N), (b * heads * d + i * d) * N);
    }
    previous = out;
  }
  return conv2d(relu(concat), [Bw, heads * d, H, W], p.proj.weight, p.proj.bias, { cout: C, kh: 1, kw: 1 }).y;
}

/**
 * LocalWindowAttention: the whole map is one window when it fits in r×r; otherwise zero-pad
 * right/bottom to multiples of r, run every r×r window on its own, and crop the padding away.
 * The padded tokens are not masked: they take part in attention with their qkv bias values.
 */
export function localWindowAttention(x: Float32Array, shape: Shape4, p: CascadedAttentionParams): Float32Array {
  const [B, C, H, W] = shape;
  const r = windowResolutionOf(p.biasIdxs);
  if (H <= r && W <= r) return cascadedGroupAttention(x, shape, p);
  const nH = Math.ceil(H / r), nW = Math.ceil(W / r);
  const windows = new Float32Array(B * nH * nW * C * r * r); // [(b, wy, wx), C, r, r], zeros = padding
  const windowPixel = (b: number, c: number, y: number, xx: number) =>
    ((((b * nH + Math.floor(y / r)) * nW + Math.floor(xx / r)) * C + c) * r + (y % r)) * r + (xx % r);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) windows[windowPixel(b, c, y, xx)] = x[((b * C + c) * H + y) * W + xx];
  const attended = cascadedGroupAttention(windows, [B * nH * nW, C, r, r], p);
  const out = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) out[((b * C + c) * H + y) * W + xx] = attended[windowPixel(b, c, y, xx)];
  return out;
}

/**
 * Multi-head self-attention over a qkv map [B, 3C, h, w] (q, k, v channels, each C = heads · d, as
 * upstream's [B, N, 3, heads, d]): per head softmax(q·kᵀ / √d)·v over the h·w tokens → [B, C, h·w]
 * (EdgeViT's and DeiT's attention as attention.wgsl computes it).
 */
export function multiHeadAttention(qkv: Float32Array, [B, C3, h, w]: number[], heads: number): Float32Array {
  const C = C3 / 3, d = C / heads, N = h * w;
  const y = new Float32Array(B * C * N);
  const at = (b: number, s: number, hd: number, j: number, n: number) => qkv[((b * 3 + s) * C + hd * d + j) * N + n];
  for (let b = 0; b < B; b++) for (let hd = 0; hd < heads; hd++) {
    const scores = new Float32Array(N * N);
    for (let n = 0; n < N; n++) for (let m = 0; m < N; m++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += at(b, 0, hd, j, n) * at(b, 1, hd, j, m);
      scores[n * N + m] = acc * d ** -0.5;
    }
    const p = softmaxRows(scores, [N, N]);
    for (let n = 0; n < N; n++) for (let j = 0; j < d; j++) {
      let acc = 0;
      for (let m = 0; m < N; m++) acc += p[n * N + m] * at(b, 2, hd, j, m);
      y[(b * C + hd * d + j) * N + n] = acc;
    }
  }
  return y;
}
