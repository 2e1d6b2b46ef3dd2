// Swin's (shifted) window attention on a qkv map (shaders/shifted_window_attention.wgsl): the cyclic
// shift, window partition and reverse are indexing; the relative position bias arrives gathered to
// [heads, N, N] (models/swin-tables.ts, at build); the shifted-window mask is computed in the kernel.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { grid1d } from './common.ts';

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
  if (N > MAX_WINDOW_TOKENS) throw new Error(`${name}: ${ws}×${ws} windows have ${N} tokens; the kernel takes at most ${MAX_WINDOW_TOKENS}`);
  if (!(shift >= 0 && shift < ws)) throw new Error(`${name}: shift ${shift} must be in [0, ${ws})`);
  if (s.bias.length !== heads * N * N) throw new Error(`${name}: bias has ${s.bias.length} values, expected ${heads}×${N}×${N}`);
  const d = C / heads, nWw = W / ws, nW = (H / ws) * nWw, QT = Math.ceil(N / 8), count = B * nW * heads * QT;
  if (d > MAX_WINDOW_TOKENS) throw new Error(`${name}: ${d} channels per head; the kernel takes at most ${MAX_WINDOW_TOKENS}`);
  const y = g.tensor(name, [B, C, H, W]);
  g.node({
    name,
    kernel: { file: 'shifted_window_attention.wgsl', entry: 'main', overrides: { WG } },
    bind: { qkv: { tensor: qkv }, bias: { weight: g.weight(`${name}.bias`, s.bias) }, y: { tensor: y } },
    params: { C, d, heads, H, W, PS: qkv.planeStride, ws, shift, nWw, nW, N, QT, count, scale: d ** -0.5 },
    workgroups: grid1d(count, WG),
    // Per query: N dot products of d (2 FLOPs each) and the scale, the bias and mask adds, exp, Σ; then N·d fma.
    flops: B * nW * heads * N * (N * (2 * d + 1) + 4 * N + 2 * N * d),
    // q, k, v (each token's channels once: k and v re-reads across queries counted once), the bias table; y once.
    bytesRead: 4 * (B * 3 * C * H * W + heads * N * N),
    bytesWritten: 4 * B * C * H * W,
  });
  return y;
}
