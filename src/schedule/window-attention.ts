// EfficientViT's Residual(LocalWindowAttention) as PyTorch eager runs upstream's forward, one dispatch
// per op, and the proj layer both schedules share.
//   [pad] → partition (clone) → bias gather (index) → per head: [+ previous head's output] → qkv conv
//   → BN → dw conv on q → BN → q·kᵀ (bmm) → ·scale → + bias → softmax → v·attnᵀ (bmm) → cat →
//   ReLU → proj conv → BN → un-partition (clone) → [crop (clone)] → + x
// The partition and un-partition are genuine permuting copies (windows ↔ image); each head's output
// is written into its channels of one buffer, which `cat` then copies, as eager copies the heads.
import type { GraphBuilder } from '../graph/builder.ts';
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import { binary, unary } from '../ops/elementwise.ts';
import { copy, gather } from '../ops/copy.ts';
import { dwconv } from '../ops/dwconv.ts';
import { matmul } from '../ops/matmul.ts';
import { softmax } from '../ops/softmax.ts';
import { flattenPlanes, permute, slice, split } from '../ops/views.ts';
import { as, emitBatchNorm } from './eager.ts';
import type { ConvLayer, Schedule, WindowAttentionLayer } from './layers.ts';

/** EfficientViT's BatchNorms all use PyTorch's default eps. */
export const BN_EPS = 1e-5;

/** ReLU → proj Conv2d_BN (the attention's `proj` Sequential), without the residual. */
export function windowProj(a: WindowAttentionLayer): ConvLayer {
  return { ...a.proj, pre: [{ kind: 'relu', module: `${a.module}.m.attn.proj.0` }] };
}

export function windowAttentionEager(s: Schedule, x: Tensor, a: WindowAttentionLayer): Tensor {
  const g: GraphBuilder = s.g;
  const m = `${a.module}.m`, attn = `${m}.attn`;
  const [B, C, H, W] = x.shape;
  const r = a.window, heads = a.qkv.length, d = C / heads, kd = a.keyDim, Q = 2 * kd + d, N = r * r;
  const windowed = H > r || W > r;
  const nH = Math.ceil(H / r), nW = Math.ceil(W / r), pH = nH * r, pW = nW * r, padded = pH !== H || pW !== W;
  const Bw = windowed ? B * nH * nW : B;
  if (!windowed && (H !== r || W !== r)) throw new Error(`${attn}: a ${H}×${W} map with ${r}×${r} attention biases`);

  // Window partition: [B, C, pH, pW] → [B·nH·nW, C, r, r].
  let xin = x;
  if (windowed) {
    const src = padded ? as(g, m, 'constant_pad_nd', () => copy(g, `${m}.pad`, viewOf(x), { shape: [B, C, pH, pW] }).tensor) : x;
    const win = g.tensor(`${m}.windows`, [Bw, C, r, r]);
    const parts = permute(split(split(viewOf(src), 3, nW), 2, nH), [0, 2, 4, 1, 3, 5]); // [B, nH, nW, C, r, r]
    as(g, m, 'clone', () => copy(g, `${m}.partition`, parts, { out: split(split(viewOf(win), 0, B), 1, nH) }));
    xin = win;
  }
  const ab = as(g, attn, 'index', () => gather(g, `${attn}.ab`, a.biases, heads, a.biasIdxs));
  const feats = g.tensor(`${attn}.feats`, [Bw, C, r, r]);
  const headOut = (i: number) => slice(viewOf(feats), 1, i * d, d);
  for (let i = 0; i < heads; i++) {
    const h = `${attn}.qkvs.${i}`, dw = `${attn}.dws.${i}`;
    let feat: View = slice(viewOf(xin), 1, i * d, d);
    if (i > 0) feat = as(g, attn, 'add', () => binary(g, `${attn}.feat${i}`, headOut(i - 1), 'add', feat));
    const qkvRaw = g.tensor(`${h}.c`, [Bw, Q, r, r]);
    const { conv: qc, bn: qbn } = a.qkv[i], { conv: dc, bn: dbn } = a.dw[i];
    const w = { weight: g.weight(`${h}.c.weight`, qc.weight), offset: 0, shape: [Q, d], strides: [d, 1] };
    as(g, `${h}.c`, 'convolution', () => matmul(g, `${h}.c`, w, flattenPlanes(feat), { out: flattenPlanes(qkvRaw), bias: qc.bias ? { data: qc.bias, along: 'm' } : undefined }));
    const qkv = qbn ? emitBatchNorm(g, qkvRaw, qbn) : qkvRaw;
    const q0 = as(g, `${dw}.c`, 'convolution', () => dwconv(g, `${dw}.c`, qkv, dc.weight, dc.bias ?? new Float32Array(kd), { k: dc.k, channels: [0, kd] }));
    const q = flattenPlanes(dbn ? emitBatchNorm(g, q0, dbn) : q0);
    const qkvPlanes = flattenPlanes(qkv);
    const kv = slice(qkvPlanes, 1, kd, kd), v = slice(qkvPlanes, 1, 2 * kd, d);
    const scores = as(g, attn, 'bmm', () => matmul(g, `${attn}.scores${i}`, permute(q, [0, 2, 1]), kv));
    const scaled = as(g, attn, 'mul', () => unary(g, `${attn}.scale${i}`, scores, 'scale', { alpha: kd ** -0.5 }));
    const abi: View = { ...ab, offset: ab.offset + i * ab.strides[0], shape: [N, N], strides: [N, 1] };
    const biased = as(g, attn, 'add', () => binary(g, `${attn}.biased${i}`, scaled, 'add', abi));
    const p = as(g, attn, '_softmax', () => softmax(g, `${attn}.softmax${i}`, biased));
    as(g, attn, 'bmm', () => matmul(g, `${attn}.out${i}`, v, permute(p, [0, 2, 1]), { out: flattenPlanes(headOut(i)) }));
  }
  const cat = as(g, attn, 'cat', () => copy(g, `${attn}.cat`, viewOf(feats)).tensor);
  let y = s.conv(cat, windowProj(a));
  if (windowed) {
    // [B·nH·nW, C, r, r] → [B, C, pH, pW], then the crop of the padding.
    const full = g.tensor(`${m}.unpartition`, [B, C, pH, pW]);
    const wins = permute(split(split(viewOf(y), 0, B), 1, nH), [0, 3, 1, 4, 2, 5]); // [B, C, nH, r, nW, r]
    as(g, m, 'clone', () => copy(g, `${m}.unpartition`, wins, { out: split(split(viewOf(full), 3, nW), 2, nH) }));
    y = padded ? g.within({ module: m, ops: ['clone'], category: 'copy' }, () => copy(g, `${m}.crop`, slice(slice(viewOf(full), 2, 0, H), 3, 0, W)).tensor) : full;
  }
  return as(g, a.module, 'add', () => binary(g, `${a.module}.add`, viewOf(x), 'add', viewOf(y)).tensor);
}
