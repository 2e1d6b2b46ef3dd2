// Swin's window tables as upstream builds them: the relative position index of a window, the bias
// table gathered by it, and the shifted-window attention mask. One source for the model's checks of a
// checkpoint's buffers, both schedules and the CPU reference.

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
