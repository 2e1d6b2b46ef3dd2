// EfficientViT's LocalWindowAttention up to the concatenated heads: two cascaded_attention.wgsl
// dispatches per head (qkv, then dw + softmax + Σ p·v; the cascade makes heads sequential), the
// window partition, padding and crop done by indexing. Returns `cat` [B, C, H, W] in image layout;
// ReLU → proj → + x is one pointwise dispatch after it (the schedule's conv layer). The GPU family
// runs gpu/cascaded_attention.wgsl: a tiled GEMM for qkv, flash attention to attend (attention-gpu.ts).
import type { GraphBuilder } from '../graph/builder.ts';
import { commonModule, roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { FLASH, flashParallelism, flashWork } from './attention-gpu.ts';

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
  if (H <= r && W <= r && (H !== r || W !== r)) {
    throw new Error(`${name}: the attention biases fit a ${r}×${r} window but this map is ${H}×${W}; use the input resolution the checkpoint was made for`);
  }
  expectLength(name, 'attention_biases', w.biases, heads * r * r);
  const winY = Math.ceil(H / r), winX = Math.ceil(W / r), N = r * r;
  if (g.tuning.kernels === 'gpu') return cascadedAttentionGpu(g, name, x, w, r);
  if (r * r > MAX_N || d > MAX_D) throw new Error(`${name}: window ${r}×${r} or head dim ${d} exceeds the CPU family kernel's limits (${MAX_N} tokens, d ≤ ${MAX_D})`);
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
    const wqT = transposeQkv(wq, d, d, QS);
    const scale = KEY_DIM ** -0.5, wdT = dwTaps(wd, k);
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
      flops: qkvFlops(windows, N, d),
      // Reads the head's input channels (pixels inside the image), the previous head's window output, the
      // transposed weights and bias; writes the window tokens' q, k, v to the scratch.
      bytesRead: 4 * (B * d * H * W + (prev ? windows * d * N : 0) + QS) + g.matrixBytes * d * QS,
      bytesWritten: 4 * windows * N * QS,
      // 8 tokens × 16 outputs per invocation (128 floats), d FMAs each in series.
      parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 128, serialFmas: 128 * d },
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
      flops: attendFlops(windows, N, d, k),
      // Reads q, k, v of the window tokens, the dw taps, bias and this head's attention biases; writes the
      // head's channels of cat (pixels inside the image) and, for the next head, its window output.
      bytesRead: 4 * (windows * N * QS + k * k * KEY_DIM + KEY_DIM + N),
      bytesWritten: 4 * (B * d * H * W + (out ? windows * d * N : 0)),
      // 4 tokens per invocation: their q (4 × 16 floats) from k² taps, then per 16 value channels
      // 4 × 16 outputs over N keys with the 4 × 16-channel scores recomputed: 64 FMAs per key and step.
      parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 64, serialFmas: 64 * (k * k + N + 2 * N * Math.ceil(d / 16)) },
    });
    prev = out;
  }
  return cat;
}

/** w [2·KEY_DIM + d, cin] → transposed [rows, QS] (rows ≥ cin), zero padded: a token's outputs are consecutive. */
function transposeQkv(w: Float32Array, cin: number, rows: number, QS: number): Float32Array {
  const out = new Float32Array(rows * QS);
  for (let j = 0; j < w.length / cin; j++) for (let c = 0; c < cin; c++) out[c * QS + j] = w[j * cin + c];
  return out;
}

/** The dw conv on q [KEY_DIM, 1, k, k] → [k·k taps, KEY_DIM], scaled by key_dim^-0.5 so the kernels' scores need no multiply. */
function dwTaps(w: Float32Array, k: number): Float32Array {
  const out = new Float32Array(k * k * KEY_DIM), scale = KEY_DIM ** -0.5;
  for (let ch = 0; ch < KEY_DIM; ch++) for (let t = 0; t < k * k; t++) out[t * KEY_DIM + ch] = w[ch * k * k + t] * scale;
  return out;
}

const qkvFlops = (windows: number, N: number, d: number) => 2 * windows * N * (2 * KEY_DIM + d) * d;
const attendFlops = (windows: number, N: number, d: number, k: number) => 2 * windows * N * (KEY_DIM * k * k + N * (KEY_DIM + d));

/**
 * The GPU family (shaders/gpu/cascaded_attention.wgsl), per head: qkv_main, a GEMM of 32 tokens ×
 * 32 outputs per workgroup into a scratch of QS = 32 + d rounded up to 32 floats per token; attend,
 * one flash workgroup per (window, 16 queries, 64 value channels). The qkv weights are transposed to
 * [d rounded up to 16, QS] (`…@gpu`); the dw taps, biases and attention biases are the CPU family's.
 */
function cascadedAttentionGpu(g: GraphBuilder, name: string, x: Tensor, w: CascadedAttentionWeights, r: number): Tensor {
  const [B, C, H, W] = x.shape;
  const heads = w.qkv.length, d = C / heads, N = r * r;
  const winY = Math.ceil(H / r), winX = Math.ceil(W / r), windows = B * winY * winX, tokens = windows * N;
  const QS = roundUp(2 * KEY_DIM + d, 32), KS16 = roundUp(d, 16);
  const cat = g.tensor(`${name}.cat`, [B, C, H, W]);
  const windowed = H > r || W > r, padded = H % r !== 0 || W % r !== 0;
  const scratch = g.tensor(`${name}.qkv`, [windows, N * QS]);
  const f = flashWork(N, KEY_DIM, d);
  let prev: Tensor | null = null;
  for (let i = 0; i < heads; i++) {
    const { k } = w.dw[i];
    expectLength(`${name}.qkvs.${i}`, 'weight', w.qkv[i].weight, (2 * KEY_DIM + d) * d);
    expectLength(`${name}.dws.${i}`, 'weight', w.dw[i].weight, KEY_DIM * k * k);
    const scale = KEY_DIM ** -0.5;
    const last = i === heads - 1;
    const out = last ? null : g.tensor(`${name}.head${i}`, [windows, d, r, r]);
    const params = { C, H, W, PS: x.planeStride, d, chunk: i * d, r, N, winX, winY, ks: k, QS, KS16, tokens, DT: f.DT };
    const layout = i === 0 ? [...(padded ? ['constant_pad_nd'] : []), ...(windowed ? ['clone'] : [])] : ['add'];
    const tilesT = Math.ceil(tokens / 32), tilesO = QS / 32;
    g.node({
      name: `${name}.head${i}.qkv`,
      module: commonModule([`${name}.qkvs.${i}`, ...(i > 0 ? [name] : layout.length ? [name.slice(0, name.lastIndexOf('.'))] : [])]),
      ops: [...layout, 'convolution', 'native_batch_norm'],
      kernel: g.kernel({ file: 'gpu/cascaded_attention.wgsl', entry: 'qkv_main', overrides: { HAS_PREV: prev !== null } }),
      bind: {
        x: { tensor: x }, prev: prev ? { tensor: prev } : { empty: true }, qkv: { tensor: scratch },
        wqkv: { weight: g.matrixWeight(`${name}.qkvs.${i}.weight@gpu`, transposeQkv(w.qkv[i].weight, d, KS16, QS)) },
        bqkv: { weight: g.weight(`${name}.qkvs.${i}.bias@gpu`, w.qkv[i].bias, QS) },
      },
      params: { ...params, write_win: 0 },
      workgroups: [tilesT, tilesO, 1],
      flops: qkvFlops(windows, N, d),
      // Each output tile gathers its 32 tokens' d features (and the previous head's output), each
      // token tile reads the weights once (KS16 × QS) and the bias; writes every token's scratch row.
      bytesRead: 4 * (tilesO * tilesT * 32 * d * (prev ? 2 : 1) + tilesT * QS) + g.matrixBytes * tilesT * KS16 * QS,
      bytesWritten: 4 * tokens * QS,
      // 8 × 8 invocations, 4 outputs × 4 tokens each (outer4x4.wgsl), over KS16 channels; the staged
      // weights and features: 2 × 16 × 8 vec4.
      parallelism: { workgroupSize: 64, workgroupMemory: 2 * 16 * 8 * 16, accumulators: 16, serialFmas: 16 * KS16 },
    });
    g.node({
      name: `${name}.head${i}`,
      module: name,
      ops: ['convolution', 'native_batch_norm', 'bmm', 'mul', 'add', '_softmax', 'bmm', ...(last ? ['cat', ...(windowed ? ['clone'] : []), ...(padded ? ['clone'] : [])] : [])],
      kernel: { file: 'gpu/cascaded_attention.wgsl', entry: 'attend', overrides: {}, subgroups: g.tuning.subgroups },
      bind: {
        wdw: { weight: g.weight(`${name}.dws.${i}.weight`, dwTaps(w.dw[i].weight, k)) },
        bdw: { weight: g.weight(`${name}.dws.${i}.bias`, w.dw[i].bias.map((v) => v * scale)) },
        ab: { weight: g.weight(`${name}.attention_biases.${i}`, w.biases.subarray(i * N, (i + 1) * N)) },
        cat: { tensor: cat }, win: out ? { tensor: out } : { empty: true }, qkv: { tensor: scratch },
      },
      params: { ...params, write_win: last ? 0 : 1 },
      workgroups: [f.QT, f.DT, windows],
      flops: attendFlops(windows, N, d, k),
      // Per (window, query tile): each of the DT workgroups computes its queries' q from k² raw q
      // and tap weights each, stages k and reads a bias per logit; together they stage v once.
      // Writes the head's channels of cat (pixels inside the image) and the window output.
      bytesRead: 4 * windows * f.QT * (f.DT * (f.qkLoads + FLASH.BQ * KEY_DIM * (2 * k * k - 1) + f.logits) + f.vLoads),
      bytesWritten: 4 * (B * d * H * W + (out ? windows * d * N : 0)),
      // flash_attention.wgsl's workgroup, plus the dw conv: 4 q values of k² taps per invocation.
      parallelism: flashParallelism(N, KEY_DIM, g.tuning.subgroups, 4 * k * k),
    });
    prev = out;
  }
  return cat;
}
