// EfficientViT's LocalWindowAttention up to the concatenated heads: two cascaded_attention.wgsl
// dispatches per head (qkv, then dw + softmax + Σ p·v; the cascade makes heads sequential), the
// window partition, padding and crop done by indexing. Returns `cat` [B, C, H, W] in image layout;
// ReLU → proj → + x is one pointwise dispatch after it (the schedule's conv layer).
import type { GraphBuilder } from '../graph/builder.ts';
import { commonModule, type Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';

export interface CascadedAttentionWeights {
  keyDim: number;
  /** per head: qkv 1×1 conv [2·keyDim + d, d] and bias, BN folded */
  qkv: { weight: Float32Array; bias: Float32Array }[];
  /** per head: depthwise conv on q [keyDim, 1, k, k] and bias, BN folded */
  dw: { weight: Float32Array; bias: Float32Array; k: number }[];
  /** [heads, r·r]: bias per (|Δrow|, |Δcol|) offset, offset index = |Δrow|·r + |Δcol| */
  biases: Float32Array;
}

const MAX_N = 49, MAX_D = 128, KEY_DIM = 16;

export function cascadedAttention(g: GraphBuilder, name: string, x: Tensor, w: CascadedAttentionWeights, r: number): Tensor {
  const [B, C, H, W] = x.shape;
  const heads = w.qkv.length;
  const d = C / heads;
  if (!Number.isInteger(d)) throw new Error(`${name}: ${C} channels do not split into ${heads} heads`);
  if (w.keyDim !== KEY_DIM) throw new Error(`${name}: key_dim ${w.keyDim} is not supported (kernels are written for ${KEY_DIM})`);
  if (r * r > MAX_N || d > MAX_D) throw new Error(`${name}: window ${r}×${r} or head dim ${d} exceeds the kernel's limits (${MAX_N} tokens, d ≤ ${MAX_D})`);
  if (H <= r && W <= r && (H !== r || W !== r)) {
    throw new Error(`${name}: the attention biases fit a ${r}×${r} window but this map is ${H}×${W}; use the input resolution the checkpoint was made for`);
  }
  expectLength(name, 'attention_biases', w.biases, heads * r * r);
  const winY = Math.ceil(H / r), winX = Math.ceil(W / r), N = r * r;
  // Few invocations per workgroup on a CPU adapter, so that even a map that is one window gives every worker work.
  const WG = g.tuning.cascadedAttention.wg;
  const QS = Math.ceil((2 * KEY_DIM + d) / 16) * 16;
  const cat = g.tensor(`${name}.cat`, [B, C, H, W]);
  const windowed = H > r || W > r, padded = H % r !== 0 || W % r !== 0;
  const scratch = g.tensor(`${name}.qkv`, [B * winY * winX, N * QS]);
  let prev: Tensor | null = null;
  for (let i = 0; i < heads; i++) {
    const { weight: wq, bias: bq } = w.qkv[i];
    expectLength(`${name}.qkvs.${i}`, 'weight', wq, (2 * KEY_DIM + d) * d);
    const { weight: wd, bias: bd, k } = w.dw[i];
    expectLength(`${name}.dws.${i}`, 'weight', wd, KEY_DIM * k * k);
    // Transpose so one token's 16 consecutive outputs (or 16 q channels of one tap) are 4 vec4.
    const wqT = new Float32Array(d * QS);
    for (let j = 0; j < 2 * KEY_DIM + d; j++) for (let c = 0; c < d; c++) wqT[c * QS + j] = wq[j * d + c];
    // The dw conv on q is scaled by key_dim^-0.5 here, so the kernel's scores need no multiply.
    const scale = KEY_DIM ** -0.5;
    const wdT = new Float32Array(k * k * KEY_DIM);
    for (let ch = 0; ch < KEY_DIM; ch++) for (let t = 0; t < k * k; t++) wdT[t * KEY_DIM + ch] = wd[ch * k * k + t] * scale;
    const last = i === heads - 1;
    const out = last ? null : g.tensor(`${name}.head${i}`, [B * winY * winX, d, r, r]);
    const windows = B * winY * winX;
    const params = { C, H, W, PS: x.planeStride, d, chunk: i * d, r, N, winX, winY, ks: k, QS, scale };
    const prevBinding = prev ? { tensor: prev } : { empty: true as const };
    // qkv: 8 tokens × 16 outputs per invocation; attend: 4 tokens of a window row per invocation.
    const qkvCount = windows * Math.ceil(N / 8) * (QS / 16), attendCount = windows * r * Math.ceil(r / 4);
    // The window partition (and padding) is done by indexing in the first head's qkv step, the crop
    // and un-partition by indexing in every attend step's writes into `cat`.
    const layout = i === 0 ? [...(padded ? ['constant_pad_nd'] : []), ...(windowed ? ['clone'] : [])] : ['add'];
    g.node({
      name: `${name}.head${i}.qkv`,
      module: commonModule([`${name}.qkvs.${i}`, ...(i > 0 ? [name] : layout.length ? [name.slice(0, name.lastIndexOf('.'))] : [])]),
      ops: [...layout, 'convolution', 'native_batch_norm'],
      kernel: g.kernel({ file: 'cascaded_attention.wgsl', entry: 'qkv_main', overrides: { WG, HAS_PREV: prev !== null } }),
      bind: {
        x: { tensor: x }, prev: prevBinding, qkv: { tensor: scratch },
        wqkv: { weight: g.matrixWeight(`${name}.qkvs.${i}.weight`, wqT) }, bqkv: { weight: g.weight(`${name}.qkvs.${i}.bias`, bq, QS) },
      },
      params: { ...params, count: qkvCount, write_win: 0 },
      workgroups: grid1d(qkvCount, WG),
      flops: 2 * windows * N * (2 * KEY_DIM + d) * d,
      // Reads the head's input channels (pixels inside the image), the previous head's window output, the
      // transposed weights and bias; writes the window tokens' q, k, v to the scratch.
      bytesRead: 4 * (B * d * H * W + (prev ? windows * d * N : 0) + QS) + g.matrixBytes * d * QS,
      bytesWritten: 4 * windows * N * QS,
    });
    g.node({
      name: `${name}.head${i}`,
      module: name,
      ops: ['convolution', 'native_batch_norm', 'bmm', 'mul', 'add', '_softmax', 'bmm', ...(last ? ['cat', ...(windowed ? ['clone'] : []), ...(padded ? ['clone'] : [])] : [])],
      kernel: { file: 'cascaded_attention.wgsl', entry: 'attend', overrides: { WG } },
      bind: {
        wdw: { weight: g.weight(`${name}.dws.${i}.weight`, wdT) }, bdw: { weight: g.weight(`${name}.dws.${i}.bias`, bd.map((v) => v * scale)) },
        ab: { weight: g.weight(`${name}.attention_biases.${i}`, w.biases.subarray(i * N, (i + 1) * N)) },
        cat: { tensor: cat }, win: out ? { tensor: out } : { empty: true }, qkv: { tensor: scratch },
      },
      params: { ...params, count: attendCount, write_win: last ? 0 : 1 },
      workgroups: grid1d(attendCount, WG),
      flops: 2 * windows * N * (KEY_DIM * k * k + N * (KEY_DIM + d)),
      // Reads q, k, v of the window tokens, the dw taps, bias and this head's attention biases; writes the
      // head's channels of cat (pixels inside the image) and, for the next head, its window output.
      bytesRead: 4 * (windows * N * QS + k * k * KEY_DIM + KEY_DIM + N),
      bytesWritten: 4 * (B * d * H * W + (out ? windows * d * N : 0)),
    });
    prev = out;
  }
  return cat;
}
