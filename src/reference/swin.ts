// Plain CPU references for Swin's ops, written as upstream computes them (roll, window partition,
// attention with the gathered bias and the attn_mask, reverse, roll back) — independent of the
// kernel's in-place indexing.
import { relativePositionIndex, shiftedWindowMask } from '../models/swin-tables.ts';
import { softmaxRows } from './elementwise.ts';
import type { Shape4 } from './conv.ts';

/** torch.roll(x, (s, s), dims=(H, W)) of an NCHW map: y[h, w] = x[(h − s) mod H, (w − s) mod W]. */
export function roll(x: Float32Array, shape: Shape4, s: number): Float32Array {
  const [B, C, H, W] = shape, y = new Float32Array(x.length);
  const mod = (v: number, n: number) => ((v % n) + n) % n;
  for (let p = 0; p < B * C; p++) {
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) y[(p * H + h) * W + w] = x[(p * H + mod(h - s, H)) * W + mod(w - s, W)];
  }
  return y;
}

/**
 * qkv [B, 3C, H, W] (NCHW, unpadded) → [B, C, H, W]: roll by −shift, partition into ws×ws windows,
 * per head softmax((q·d^-0.5)·kᵀ + table[index] + mask)·v, reverse, roll back. table: [(2ws − 1)², heads].
 */
export function shiftedWindowAttention(qkv: Float32Array, shape: Shape4, heads: number, ws: number, shift: number, table: Float32Array): Float32Array {
  const [B, C3, H, W] = shape, C = C3 / 3, d = C / heads, N = ws * ws, nWw = W / ws, nW = (H / ws) * nWw;
  const rolled = shift ? roll(qkv, shape, -shift) : qkv;
  const idx = relativePositionIndex(ws), mask = shift ? shiftedWindowMask(H, W, ws, shift) : null;
  const out = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++) {
    for (let win = 0; win < nW; win++) {
      const wy = Math.floor(win / nWw), wx = win % nWw;
      const at = (ch: number, t: number) => rolled[((b * C3 + ch) * H + wy * ws + Math.floor(t / ws)) * W + wx * ws + (t % ws)];
      for (let h = 0; h < heads; h++) {
        const scores = new Float32Array(N * N);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) {
            let dot = 0;
            for (let c = 0; c < d; c++) dot += Math.fround(at(h * d + c, i) * Math.fround(d ** -0.5)) * at(C + h * d + c, j);
            scores[i * N + j] = dot + table[idx[i * N + j] * heads + h] + (mask ? mask[(win * N + i) * N + j] : 0);
          }
        }
        const p = softmaxRows(scores, [N, N]);
        for (let i = 0; i < N; i++) {
          for (let c = 0; c < d; c++) {
            let acc = 0;
            for (let j = 0; j < N; j++) acc += p[i * N + j] * at(2 * C + h * d + c, j);
            out[((b * C + h * d + c) * H + wy * ws + Math.floor(i / ws)) * W + wx * ws + (i % ws)] = acc;
          }
        }
      }
    }
  }
  return shift ? roll(out, [B, C, H, W], shift) : out;
}
