// Swin's (shifted) window attention on a qkv map (shaders/shifted_window_attention.wgsl): the cyclic
// shift, window partition and reverse are indexing; the relative position bias arrives gathered to
// [heads, N, N] (models/swin-tables.ts, at build); the shifted-window mask is computed in the kernel.
// The GPU family runs gpu/shifted_window_attention.wgsl: flash attention (attention-gpu.ts), any window.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { grid1d } from './common.ts';
import { flashParallelism, flashWork } from './attention-gpu.ts';

/** The kernel keeps a window's scores (and a head's q channels) in private arrays of this many. */
export const MAX_WINDOW_TOKENS = 64;

export interface ShiftedWindowSpec { heads: number; window: number; shift: number; /** [heads, N, N], N = window² */ bias: Float32Array }

/**
 * qkv [B, 3C, H, W] → [B, C, H, W]: per window of the map rolled by −shift, softmax(q·kᵀ·d^-0.5 +
 * bias + mask)·v, written back where each token came from (channels s·C + head·d + j of qkv as
 * upstream's reshape to [B, N, 3, heads, d]).
 */
export function shiftedWindowAttention(g: GraphBuilder, name: string, qkv: Tensor, s: ShiftedWindowSpec): Tensor {
  const WG = g.tuning.windowAttention.wg;
  const [B, C3, H, W] = qkv.shape, C = C3 / 3, { heads, window: ws, shift } = s;
  if (qkv.shape.length !== 4 || !Number.isInteger(C) || C % heads) throw new Error(`${name}: qkv [${qkv.shape}] is not [B, 3C, H, W] with C divisible by ${heads} heads`);
  if (H % ws || W % ws) throw new Error(`${name}: a ${H}×${W} map does not split into ${ws}×${ws} windows`);
  const N = ws * ws;
  if (!(shift >= 0 && shift < ws)) throw new Error(`${name}: shift ${shift} must be in [0, ${ws})`);
  if (s.bias.length !== heads * N * N) throw new Error(`${name}: bias has ${s.bias.length} values, expected ${heads}×${N}×${N}`);
  const d = C / heads, nWw = W / ws, nW = (H / ws) * nWw;
  // Per query: N dot products of d (2 FLOPs each) and the scale, the bias and mask adds, exp, Σ; then N·d fma.
  const flops = B * nW * heads * N * (N * (2 * d + 1) + 4 * N + 2 * N * d);
  if (g.tuning.kernels === 'gpu') return shiftedWindowAttentionGpu(g, name, qkv, s, flops);
  if (N > MAX_WINDOW_TOKENS) throw new Error(`${name}: ${ws}×${ws} windows have ${N} tokens; the kernel takes at most ${MAX_WINDOW_TOKENS}`);
  if (d > MAX_WINDOW_TOKENS) throw new Error(`${name}: ${d} channels per head; the kernel takes at most ${MAX_WINDOW_TOKENS}`);
  const QT = Math.ceil(N / 8), count = B * nW * heads * QT;
  const y = g.tensor(name, [B, C, H, W]);
  g.node({
    name,
    kernel: { file: 'shifted_window_attention.wgsl', entry: 'main', overrides: { WG } },
    bind: { qkv: { tensor: qkv }, bias: { weight: g.weight(`${name}.bias`, s.bias) }, y: { tensor: y } },
    params: { C, d, heads, H, W, PS: qkv.planeStride, ws, shift, nWw, nW, N, QT, count, scale: d ** -0.5 },
    workgroups: grid1d(count, WG),
    flops,
    // q, k, v (each token's channels once: k and v re-reads across queries counted once), the bias table; y once.
    bytesRead: 4 * (B * 3 * C * H * W + heads * N * N),
    bytesWritten: 4 * B * C * H * W,
    // One invocation per 8 queries: their scores (8N floats) and output channel (8); in series the 8
    // queries' N·d score FMAs and N·d output FMAs.
    parallelism: { workgroupSize: WG, workgroupMemory: 0, accumulators: 8 * N + 8, serialFmas: 16 * N * d },
  });
  return y;
}

/** The GPU family: one flash workgroup per (image · window, head, 16 queries, 64 value channels); no limit on the window or head size. */
function shiftedWindowAttentionGpu(g: GraphBuilder, name: string, qkv: Tensor, s: ShiftedWindowSpec, flops: number): Tensor {
  const [B, C3, H, W] = qkv.shape, C = C3 / 3, { heads, window: ws, shift } = s;
  const N = ws * ws, d = C / heads, nWw = W / ws, nW = (H / ws) * nWw;
  const f = flashWork(N, d, d);
  const y = g.tensor(name, [B, C, H, W]);
  g.node({
    name,
    kernel: { file: 'gpu/shifted_window_attention.wgsl', entry: 'main', overrides: {}, subgroups: g.tuning.subgroups },
    bind: { qkv: { tensor: qkv }, bias: { weight: g.weight(`${name}.bias`, s.bias) }, y: { tensor: y } },
    params: { C, d, heads, H, W, PS: qkv.planeStride, ws, shift, nWw, nW, N, DT: f.DT, scale: d ** -0.5 },
    workgroups: [f.QT, heads * f.DT, B * nW],
    flops,
    // Per (image · window, head, query tile): each of the DT workgroups stages q and k and reads a
    // bias per logit, together they stage v once; y is written once.
    bytesRead: 4 * B * nW * heads * f.QT * (f.DT * (f.qkLoads + f.logits) + f.vLoads),
    bytesWritten: 4 * B * C * H * W,
    // flash_attention.wgsl's workgroup (flashParallelism).
    parallelism: flashParallelism(N, d, g.tuning.subgroups),
  });
  return y;
}
