// The unfused schedule: one dispatch per op that PyTorch eager runs in upstream's forward — every
// conv, BatchNorm (not folded), LayerNorm, activation, residual add, bias add, softmax, and the
// reshape/permute/pad/cat copies — so the profiler can show what fusion removes. The convolutions
// and linears run on the same kernels as the fused schedule (with no epilogue), so the two
// schedules differ only in what fusion changes. Op order and module names follow upstream's
// eager trace (test/fixtures/eager-ops).
import { viewOf, type Tensor, type View } from '../graph/ir.ts';
import { binary, unary } from '../ops/elementwise.ts';
import { copy } from '../ops/copy.ts';
import { layerNorm } from '../ops/layer-norm.ts';
import { matmul } from '../ops/matmul.ts';
import { meanHW } from '../ops/mean.ts';
import { softmax } from '../ops/softmax.ts';
import { convTransposeDepthwise } from '../ops/conv-transpose.ts';
import { flattenPlanes, output, permute, slice, split } from '../ops/views.ts';
import { as, emitBatchNorm, emitConv, emitPost, emitPre, tokens } from './eager.ts';
import { windowAttentionEager } from './window-attention.ts';
import {
  Schedule, type ClassifierLayer, type ConvLayer, type PatchEmbedLayer, type SparseAttentionLayer, type SqueezeExciteLayer, type WindowAttentionLayer,
} from './layers.ts';

export class UnfusedSchedule extends Schedule {
  conv(x: Tensor, c: ConvLayer): Tensor {
    let t = (c.pre ?? []).reduce((a, p) => emitPre(this.g, a, p), x);
    t = emitConv(this.g, t, c);
    if (c.bn) t = emitBatchNorm(this.g, t, c.bn);
    return (c.post ?? []).reduce((a, p) => emitPost(this.g, a, p), t);
  }

  /** mean → fc1 → ReLU (relu_: in place in eager, a new tensor here) → fc2 → sigmoid: the gate [B, C]; the product is the next conv's pre-op. */
  squeezeExcite(x: Tensor, s: SqueezeExciteLayer): Tensor {
    const g = this.g, [, C] = x.shape, R = s.reduced;
    const m = as(g, s.module, 'mean', () => meanHW(g, `${s.module}.mean`, x));
    // A 1×1 conv on a [B, C, 1, 1] map is m · Wᵀ (+ bias): W [out, in] read transposed.
    const fc = (name: string, v: View, w: Float32Array, b: Float32Array, inC: number, outC: number) =>
      as(g, name, 'convolution', () => matmul(g, name, v, { weight: g.weight(`${name}.weight`, w), offset: 0, shape: [inC, outC], strides: [1, inC] }, { bias: { data: b, along: 'n' } }));
    const h = fc(`${s.module}.fc1`, m, s.fc1.weight, s.fc1.bias, C, R);
    const hr = as(g, `${s.module}.act`, 'relu_', () => unary(g, `${s.module}.act`, h, 'relu'));
    const z = fc(`${s.module}.fc2`, hr, s.fc2.weight, s.fc2.bias, R, C);
    return as(g, `${s.module}.gate`, 'sigmoid', () => unary(g, `${s.module}.gate`, z, 'sigmoid').tensor);
  }

  windowAttention(x: Tensor, a: WindowAttentionLayer): Tensor {
    return windowAttentionEager(this, x, a);
  }

  /** conv → LayerNorm over the token-major view (written token-major, as eager) → reshape/permute back (clone). */
  patchEmbed(x: Tensor, p: PatchEmbedLayer): Tensor {
    const g = this.g;
    const y = emitConv(g, x, { module: `${p.module}.proj`, conv: p.conv });
    const [B, C, H, W] = y.shape;
    const rows = output(g, `${p.ln.module}.out`, [B, H * W, C]);
    as(g, p.ln.module, 'native_layer_norm', () => layerNorm(g, p.ln.module, tokens(y), p.ln.gamma, p.ln.beta, p.ln.eps, rows));
    const out = g.tensor(p.module, [B, C, H, W]);
    as(g, p.module, 'clone', () => copy(g, `${p.module}.clone`, permute(rows, [0, 2, 1]), { out: flattenPlanes(out) }));
    return out;
  }

  sparseAttention(x: Tensor, a: SparseAttentionLayer): Tensor {
    const g = this.g, at = `${a.module}.attn`;
    const [B, C, H, W] = x.shape, sr = a.sr, h = H / sr, w = W / sr, d = C / a.heads;
    const n1 = emitPre(g, x, { kind: 'ln', ln: a.norm1 });
    let src = n1;
    if (sr > 1) {
      // AvgPool2d(kernel 1, stride sr): every sr-th pixel.
      const v = viewOf(n1);
      src = as(g, `${at}.sampler`, 'avg_pool2d', () => copy(g, `${at}.sampler`, { ...v, shape: [B, C, h, w], strides: [v.strides[0], v.strides[1], sr * W, sr] }).tensor);
    }
    const qkv = emitConv(g, src, { module: a.qkv.module, conv: linear(a.qkv.weight, a.qkv.bias, C, 3 * C), eager: sr > 1 ? 'bmm' : 'addmm' });
    // q, k, v of head j: channels s·C + j·d … of the qkv map, as [B, heads, N, d] views.
    const part = (s: number): View => permute(split(slice(flattenPlanes(qkv), 1, s * C, C), 1, a.heads), [0, 1, 3, 2]);
    const scores = as(g, at, 'bmm', () => matmul(g, `${at}.scores`, part(0), permute(part(1), [0, 1, 3, 2])));
    const scaled = as(g, at, 'mul', () => unary(g, `${at}.scale`, scores, 'scale', { alpha: d ** -0.5 }));
    const p = as(g, at, '_softmax', () => softmax(g, `${at}.softmax`, scaled));
    // attn · v → [B, heads, N, d]; with one head the transpose/reshape back is a view (no copy), so
    // the product is written straight into the [B, C, h, w] map; with several, eager copies (clone).
    const o = g.tensor(`${at}.out`, [B, C, h, w]);
    const asMap = permute(split(flattenPlanes(o), 1, a.heads), [0, 1, 3, 2]); // [B, heads, N, d] view of o
    if (a.heads === 1) as(g, at, 'bmm', () => matmul(g, `${at}.pv`, p, part(2), { out: asMap }));
    else {
      const pv = as(g, at, 'bmm', () => matmul(g, `${at}.pv`, p, part(2)));
      as(g, at, 'clone', () => copy(g, `${at}.merge`, pv, { out: asMap }));
    }
    let t = o;
    if (a.localProp && a.norm) {
      t = as(g, `${at}.LocalProp`, 'convolution', () => convTransposeDepthwise(g, `${at}.LocalProp`, viewOf(o), a.localProp!.weight, a.localProp!.bias, sr));
      t = emitPre(g, t, { kind: 'ln', ln: a.norm });
    }
    const pr = emitConv(g, t, { module: a.proj.module, conv: linear(a.proj.weight, a.proj.bias, C, C), eager: 'addmm' });
    return emitPost(g, pr, { kind: 'add', module: a.module, residual: x });
  }

  /** [BN] → mean → [BN] → linear, per head; with a distillation head the two are averaged (add, div). */
  classifier(x: Tensor, c: ClassifierLayer): Tensor {
    const g = this.g, C = x.shape[1];
    const t = c.preBN ? emitBatchNorm(g, x, c.preBN) : x;
    const m = as(g, '', 'mean', () => meanHW(g, 'mean', t));
    const head = (h: NonNullable<ClassifierLayer['dist']>): View => {
      const f = h.bn ? viewOf(emitBatchNorm(g, m.tensor, h.bn)) : m;
      const O = h.linear.bias.length;
      const w = { weight: g.weight(`${h.linear.module}.weight`, h.linear.weight), offset: 0, shape: [C, O], strides: [1, C] };
      return as(g, h.linear.module, 'addmm', () => matmul(g, h.linear.module, f, w, { bias: { data: h.linear.bias, along: 'n' } }));
    };
    const y = head(c.head);
    if (!c.dist) return y.tensor;
    const sum = as(g, '', 'add', () => binary(g, 'head.sum', y, 'add', head(c.dist!)));
    return as(g, '', 'div', () => unary(g, 'head.avg', sum, 'scale', { alpha: 0.5 }).tensor);
  }
}

/** A Linear's [out, in] weight as a 1×1 conv. */
const linear = (weight: Float32Array, bias: Float32Array, cin: number, cout: number) => ({ weight, bias, cin, cout, k: 1, stride: 1, pad: 0, groups: 1 });
