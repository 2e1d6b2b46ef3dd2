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
import { gather } from '../ops/copy.ts';
import { roll } from '../ops/roll.ts';
import { relativePositionIndex, shiftedWindowMask } from '../models/swin-tables.ts';
import {
  Schedule, type ClassifierLayer, type ConvLayer, type PatchEmbedLayer, type ShiftedWindowAttentionLayer, type SparseAttentionLayer, type SqueezeExciteLayer, type WindowAttentionLayer,
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

  shiftedWindowAttention(x: Tensor, a: ShiftedWindowAttentionLayer): Tensor {
    return shiftedWindowAttentionEager(this, x, a);
  }

  /** conv → LayerNorm over the token-major view (written token-major, as eager) → reshape/permute back (clone). */
  patchEmbed(x: Tensor, p: PatchEmbedLayer): Tensor {
    const g = this.g;
    const y = emitConv(g, x, { module: `${p.module}.proj`, conv: p.conv });
    if (p.relayout === false) return emitPre(g, y, { kind: 'ln', ln: p.ln }); // the tokens stay tokens: the LayerNorm reads and writes them in place of the map
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
    const t = c.preBN ? emitBatchNorm(g, x, c.preBN) : c.preLN ? emitPre(g, x, { kind: 'ln', ln: c.preLN }) : x;
    const m = as(g, c.poolModule ?? '', 'mean', () => meanHW(g, 'mean', t));
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

/**
 * Swin's block's attention half, op for op as eager runs it: LayerNorm, roll, window partition (clone),
 * qkv, q·scale, the clones bmm needs when there are several windows, q·kᵀ, the bias gather and its
 * clone, + bias, + mask, softmax, ·v, head merge, proj, window reverse, roll back, + x.
 */
export function shiftedWindowAttentionEager(s: Schedule, x: Tensor, a: ShiftedWindowAttentionLayer): Tensor {
  const g = s.g, at = `${a.module}.attn`;
  const [B, C, H, W] = x.shape, ws = a.window, N = ws * ws, d = C / a.heads;
  const nWh = H / ws, nWw = W / ws, nW = nWh * nWw, Bw = B * nW;
  let t = emitPre(g, x, { kind: 'ln', ln: a.norm1 });
  if (a.shift) t = as(g, a.module, 'roll', () => roll(g, `${a.module}.roll`, t, -a.shift));
  // [B, C, H, W] ↔ [B·nW, C, ws, ws] windows: dims (b, wy, wx, c, i, j) of each.
  const windowed = (v: View) => ({ ...v, shape: [B, nWh, nWw, C, ws, ws], strides: [v.strides[0], ws * W, ws, v.strides[1], W, 1] });
  const windows = (v: View) => ({ ...v, shape: [B, nWh, nWw, C, ws, ws], strides: [nW * v.strides[0], nWw * v.strides[0], v.strides[0], v.strides[1], ws, 1] });
  let win = t;
  if (nW > 1) {
    win = g.tensor(`${a.module}.windows`, [Bw, C, ws, ws]);
    as(g, a.module, 'clone', () => copy(g, `${a.module}.partition`, windowed(viewOf(t)), { out: windows(viewOf(win)) }));
  }
  const qkv = emitConv(g, win, { module: a.qkv.module, conv: linear(a.qkv.weight, a.qkv.bias, C, 3 * C), eager: 'addmm' });
  const part = (k: number): View => permute(split(slice(flattenPlanes(qkv), 1, k * C, C), 1, a.heads), [0, 1, 3, 2]);
  // Several windows (or images): bmm's reshape cannot view q, kᵀ, v, so eager copies them.
  const contiguous = (v: View, what: string) => (Bw > 1 ? as(g, at, 'clone', () => copy(g, `${at}.${what}`, v)) : v);
  const q = contiguous(as(g, at, 'mul', () => unary(g, `${at}.scale`, part(0), 'scale', { alpha: d ** -0.5 })), 'q');
  const kT = contiguous(permute(part(1), [0, 1, 3, 2]), 'kT');
  let scores = as(g, at, 'bmm', () => matmul(g, `${at}.scores`, q, kT));
  // relative_position_bias_table[index] → [N, N, heads] → permute(2, 0, 1).contiguous(): the gather of the transposed table is already head-major.
  const tableT = new Float32Array(a.table.length);
  for (let i = 0; i < a.table.length / a.heads; i++) for (let h = 0; h < a.heads; h++) tableT[h * (a.table.length / a.heads) + i] = a.table[i * a.heads + h];
  const gathered = as(g, at, 'index', () => gather(g, `${at}.bias`, tableT, a.heads, relativePositionIndex(ws)));
  const bias = as(g, at, 'clone', () => copy(g, `${at}.bias.contiguous`, { ...gathered, shape: [a.heads, N, N], strides: [gathered.strides[0], N, 1] }));
  scores = as(g, at, 'add', () => binary(g, `${at}.add_bias`, scores, 'add', bias));
  if (a.shift) {
    const mask = { weight: g.weight(`${at}.attn_mask`, shiftedWindowMask(H, W, ws, a.shift)), offset: 0, shape: [1, nW, 1, N * N], strides: [0, N * N, 0, 1] };
    const s5 = { ...scores, shape: [B, nW, a.heads, N * N], strides: [nW * scores.strides[0], scores.strides[0], scores.strides[1], 1] };
    const masked = as(g, at, 'add', () => binary(g, `${at}.add_mask`, s5, 'add', mask));
    scores = { ...masked, shape: [Bw, a.heads, N, N], strides: [masked.strides[1], masked.strides[2], N, 1] };
  }
  const p = as(g, at, '_softmax', () => softmax(g, `${at}.softmax`, scores));
  const pv = as(g, at, 'bmm', () => matmul(g, `${at}.pv`, p, contiguous(part(2), 'v')));
  const o = g.tensor(`${at}.out`, [Bw, C, ws, ws]);
  as(g, at, 'clone', () => copy(g, `${at}.merge`, pv, { out: permute(split(flattenPlanes(o), 1, a.heads), [0, 1, 3, 2]) }));
  let r = emitConv(g, o, { module: a.proj.module, conv: linear(a.proj.weight, a.proj.bias, C, C), eager: 'addmm' });
  if (nW > 1) {
    const back = g.tensor(`${a.module}.reversed`, [B, C, H, W]);
    const src = r;
    as(g, a.module, 'clone', () => copy(g, `${a.module}.reverse`, windows(viewOf(src)), { out: windowed(viewOf(back)) }));
    r = back;
  }
  if (a.shift) { const rolled = r; r = as(g, a.module, 'roll', () => roll(g, `${a.module}.roll_back`, rolled, a.shift)); }
  return emitPost(g, r, { kind: 'add', module: a.module, residual: x });
}

/** A Linear's [out, in] weight as a 1×1 conv. */
const linear = (weight: Float32Array, bias: Float32Array, cin: number, cout: number) => ({ weight, bias, cin, cout, k: 1, stride: 1, pad: 0, groups: 1 });
