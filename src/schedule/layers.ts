// The model description: a model builder calls one method of a Schedule per upstream layer (a conv
// with the BatchNorm, activation and residual around it, an FFN, an attention block, …), passing the
// checkpoint's tensors as they are (nothing folded) and the upstream module path of every op.
// A Schedule lowers each call to dispatches: FusedSchedule to webvit's fused kernels (BN folded),
// UnfusedSchedule to one dispatch per PyTorch eager op. A third schedule overrides only the layers
// it lowers differently (see FusedSchedule for the pattern).
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import type { BatchNormParams } from '../weights/fold.ts';
import { copy } from '../ops/copy.ts';
import { binary } from '../ops/elementwise.ts';
import { layerNorm } from '../ops/layer-norm.ts';
import { matmul } from '../ops/matmul.ts';
import { meanHW } from '../ops/mean.ts';
import { flattenPlanes, output, permute, slice } from '../ops/views.ts';
import { emitBatchNorm, emitPre } from './eager.ts';

/** A PyTorch Conv2d's weight [cout, cin/groups, k, k] and optional bias, with its hyper-parameters. */
export interface ConvWeights {
  weight: Float32Array; bias: Float32Array | null;
  cin: number; cout: number; k: number; stride: number; pad: number; groups: number;
}

export interface BatchNorm { module: string; params: BatchNormParams; eps: number }
export interface LayerNorm { module: string; gamma: Float32Array; beta: Float32Array; eps: number }
export interface Linear { module: string; weight: Float32Array; bias: Float32Array }

/** Ops between the layer's input and its conv, in order. */
export type Pre =
  | { kind: 'bn'; bn: BatchNorm }                      // BatchNorm2d over the input channels
  | { kind: 'ln'; ln: LayerNorm }                      // LayerNorm over the channels of each pixel (a token-major view)
  | { kind: 'relu'; module: string }
  | { kind: 'gate'; module: string; gate: Tensor };    // x · gate[b, c] (squeeze-excite's product; gate is [B, C])

/** Ops after the conv (and its BatchNorm), in order. */
export type Post =
  | { kind: 'relu' | 'gelu'; module: string }
  | { kind: 'add'; module: string; residual: Tensor }; // x + f(x): the Residual's add

export interface ConvLayer {
  /** the conv's module, e.g. "blocks1.0.ffn0.m.pw1.c" */
  module: string;
  conv: ConvWeights;
  /** a BatchNorm2d right after the conv (Conv2d_BN) */
  bn?: BatchNorm;
  pre?: Pre[];
  post?: Post[];
  /**
   * How eager runs the product: a convolution; a Linear on contiguous tokens (addmm); a Linear on a
   * non-contiguous token view (bmm, then its bias added by its own kernel). Default convolution.
   */
  eager?: 'convolution' | 'addmm' | 'bmm' | 'mm';
}

/** Residual(FFN): x + fc2(act(fc1(pre(x)))), fc1/fc2 1×1 convs (or linears on tokens) with optional BatchNorms. */
export interface FfnLayer {
  fc1: Omit<ConvLayer, 'pre' | 'post'>;
  fc2: Omit<ConvLayer, 'pre' | 'post'>;
  pre?: Pre[];
  act: { kind: 'relu' | 'gelu'; module: string };
  /** the Residual's module (its add) */
  residual: string;
}

/** Squeeze-excite's gate: sigmoid(fc2(relu(fc1(mean_HW x)))) → [B, C]; the product x · gate is the next conv's `gate` pre-op. */
export interface SqueezeExciteLayer {
  module: string;
  fc1: { weight: Float32Array; bias: Float32Array };
  fc2: { weight: Float32Array; bias: Float32Array };
  reduced: number;
}

/** EfficientViT's Residual(LocalWindowAttention) with cascaded group attention, as upstream runs it. */
export interface WindowAttentionLayer {
  /** the Residual's module, e.g. "blocks1.0.mixer" (LocalWindowAttention is `${module}.m`, the attention `${module}.m.attn`) */
  module: string;
  keyDim: number;
  /** window side r (r×r tokens) */
  window: number;
  /** per head: qkv Conv2d_BN (d → 2·keyDim + d) and the depthwise Conv2d_BN on q (no BatchNorm in a folded checkpoint) */
  qkv: ConvBN[];
  dw: ConvBN[];
  /** [heads, r·r] attention biases and their [N, N] offset index table */
  biases: Float32Array;
  biasIdxs: Int32Array;
  proj: ConvBN;
}

/** A conv and the BatchNorm after it, if any (Conv2d_BN). */
export type ConvBN = Pick<ConvLayer, 'module' | 'conv' | 'bn'>;

/**
 * A patch embedding: conv (kernel = stride) then LayerNorm over channels. EdgeViT's upstream reshapes
 * the tokens back to a map (a clone, `relayout`, the default); Swin's keeps them as tokens.
 */
export interface PatchEmbedLayer { module: string; conv: ConvWeights; ln: LayerNorm; relayout?: boolean }

/** EdgeViT's x + proj(GlobalSparseAttn(LN(x))) (the SelfAttn's attention half). */
export interface SparseAttentionLayer {
  /** the SelfAttn module (its add); the attention is `${module}.attn` */
  module: string;
  norm1: LayerNorm;
  sr: number;
  heads: number;
  qkv: Linear;
  /** sr > 1: LocalProp (depthwise ConvTranspose2d, kernel = stride = sr) and the LayerNorm after it */
  localProp: { weight: Float32Array; bias: Float32Array } | null;
  norm: LayerNorm | null;
  proj: Linear;
}

/**
 * Global mean pool and a linear head, with an optional BatchNorm before the pool (EdgeViT) or after it
 * (EfficientViT's BN_Linear) or a LayerNorm over each token before it (Swin), and an optional
 * distillation head averaged in.
 */
export interface ClassifierLayer {
  preBN?: BatchNorm;
  preLN?: LayerNorm;
  /** the module that runs the mean ('' by default; Swin's `avgpool`) */
  poolModule?: string;
  head: { bn?: BatchNorm; linear: Linear };
  dist?: { bn?: BatchNorm; linear: Linear };
}

/**
 * ViT's embedding (DeiT): cat(cls_token, patches) + pos_embed. The tokens are stored as a
 * [B, C, 1, N + 1] map with the class token LAST (token N): every later op works per token or over
 * all tokens alike, so the order is free, and the patches stay where the conv wrote them.
 */
export interface ClassTokenLayer {
  /** the module whose forward runs the cat and the add ('' for the model's own forward) */
  module: string;
  /** [C] */
  cls: Float32Array;
  /** [(1 + N) · C], token-major as stored ([1, 1 + N, C], the class token's first) */
  pos: Float32Array;
}

/** Swin's block's attention half: x + proj(attention over the windows of LN(x) rolled by −shift), rolled back. */
export interface ShiftedWindowAttentionLayer {
  /** the block (its residual add, the roll and window copies); the attention is `${module}.attn` */
  module: string;
  norm1: LayerNorm;
  heads: number;
  window: number;
  /** the cyclic shift (0: plain windows) */
  shift: number;
  qkv: Linear;
  proj: Linear;
  /** the relative position bias table [(2·window − 1)², heads], as stored */
  table: Float32Array;
}

/**
 * The embedding (backbone mode): the vector a classifier's head takes, before the head's own
 * BatchNorm: the spatial mean of the last stage's map, after the BatchNorm (EdgeViT) or the LayerNorm
 * over each token (Swin) that comes before the pool, if any.
 */
export interface EmbeddingLayer { preBN?: BatchNorm; preLN?: LayerNorm; poolModule?: string }

/** ViT's head: LayerNorm over every token, the class token (x[:, 0]), a linear. */
export interface TokenClassifierLayer { norm: LayerNorm; head: Linear }

export abstract class Schedule {
  constructor(readonly g: GraphBuilder) {}

  /** Runs `fn` with every node it makes tagged as part of model layer `layer`. */
  layer<T>(layer: string, fn: () => T): T { return this.g.within({ layer }, fn); }

  abstract conv(x: Tensor, c: ConvLayer): Tensor;

  /** Two convs, the activation after the first and the residual add after the second. */
  ffn(x: Tensor, f: FfnLayer): Tensor {
    const h = this.conv(x, { ...f.fc1, pre: f.pre, post: [f.act] });
    return this.conv(h, { ...f.fc2, post: [{ kind: 'add', module: f.residual, residual: x }] });
  }

  abstract squeezeExcite(x: Tensor, s: SqueezeExciteLayer): Tensor;
  abstract windowAttention(x: Tensor, a: WindowAttentionLayer): Tensor;
  abstract patchEmbed(x: Tensor, p: PatchEmbedLayer): Tensor;
  abstract sparseAttention(x: Tensor, a: SparseAttentionLayer): Tensor;
  abstract classifier(x: Tensor, c: ClassifierLayer): Tensor;
  abstract shiftedWindowAttention(x: Tensor, a: ShiftedWindowAttentionLayer): Tensor;

  /**
   * Swin's PatchMerging cat, as eager runs it in both schedules: the 2×2 sub-grids x0 = [0::2, 0::2],
   * x1 = [1::2, 0::2], x2 = [0::2, 1::2], x3 = [1::2, 1::2] of a [B, C, H, W] map as the 4C channels
   * of a [B, 4C, H/2, W/2] map (one strided copy).
   */
  patchMerge(x: Tensor, module: string): Tensor {
    const g = this.g, [B, C, H, W] = x.shape;
    if (H % 2 || W % 2) throw new Error(`${module}: a ${H}×${W} map does not merge 2×2`);
    const y = g.tensor(`${module}.cat`, [B, 4 * C, H / 2, W / 2]);
    const xv = viewOf(x), yv = viewOf(y);
    // dims (b, w-offset, h-offset, c, i, j): channel block k = 2·w-offset + h-offset.
    const src = { ...xv, shape: [B, 2, 2, C, H / 2, W / 2], strides: [xv.strides[0], 1, W, xv.strides[1], 2 * W, 2] };
    const dst = { ...yv, shape: [B, 2, 2, C, H / 2, W / 2], strides: [yv.strides[0], 2 * C * yv.strides[1], C * yv.strides[1], yv.strides[1], W / 2, 1] };
    g.within({ module, ops: ['cat'] }, () => copy(g, `${module}.cat`, src, { out: dst }));
    return y;
  }

  /** As eager runs it in both schedules: the cat (here the patches, zero-padded by the class token's slot) and the add. */
  classToken(x: Tensor, l: ClassTokenLayer): Tensor {
    const g = this.g, [B, C, H, W] = x.shape, N = H * W, T = N + 1;
    if (l.cls.length !== C || l.pos.length !== T * C) throw new Error(`class token: cls_token has ${l.cls.length} values and pos_embed ${l.pos.length}; ${C} channels and ${T} tokens need ${C} and ${T * C}`);
    const cat = g.tensor('embed.cat', [B, C, 1, T]);
    g.within({ module: l.module, ops: ['cat'] }, () => copy(g, 'embed.cat', flattenPlanes(x), { out: flattenPlanes(cat), shape: [B, C, T] }));
    // pos_embed as a [C, T] table in the token order used here, cls_token added at its token.
    const table = new Float32Array(C * T);
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < N; t++) table[c * T + t] = l.pos[(t + 1) * C + c];
      table[c * T + N] = l.cls[c] + l.pos[c];
    }
    const pos = { weight: g.weight('embed.pos_embed', table), offset: 0, shape: [1, C, 1, T], strides: [0, T, 0, 1] };
    return g.within({ module: l.module, ops: ['add'] }, () => binary(g, 'embed.pos', viewOf(cat), 'add', pos).tensor);
  }

  /** The embedding [B, C] of a map, as eager runs it in both schedules (a norm over the map, then its mean: a small part of a backbone's time). */
  embedding(x: Tensor, e: EmbeddingLayer): Tensor {
    const g = this.g;
    const t = e.preBN ? emitBatchNorm(g, x, e.preBN) : e.preLN ? emitPre(g, x, { kind: 'ln', ln: e.preLN }) : x;
    return g.within({ module: e.poolModule ?? '', ops: ['mean'] }, () => meanHW(g, 'embedding', t)).tensor;
  }

  /** ViT's embedding [B, C]: the class token's row after the final LayerNorm (x[:, 0] of norm(x)). */
  classTokenEmbedding(x: Tensor, norm: LayerNorm): Tensor {
    const g = this.g, [B, C, , T] = x.shape;
    const row = output(g, 'embedding', [B, 1, C]);
    g.within({ module: norm.module, ops: ['native_layer_norm'] }, () => layerNorm(g, norm.module, slice(tokenView(x), 1, T - 1, 1), norm.gamma, norm.beta, norm.eps, row));
    return row.tensor;
  }

  /**
   * ViT's tokens [B, C, 1, N + 1] (class token last) as the patch map [B, C, H, W] and the class
   * token [B, C]: two copies, so that each output has the layout every map has.
   */
  splitTokens(x: Tensor, module: string, H: number, W: number): { map: Tensor; cls: Tensor } {
    const g = this.g, [B, C, , T] = x.shape, ps = x.planeStride;
    if (H * W !== T - 1) throw new Error(`${module}: ${T - 1} patch tokens are not a ${H}×${W} map`);
    return g.within({ module, ops: ['clone'], category: 'copy' }, () => ({
      map: copy(g, `${module}.map`, { tensor: x, offset: 0, shape: [B, C, H, W], strides: [C * ps, ps, W, 1] }).tensor,
      cls: copy(g, `${module}.cls`, { tensor: x, offset: T - 1, shape: [B, C], strides: [C * ps, ps] }).tensor,
    }));
  }

  /** LayerNorm over every token (token-major, as eager writes it), then the class token's row through the head. */
  tokenClassifier(x: Tensor, c: TokenClassifierLayer): Tensor {
    const g = this.g, [B, , , T] = x.shape;
    const rows = output(g, `${c.norm.module}.out`, [B, T, x.shape[1]]);
    g.within({ module: c.norm.module, ops: ['native_layer_norm'] }, () => layerNorm(g, c.norm.module, tokenView(x), c.norm.gamma, c.norm.beta, c.norm.eps, rows));
    return classTokenHead(g, slice(rows, 1, T - 1, 1), c.head);
  }
}

/** [B, C, 1, T] tokens as a [B, T, C] view. */
export const tokenView = (t: Tensor): View => permute(flattenPlanes(t), [0, 2, 1]);

/** head(row): a [B, 1, C] view of the class token's normalised row through the Linear → [B, classes]. */
export function classTokenHead(g: GraphBuilder, row: View, head: Linear): Tensor {
  const [B, , C] = row.shape, O = head.bias.length;
  const a = { ...row, shape: [B, C], strides: [row.strides[0], row.strides[2]] };
  const w = { weight: g.weight(`${head.module}.weight`, head.weight), offset: 0, shape: [C, O], strides: [1, C] };
  return g.within({ module: head.module, ops: ['addmm'] }, () => matmul(g, head.module, a, w, { bias: { data: head.bias, along: 'n' } })).tensor;
}

/** The aten op each pre/post op runs as. */
export const preOp = (p: Pre): string => ({ bn: 'native_batch_norm', ln: 'native_layer_norm', relu: 'relu', gate: 'mul' })[p.kind];
export const postOp = (p: Post): string => p.kind;
export const preModule = (p: Pre): string => (p.kind === 'bn' ? p.bn.module : p.kind === 'ln' ? p.ln.module : p.module);
