// One dispatch per PyTorch eager op: the pieces of a ConvLayer as separate kernels. The unfused
// schedule is built from these; the fused schedule uses them for whatever a fused kernel cannot take.
// Every feature map is stored NCHW; ops that eager runs on token-major views ([B, N, C]) read the
// NCHW map through a strided view, so no layout copy is added that eager does not make.
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import { batchNorm, binary, unary } from '../ops/elementwise.ts';
import { layerNorm } from '../ops/layer-norm.ts';
import { pointwise } from '../ops/pointwise.ts';
import { dwconv } from '../ops/dwconv.ts';
import { conv2d } from '../ops/conv2d.ts';
import { patchEmbed } from '../ops/patch-embed.ts';
import { flattenPlanes, permute } from '../ops/views.ts';
import { preModule, type BatchNorm, type ConvLayer, type Post, type Pre } from './layers.ts';

/** Runs `fn` as eager op `op` of `module` (one node). */
export const as = <T>(g: GraphBuilder, module: string, op: string, fn: () => T): T => g.within({ module, ops: [op] }, fn);

/** [B, C, H, W] as [B, H·W, C] tokens (`x.flatten(2).transpose(1, 2)`), a view. */
export const tokens = (t: Tensor): View => permute(flattenPlanes(t), [0, 2, 1]);

/** A map-shaped result of an element-wise op on `x`. */
const mapOut = (g: GraphBuilder, name: string, x: Tensor): Tensor => g.tensor(name, x.shape);

export function emitPre(g: GraphBuilder, x: Tensor, p: Pre): Tensor {
  const m = preModule(p);
  if (p.kind === 'bn') return emitBatchNorm(g, x, p.bn);
  if (p.kind === 'ln') {
    const y = mapOut(g, p.ln.module, x);
    as(g, m, 'native_layer_norm', () => layerNorm(g, m, tokens(x), p.ln.gamma, p.ln.beta, p.ln.eps, tokens(y)));
    return y;
  }
  if (p.kind === 'relu') return as(g, m, 'relu', () => unary(g, m, viewOf(x), 'relu').tensor);
  // x · gate: the [B, C] gate broadcast over each plane (`x * s` with s [B, C, 1, 1]).
  const [B, C] = x.shape, s = viewOf(p.gate);
  return as(g, m, 'mul', () => binary(g, `${m}.mul`, viewOf(x), 'mul', { ...s, shape: [B, C, 1, 1], strides: [s.strides[0], 1, 0, 0] }).tensor);
}

export function emitPost(g: GraphBuilder, y: Tensor, p: Post): Tensor {
  if (p.kind === 'add') return as(g, p.module, 'add', () => binary(g, `${p.module}.add`, viewOf(p.residual), 'add', viewOf(y)).tensor);
  return as(g, p.module, p.kind, () => unary(g, p.module, viewOf(y), p.kind).tensor);
}

export function emitBatchNorm(g: GraphBuilder, x: Tensor, bn: BatchNorm): Tensor {
  return as(g, bn.module, 'native_batch_norm', () => batchNorm(g, bn.module, viewOf(x), bn.params, bn.eps).tensor);
}

/** The conv (or linear) alone, on the fused kernels with no epilogue: the same kernels the fused schedule runs. */
export function emitConv(g: GraphBuilder, x: Tensor, c: ConvLayer): Tensor {
  const { conv, module } = c;
  const zeros = new Float32Array(conv.cout);
  const kind = c.eager ?? 'convolution'; // 'mm': a Linear without a bias, on contiguous tokens
  if (kind === 'bmm') {
    // A Linear on a non-contiguous token view: bmm without the bias, then the bias added over the tokens.
    const y = as(g, module, 'bmm', () => pointwise(g, `${module}.bmm`, x, conv.weight, zeros, conv.cout));
    if (!conv.bias) return y;
    const bias = { weight: g.weight(`${module}.bias`, conv.bias), offset: 0, shape: [conv.cout, 1, 1], strides: [1, 0, 0] };
    return as(g, module, 'add', () => binary(g, `${module}.add`, viewOf(y), 'add', bias).tensor);
  }
  return as(g, module, kind, () => convKernel(g, module, x, conv.weight, conv.bias ?? zeros, c));
}

/** What a fused conv kernel does around the product (pointwise takes all of it; dwconv ReLU and its own residual; conv2d ReLU). */
export interface Epilogue {
  reluIn?: boolean; scale?: Tensor; ln?: { gamma: Float32Array; beta: Float32Array; eps: number };
  /** subtracted from each input channel after ReLU and the gate (a BatchNorm's running mean, FusedSchedule.fold) */
  shift?: Float32Array;
  reluOut?: boolean; geluOut?: boolean; residual?: Tensor;
}

/** The fused kernel for a conv of this shape: pointwise (1×1), dwconv (depthwise) or conv2d (dense), with the given epilogue. */
export function convKernel(g: GraphBuilder, name: string, x: Tensor, weight: Float32Array, bias: Float32Array, c: Pick<ConvLayer, 'conv'>, epi: Epilogue = {}): Tensor {
  const { conv } = c;
  if (isPointwise(c)) return pointwise(g, name, x, weight, bias, conv.cout, epi);
  if (epi.shift) throw new Error(`${name}: only 1×1 convolutions take an input shift`);
  if (isDepthwise(c)) return dwconv(g, name, x, weight, bias, { k: conv.k, stride: conv.stride, pad: conv.pad, relu: epi.reluOut, residual: !!epi.residual });
  if (conv.groups !== 1) throw new Error(`${name}: grouped convolutions (groups ${conv.groups}) other than depthwise are not supported`);
  // Non-overlapping patches (kernel = stride, no padding): the patch-embedding kernel without its LayerNorm.
  if (conv.k === conv.stride && conv.pad === 0 && !epi.reluOut) return patchEmbed(g, name, x, weight, bias, conv.k, null);
  return conv2d(g, name, x, weight, bias, { cout: conv.cout, k: conv.k, stride: conv.stride, pad: conv.pad, relu: epi.reluOut });
}

export const isPointwise = (c: Pick<ConvLayer, 'conv'>) => c.conv.k === 1 && c.conv.groups === 1 && c.conv.stride === 1 && c.conv.pad === 0;
export const isDepthwise = (c: Pick<ConvLayer, 'conv'>) => c.conv.groups > 1 && c.conv.groups === c.conv.cin && c.conv.groups === c.conv.cout;
