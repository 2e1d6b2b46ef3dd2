// EfficientViT forward pass on the CPU, straight from upstream's checkpoint keys (BatchNorms not
// folded beforehand). Conv2d_BN runs as conv then BatchNorm, as PyTorch's eval mode does; only the
// attention takes folded weights, folded here by fold.ts.
import type { EfficientViTConfig } from '../models/efficientvit-config.ts';
import type { StateDict } from '../weights/tensor.ts';
import { attentionBiasIdxs, localWindowAttention, windowResolutionOf, type CascadedAttentionParams } from './attention.ts';
import { conv2d, type Shape4 } from './conv.ts';
import { add, relu } from './elementwise.ts';
import { foldBatchNorm } from './fold.ts';
import { batchNorm2d, linear, meanPoolHW, type BatchNormParams } from './norm.ts';
import { squeezeExcite } from './squeeze-excite.ts';

export interface Activation { data: Float32Array; shape: Shape4 }
export type EfficientViTStage = 'patch_embed' | 'blocks1' | 'blocks2' | 'blocks3';
export interface EfficientViTReferenceResult { logits: Float32Array; stages: Record<EfficientViTStage, Activation> }

function floats(sd: StateDict, key: string): Float32Array {
  const t = sd.get(key);
  if (!t) throw new Error(`checkpoint has no ${key}`);
  if (t.dtype !== 'f32') throw new Error(`${key} is ${t.dtype}, expected float`);
  return t.data;
}

function batchNormOf(sd: StateDict, prefix: string): BatchNormParams {
  return {
    weight: floats(sd, `${prefix}.weight`), bias: floats(sd, `${prefix}.bias`),
    running_mean: floats(sd, `${prefix}.running_mean`), running_var: floats(sd, `${prefix}.running_var`),
  };
}

/** Conv2d_BN (keys `prefix.c.weight`, `prefix.bn.*`). Every one in EfficientViT pads k//2. */
function convBn(sd: StateDict, prefix: string, a: Activation, stride = 1, groups = 1): Activation {
  const weight = floats(sd, `${prefix}.c.weight`); // [out, in/groups, k, k], or [out, in] for some 1×1
  const bn = batchNormOf(sd, `${prefix}.bn`);
  const cout = bn.weight.length;
  const k = Math.round(Math.sqrt(weight.length / (cout * (a.shape[1] / groups))));
  const conv = conv2d(a.data, a.shape, weight, null, { cout, kh: k, kw: k, stride, pad: Math.floor(k / 2), groups });
  return { data: batchNorm2d(conv.y, conv.shape, bn, 1e-5), shape: conv.shape };
}

const reluOf = (a: Activation): Activation => ({ data: relu(a.data), shape: a.shape });
const residual = (a: Activation, f: (a: Activation) => Activation): Activation => ({ data: add(a.data, f(a).data), shape: a.shape });

const depthwise = (sd: StateDict, prefix: string) => (a: Activation) => convBn(sd, prefix, a, 1, a.shape[1]);
const ffn = (sd: StateDict, prefix: string) => (a: Activation) => convBn(sd, `${prefix}.pw2`, reluOf(convBn(sd, `${prefix}.pw1`, a)));

function foldedConv(sd: StateDict, prefix: string) {
  return foldBatchNorm(floats(sd, `${prefix}.c.weight`), null, batchNormOf(sd, `${prefix}.bn`), 1e-5);
}

/** The attention's window must be what upstream built for this map size: min(window, H) for square maps. */
function expectedWindow(H: number, W: number, windowSize: number): number {
  if (H > windowSize || W > windowSize) return windowSize;
  if (H !== W) throw new Error(`a ${H}×${W} map fits one window but is not square; upstream only builds square windows`);
  return H;
}

function attentionParams(sd: StateDict, prefix: string, cfg: EfficientViTConfig, heads: number, H: number, W: number): CascadedAttentionParams {
  const attentionBiases = floats(sd, `${prefix}.attention_biases`);
  const stored = sd.get(`${prefix}.attention_bias_idxs`);
  const fits = Math.round(Math.sqrt(attentionBiases.length / heads));
  const want = expectedWindow(H, W, cfg.windowSize);
  if (fits !== want) throw new Error(`${prefix}: the bias tables fit a ${fits}×${fits} window (the checkpoint was built for another input size); this ${H}×${W} map needs ${want}×${want}`);
  const biasIdxs = attentionBiasIdxs(want);
  if (stored) {
    const fromCheckpoint = Int32Array.from(stored.data as ArrayLike<number | bigint>, Number);
    if (windowResolutionOf(fromCheckpoint) !== want || fromCheckpoint.some((v, i) => v !== biasIdxs[i]))
      throw new Error(`${prefix}.attention_bias_idxs differs from the table rebuilt for a ${want}×${want} window`);
  }
  const qkvs = [], dws = [];
  for (let i = 0; i < heads; i++) {
    qkvs.push(foldedConv(sd, `${prefix}.qkvs.${i}`));
    const dw = foldedConv(sd, `${prefix}.dws.${i}`);
    const kernel = Math.round(Math.sqrt(dw.weight.length / cfg.keyDim));
    const configured = cfg.kernels[i % cfg.kernels.length];
    if (kernel !== configured) throw new Error(`${prefix}.dws.${i} has a ${kernel}×${kernel} kernel, ${cfg.name} says ${configured}`);
    dws.push({ ...dw, kernel });
  }
  return { heads, keyDim: cfg.keyDim, qkvs, dws, attentionBiases, biasIdxs, proj: foldedConv(sd, `${prefix}.proj.1`) };
}

/** EfficientViTBlock: the dw → FFN → attention → dw → FFN sandwich, each a residual. */
function block(sd: StateDict, prefix: string, a: Activation, cfg: EfficientViTConfig, heads: number): Activation {
  a = residual(a, depthwise(sd, `${prefix}.dw0.m`));
  a = residual(a, ffn(sd, `${prefix}.ffn0.m`));
  const params = attentionParams(sd, `${prefix}.mixer.m.attn`, cfg, heads, a.shape[2], a.shape[3]);
  a = residual(a, (x) => ({ data: localWindowAttention(x.data, x.shape, params), shape: x.shape }));
  a = residual(a, depthwise(sd, `${prefix}.dw1.m`));
  return residual(a, ffn(sd, `${prefix}.ffn1.m`));
}

/** PatchMerging: 1×1 up to 4C, ReLU, dw 3×3 stride 2, ReLU, squeeze-excite, 1×1 down. No residual. */
function patchMerging(sd: StateDict, prefix: string, a: Activation): Activation {
  const hidden = reluOf(convBn(sd, `${prefix}.conv1`, a));
  const strided = reluOf(convBn(sd, `${prefix}.conv2`, hidden, 2, hidden.shape[1]));
  const se = squeezeExcite(strided.data, strided.shape, floats(sd, `${prefix}.se.fc1.weight`), floats(sd, `${prefix}.se.fc1.bias`),
    floats(sd, `${prefix}.se.fc2.weight`), floats(sd, `${prefix}.se.fc2.bias`));
  return convBn(sd, `${prefix}.conv3`, { data: se, shape: strided.shape });
}

/** Subsample at the start of blocks2/blocks3: [0] dw+FFN, [1] PatchMerging, [2] dw+FFN at the new width. */
function subsample(sd: StateDict, prefix: string, a: Activation): Activation {
  a = residual(a, depthwise(sd, `${prefix}.0.0.m`));
  a = residual(a, ffn(sd, `${prefix}.0.1.m`));
  a = patchMerging(sd, `${prefix}.1`, a);
  a = residual(a, depthwise(sd, `${prefix}.2.0.m`));
  return residual(a, ffn(sd, `${prefix}.2.1.m`));
}

/** BN_Linear: BatchNorm1d (eps 1e-5) then Linear, on pooled features [B, C]. */
function bnLinear(sd: StateDict, prefix: string, pooled: Float32Array, B: number, C: number): Float32Array {
  const normed = batchNorm2d(pooled, [B, C, 1, 1], batchNormOf(sd, `${prefix}.bn`), 1e-5);
  return linear(normed, [B, C], floats(sd, `${prefix}.l.weight`), sd.has(`${prefix}.l.bias`) ? floats(sd, `${prefix}.l.bias`) : null);
}

export function efficientvitReference(sd: StateDict, cfg: EfficientViTConfig, input: Float32Array, shape: Shape4): EfficientViTReferenceResult {
  let a: Activation = { data: input, shape };
  for (const i of [0, 2, 4, 6]) {
    a = convBn(sd, `patch_embed.${i}`, a, 2);
    if (i < 6) a = reluOf(a);
  }
  const patchEmbed = a;
  const stageOutputs: Activation[] = [];
  for (let s = 0; s < 3; s++) {
    const name = `blocks${s + 1}`;
    const first = s === 0 ? 0 : 3; // blocks2/3 start with a Subsample taking indices 0..2
    if (s > 0) a = subsample(sd, name, a);
    for (let j = 0; j < cfg.depth[s]; j++) a = block(sd, `${name}.${first + j}`, a, cfg, cfg.numHeads[s]);
    stageOutputs.push(a);
  }
  const [B, C] = a.shape;
  const pooled = meanPoolHW(a.data, a.shape);
  let logits = bnLinear(sd, 'head', pooled, B, C);
  if (sd.has('head_dist.l.weight')) {
    const dist = bnLinear(sd, 'head_dist', pooled, B, C);
    logits = logits.map((v, i) => (v + dist[i]) / 2); // eval mode averages the two heads
  }
  const [blocks1, blocks2, blocks3] = stageOutputs;
  return { logits, stages: { patch_embed: patchEmbed, blocks1, blocks2, blocks3 } };
}
