// Swin's (shifted) window attention on a qkv map (shaders/shifted_window_attention.wgsl): the cyclic
// shift, window partition and reverse are indexing; the relative position bias arrives gathered to
// [heads, N, N] (done here, at build); the shifted-window mask is computed in the kernel.
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

/** Swin's relative position index of a ws×ws window: [N, N] into the (2ws − 1)² table, as upstream builds it. */
export function relativePositionIndex(ws: number): Int32Array {
  const N = ws * ws, idx = new Int32Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b = 0; b < N; b++) {
      const dh = Math.floor(a / ws) - Math.floor(b / ws) + ws - 1, dw = (a % ws) - (b % ws) + ws - 1;
      idx[a * N + b] = dh * (2 * ws - 1) + dw;
    }
  }
  return idx;
}

/** table [(2ws − 1)², heads] (as stored) gathered to [heads, N, N]. */
export function gatherRelativeBias(table: Float32Array, heads: number, ws: number): Float32Array {
  const idx = relativePositionIndex(ws), N = ws * ws, out = new Float32Array(heads * N * N);
  for (let h = 0; h < heads; h++) for (let i = 0; i < N * N; i++) out[h * N * N + i] = table[idx[i] * heads + h];
  return out;
}

/** Upstream's attn_mask for a shifted H×W map: [nW, N, N] of 0 and −100 (tokens of different regions). */
export function shiftedWindowMask(H: number, W: number, ws: number, shift: number): Float32Array {
  const region = (f: number, n: number) => (f < n - ws ? 0 : f < n - shift ? 1 : 2);
  const nWw = W / ws, nW = (H / ws) * nWw, N = ws * ws, out = new Float32Array(nW * N * N);
  for (let w = 0; w < nW; w++) {
    const wy = Math.floor(w / nWw), wx = w % nWw;
    const reg = (t: number) => region(wy * ws + Math.floor(t / ws), H) * 3 + region(wx * ws + (t % ws), W);
    for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) out[(w * N + a) * N + b] = reg(a) === reg(b) ? 0 : -100;
  }
  return out;
}
