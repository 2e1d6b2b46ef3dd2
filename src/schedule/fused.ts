// The fused schedule: each layer on webvit's fused kernels, BatchNorms and LayerNorm affines folded
// into the neighbouring weights at build time, activations, gates and residual adds done in the
// kernels' prologues and epilogues, window partitioning and sampling by indexing. What a kernel
// cannot take is emitted as its own dispatch (eager.ts), so any layer description lowers.
// A variant (e.g. tuned for GPUs) is a subclass overriding the layers it lowers differently:
// OneKernelFfnSchedule below is the whole of one.
//
// Which BatchNorm folds into which layer is decided here and only here: a BatchNorm after a conv
// (Conv2d_BN) always folds into it; one before a layer folds only where the kernel's input stage takes
// it (`inputStage`: 1×1 convs and linears, a padded conv would see BN's shift at its borders); one
// before the classifier's mean pool commutes with it and folds into the head. Every fold goes through
// `FusedSchedule.fold`, which records it: `webvit convert` (src/weights/convert.ts) builds the fused
// graph and writes the recorded layers, so the converter and the schedule cannot disagree.
import { commonModule, type Tensor } from '../graph/ir.ts';
import { squeezeExciteGate } from '../ops/squeeze-excite.ts';
import { ffn } from '../ops/ffn.ts';
import { cascadedAttention } from '../ops/cascaded-attention.ts';
import { patchEmbed } from '../ops/patch-embed.ts';
import { lnQkv } from '../ops/ln-qkv.ts';
import { attention } from '../ops/attention.ts';
import { localPropProj } from '../ops/local-prop-proj.ts';
import { shiftedWindowAttention } from '../ops/shifted-window-attention.ts';
import { gatherRelativeBias } from '../models/swin-tables.ts';
import { layerNorm } from '../ops/layer-norm.ts';
import { output, slice } from '../ops/views.ts';
import { poolLinear, POOL_LINEAR_MAX_C } from '../ops/pool-linear.ts';
import { meanHW } from '../ops/mean.ts';
import { matmul } from '../ops/matmul.ts';
import { batchNormShiftsInput, foldBatchNorm, foldBatchNormIntoLinearInput, foldBatchNormScaleIntoLinearInput } from '../weights/fold.ts';
import { convKernel, emitPost, emitPre, isDepthwise, isPointwise, type Epilogue } from './eager.ts';
import { windowProj } from './window-attention.ts';
import {
  Schedule, postOp, preModule, preOp,
  type BatchNorm, type ClassifierLayer, type ConvLayer, type ConvWeights, type FfnLayer, type PatchEmbedLayer, type Post, type SparseAttentionLayer, type SqueezeExciteLayer, type WindowAttentionLayer, type TokenClassifierLayer, type ShiftedWindowAttentionLayer, classTokenHead, tokenView,
} from './layers.ts';

/** A layer with BatchNorms folded into its weight and bias, as the fused schedule runs it (and `webvit convert` writes it). */
export interface FoldedLayer {
  /** the layer's module: its checkpoint keys are `${module}.weight` and `${module}.bias` */
  module: string;
  /** the BatchNorms folded in, over the layer's outputs ('after') or over its inputs ('before') */
  bns: { module: string; side: 'after' | 'before' }[];
  weight: Float32Array;
  bias: Float32Array;
}

export class FusedSchedule extends Schedule {
  /** every layer this schedule folded a BatchNorm into, in build order */
  readonly folded: FoldedLayer[] = [];
  /** the BatchNorms whose running mean the kernels subtract from their input (fold), by module */
  readonly shifted = new Set<string>();

  /**
   * `module`'s weight [out, …] and bias (zeros if it has none) with BatchNorm `after` over its outputs
   * and `before` (in forward order) over its inputs folded in, the nearest first; recorded in `folded`.
   * The BatchNorm nearest the data (before[0]) keeps its running mean out of the fold where it is large
   * (batchNormShiftsInput): the kernel subtracts `shift` from its input, and the record (what
   * `webvit convert` writes) leaves that BatchNorm unfolded, so a converted file folds it the same way.
   */
  protected fold(module: string, conv: Pick<ConvWeights, 'weight' | 'bias' | 'cout'>, after: BatchNorm | undefined, before: BatchNorm[] = []): { weight: Float32Array; bias: Float32Array; shift?: Float32Array } {
    let { weight, bias } = after ? foldBatchNorm(conv.weight, conv.cout, conv.bias, after.params, after.eps) : { weight: conv.weight, bias: conv.bias ?? new Float32Array(conv.cout) };
    const shifted = before.length > 0 && batchNormShiftsInput(before[0].params, before[0].eps) ? before[0] : undefined;
    const folds = shifted ? before.slice(1) : before;
    for (const bn of [...folds].reverse()) ({ weight, bias } = foldBatchNormIntoLinearInput(weight, conv.cout, bias, bn.params, bn.eps));
    const bns = [...(after ? [{ module: after.module, side: 'after' as const }] : []), ...folds.map((bn) => ({ module: bn.module, side: 'before' as const }))];
    if (bns.length) this.folded.push({ module, bns, weight, bias });
    if (shifted) this.shifted.add(shifted.module);
    return shifted ? foldBatchNormScaleIntoLinearInput(weight, conv.cout, bias, shifted.params, shifted.eps) : { weight, bias };
  }

  /** A Conv2d_BN's weight and bias with its BatchNorm folded in. */
  protected foldedConv(c: Pick<ConvLayer, 'module' | 'conv' | 'bn'>): { weight: Float32Array; bias: Float32Array } {
    return this.fold(c.module, c.conv, c.bn);
  }

  conv(x: Tensor, c: ConvLayer): Tensor {
    const { conv } = c;
    const pre = c.pre ?? [], post = c.post ?? [];
    const take = inputStage(c);
    const inner = pre.slice(pre.length - take);
    const { weight, bias, shift } = this.fold(c.module, conv, c.bn, inner.flatMap((p) => (p.kind === 'bn' ? [p.bn] : [])));
    const epi: Epilogue = { shift };
    for (const p of inner) {
      if (p.kind === 'ln') epi.ln = p.ln;
      else if (p.kind === 'relu') epi.reluIn = true;
      else if (p.kind === 'gate') epi.scale = p.gate;
    }
    const outer = pre.slice(0, pre.length - take);
    const input = outer.reduce((t, p) => emitPre(this.g, t, p), x);
    // The epilogue takes ReLU (or GELU on 1×1 convs), then the residual add (on 1×1 convs, or a
    // depthwise conv adding its own input).
    let used = 0;
    if (post[0]?.kind === 'relu' || (post[0]?.kind === 'gelu' && isPointwise(c))) { epi[post[0].kind === 'relu' ? 'reluOut' : 'geluOut'] = true; used = 1; }
    const add = post[used];
    if (add?.kind === 'add' && (isPointwise(c) || (isDepthwise(c) && add.residual === input && conv.stride === 1 && 2 * conv.pad === conv.k - 1))) {
      epi.residual = add.residual; used++;
    }
    const conved = post.slice(0, used);
    const kind = c.eager ?? 'convolution';
    const ops = [...inner.map(preOp), ...(kind === 'bmm' ? ['bmm', 'add'] : [kind]), ...(c.bn ? ['native_batch_norm'] : []), ...conved.map(postOp)];
    const module = commonModule([c.module, ...(c.bn ? [c.bn.module] : []), ...inner.map(preModule), ...conved.map((p: Post) => p.module)]);
    const y = this.g.within({ module, ops }, () => convKernel(this.g, c.module, input, weight, bias, c, epi));
    return post.slice(used).reduce((t, p) => emitPost(this.g, t, p), y);
  }

  squeezeExcite(x: Tensor, s: SqueezeExciteLayer): Tensor {
    return squeezeExciteGate(this.g, s.module, x, s.fc1.weight, s.fc1.bias, s.fc2.weight, s.fc2.bias, s.reduced);
  }

  windowAttention(x: Tensor, a: WindowAttentionLayer): Tensor {
    const attn = `${a.module}.m.attn`;
    const cat = cascadedAttention(this.g, attn, x, {
      keyDim: a.keyDim, qkv: a.qkv.map((q) => this.foldedConv(q)), dw: a.dw.map((d) => ({ ...this.foldedConv(d), k: d.conv.k })), biases: a.biases,
    }, a.window);
    return this.conv(cat, { ...windowProj(a), post: [{ kind: 'add', module: a.module, residual: x }] });
  }

  patchEmbed(x: Tensor, p: PatchEmbedLayer): Tensor {
    const { conv, ln } = p;
    return this.g.within({ module: p.module, ops: ['convolution', 'native_layer_norm', ...(p.relayout === false ? [] : ['clone'])] }, () =>
      patchEmbed(this.g, p.module, x, conv.weight, conv.bias ?? new Float32Array(conv.cout), conv.k, ln));
  }

  sparseAttention(x: Tensor, a: SparseAttentionLayer): Tensor {
    const g = this.g, at = `${a.module}.attn`;
    const qkv = g.within({ module: commonModule([a.norm1.module, a.qkv.module]), ops: ['native_layer_norm', ...(a.sr > 1 ? ['avg_pool2d', 'bmm', 'add'] : ['addmm'])] }, () =>
      lnQkv(g, a.qkv.module, x, a.sr, a.norm1, a.qkv.weight, a.qkv.bias));
    const o = g.within({ module: at, ops: ['bmm', 'mul', '_softmax', 'bmm', ...(a.heads > 1 ? ['clone'] : [])] }, () => attention(g, `${at}.attn`, qkv, a.heads));
    const ops = [...(a.localProp ? ['convolution', 'native_layer_norm'] : []), 'addmm', 'add'];
    return g.within({ module: a.module, ops }, () => localPropProj(g, a.proj.module, o, a.sr, a.localProp, a.norm, a.proj, x));
  }

  /** LN fused into qkv (per token: the shift and windows do not matter there); the windows, shift, bias and mask by indexing in one attention kernel; proj with the residual. */
  shiftedWindowAttention(x: Tensor, a: ShiftedWindowAttentionLayer): Tensor {
    const g = this.g, at = `${a.module}.attn`;
    const qkv = g.within({ module: commonModule([a.norm1.module, a.qkv.module]), ops: ['native_layer_norm', 'addmm'] }, () =>
      lnQkv(g, a.qkv.module, x, 1, a.norm1, a.qkv.weight, a.qkv.bias));
    const ops = [...(a.shift ? ['roll'] : []), 'mul', 'bmm', 'add', ...(a.shift ? ['add'] : []), '_softmax', 'bmm', 'clone'];
    const o = g.within({ module: at, ops }, () => shiftedWindowAttention(g, `${at}.attn`, qkv, {
      heads: a.heads, window: a.window, shift: a.shift, bias: gatherRelativeBias(a.table, a.heads, a.window),
    }));
    return g.within({ module: a.module, ops: ['addmm', 'add'] }, () => localPropProj(g, a.proj.module, o, 1, null, null, a.proj, x));
  }

  /** Only the class token's row is normalised: the other tokens' norm is never read. */
  tokenClassifier(x: Tensor, c: TokenClassifierLayer): Tensor {
    const g = this.g, [B, C, , T] = x.shape;
    const row = output(g, `${c.norm.module}.out`, [B, 1, C]);
    g.within({ module: c.norm.module, ops: ['native_layer_norm'] }, () => layerNorm(g, c.norm.module, slice(tokenView(x), 1, T - 1, 1), c.norm.gamma, c.norm.beta, c.norm.eps, row));
    return classTokenHead(g, row, c.head);
  }

  classifier(x: Tensor, c: ClassifierLayer): Tensor {
    const C = x.shape[1];
    // A BatchNorm before the mean pool commutes with it (per-channel affine): fold both into the linear.
    const fold = (h: NonNullable<ClassifierLayer['dist']>) => {
      const classes = h.linear.bias.length;
      const bns = [c.preBN, h.bn].flatMap((n) => (n ? [n] : []));
      return { ...this.fold(h.linear.module, { weight: h.linear.weight, bias: h.linear.bias, cout: classes }, undefined, bns), classes };
    };
    let head = fold(c.head);
    if (c.dist) {
      // Averaged with the distillation head; where a BatchNorm's mean is left to the kernel (fold), the
      // two heads share the first's: W·(x − r_d) = W·(x − r) + W·(r − r_d).
      const d = fold(c.dist);
      const dBias = head.shift || d.shift ? shiftBias(d.weight, d.bias, d.shift, head.shift, C) : d.bias;
      head = { weight: head.weight.map((v, i) => (v + d.weight[i]) / 2), bias: head.bias.map((v, i) => (v + dBias[i]) / 2), classes: head.classes, shift: head.shift };
    }
    const heads = [c.head, ...(c.dist ? [c.dist] : [])];
    const ops = [...(c.preBN ? ['native_batch_norm'] : []), 'mean', ...heads.flatMap((h) => [...(h.bn ? ['native_batch_norm'] : []), 'addmm']), ...(c.dist ? ['add', 'div'] : [])];
    if (head.weight.length !== head.classes * C) throw new Error(`head: weight has ${head.weight.length} values, expected ${head.classes}×${C}`);
    // A LayerNorm before the pool (Swin) normalises each token: it does not commute with the mean, so it runs first.
    const t = c.preLN ? emitPre(this.g, x, { kind: 'ln', ln: c.preLN }) : x;
    if (C > POOL_LINEAR_MAX_C) {
      // Wider than the one-kernel head takes (Swin-T's 768): the mean, then the (folded) head as a matmul.
      if (head.shift) head = { ...head, bias: shiftBias(head.weight, head.bias, head.shift, undefined, C) }; // the matmul takes no shift
      const g = this.g, m = g.within({ module: c.poolModule ?? '', ops: ['mean'] }, () => meanHW(g, 'mean', t));
      const w = { weight: g.weight('head.weight', head.weight), offset: 0, shape: [C, head.classes], strides: [1, C] };
      return g.within({ module: c.head.linear.module, ops: ['addmm'] }, () => matmul(g, 'head', m, w, { bias: { data: head.bias, along: 'n' } })).tensor;
    }
    return this.g.within({ module: c.poolModule ?? '', ops }, () => poolLinear(this.g, 'head', t, head.weight, head.bias, head.classes, head.shift));
  }
}


/** The bias of W·(x − from) + b rewritten for W·(x − to) (absent: 0), in float64: b + W·(to − from). */
function shiftBias(weight: Float32Array, bias: Float32Array, from: Float32Array | undefined, to: Float32Array | undefined, inputs: number): Float32Array {
  return bias.map((b, o) => {
    let acc = b;
    for (let i = 0; i < inputs; i++) acc += weight[o * inputs + i] * ((to?.[i] ?? 0) - (from?.[i] ?? 0));
    return acc;
  });
}

/**
 * How many of a conv's pre-ops (a suffix) its kernel's input stage takes: on a 1×1 conv, a LayerNorm
 * alone, or ReLU, then the gate, then a BatchNorm (folded into the weights); none on other convs (a
 * BatchNorm before a padded conv would put its shift into the borders, where the conv reads zeros).
 */
function inputStage(c: ConvLayer): number {
  const pre = c.pre ?? [];
  if (!isPointwise(c)) return 0;
  if (pre[pre.length - 1]?.kind === 'ln') return 1;
  const order = ['relu', 'gate', 'bn'];
  let take = 0, at = order.length;
  for (let i = pre.length - 1; i >= 0; i--) {
    const k = order.indexOf(pre[i].kind);
    if (k < 0 || k >= at) break;
    at = k; take++;
  }
  return take;
}

/** The fused schedule with each ReLU Residual(FFN) (EfficientViT's) as one ffn.wgsl dispatch instead of two. */
export class OneKernelFfnSchedule extends FusedSchedule {
  ffn(x: Tensor, f: FfnLayer): Tensor {
    if (f.act.kind !== 'relu' || f.pre?.length || !isPointwise(f.fc1) || !isPointwise(f.fc2)) return super.ffn(x, f);
    const a = this.foldedConv(f.fc1), b = this.foldedConv(f.fc2);
    const bns = [f.fc1.bn, f.fc2.bn].flatMap((n) => (n ? [n] : []));
    const ops = ['convolution', ...(f.fc1.bn ? ['native_batch_norm'] : []), 'relu', 'convolution', ...(f.fc2.bn ? ['native_batch_norm'] : []), 'add'];
    const module = commonModule([f.fc1.module, f.fc2.module, f.act.module, f.residual, ...bns.map((n) => n.module)]);
    return this.g.within({ module, ops }, () => ffn(this.g, f.residual, x, a.weight, a.bias, b.weight, b.bias));
  }
}
