// GPU family: Swin's (shifted) window attention straight from the qkv map, as the CPU family's
// shifted_window_attention.wgsl: the cyclic shift, the window partition and its reverse are indexing,
// the relative position bias is a [heads, N, N] table gathered at load, the shifted-window mask is
// computed here.
//   y[b, head·d + j, pixel(t)] = Σ_u softmax_u((scale·q_t)·k_u + bias[head, t, u] + mask(t, u)) · v_u[j]
// for the N = ws² tokens t, u of each window, where token t of window (wy, wx) is the map pixel
// ((wy·ws + t / ws + shift) mod H, (wx·ws + t % ws + shift) mod W) (torch.roll by −shift, then
// window_partition), and mask(t, u) = −100 when shift > 0 and t, u lie in different regions of the
// shifted frame (its rows and columns cut at H − ws and H − shift), as upstream's attn_mask.
// Shape: flash attention (flash_attention.wgsl): a workgroup of 64 invocations per (image · window,
// head, 16 queries, 64 value channels), the window's keys staged through workgroup memory 32 at a
// time, an online softmax; each invocation ends with 4 queries × 4 channels. Workgroups:
// (ceil(N / 16), heads · ceil(d / 64), B · windows). Any window size and head dim.
struct Params {
  C: u32,      // channels of y (qkv has 3C)
  d: u32,      // channels per head
  heads: u32,
  H: u32, W: u32,
  PS: u32,     // plane stride of qkv and y (H·W rounded up to 4)
  ws: u32,     // window side
  shift: u32,  // cyclic shift (0: none)
  nWw: u32,    // windows per row (W / ws)
  nW: u32,     // windows per image
  N: u32,      // tokens per window (ws²)
  DT: u32,     // value-channel tiles per head: ceil(d / 64)
  scale: f32,  // d^-0.5
}

#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<act>;        // (B, 3C, PS): q, k, v channels as upstream's [B, N, 3, heads, d]
@group(0) @binding(2) var<storage, read> bias: array<f32>;       // (heads, N, N)
@group(0) @binding(3) var<storage, read_write> y: array<act>;    // (B, C, PS)

#include "shifted_windows.wgsl"

// The workgroup's window (wy, wx), head, and the plane offsets of the head's channel 0 of q, k, v.
struct Ctx { wy: u32, wx: u32, head: u32, q: u32, k: u32, v: u32 }

fn q_at(c: Ctx, ch: u32, n: u32) -> f32 { return f32(qkv[c.q + ch * p.PS + pixel(frame(c.wy, c.wx, n))]) * p.scale; }
fn k_at(c: Ctx, ch: u32, m: u32) -> f32 { return f32(qkv[c.k + ch * p.PS + pixel(frame(c.wy, c.wx, m))]); }
fn v_at(c: Ctx, ch: u32, m: u32) -> f32 { return f32(qkv[c.v + ch * p.PS + pixel(frame(c.wy, c.wx, m))]); }
fn logit(c: Ctx, s: f32, n: u32, m: u32) -> f32 {
  var x = s + bias[(c.head * p.N + n) * p.N + m];
  if (p.shift > 0u && region(frame(c.wy, c.wx, n)) != region(frame(c.wy, c.wx, m))) { x -= 100.0; }
  return x;
}

#include "flash_attention.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z / p.nW;
  let win = wid.z % p.nW;
  let head = wid.y / p.DT;
  let v0 = (wid.y % p.DT) * FA_DO;
  let q0 = wid.x * FA_BQ;
  let qc = (b * 3u * p.C + head * p.d) * p.PS;
  let c = Ctx(win / p.nWw, win % p.nWw, head, qc, qc + p.C * p.PS, qc + 2u * p.C * p.PS);
  var o = flash(c, lid, q0, v0, p.N, p.d, p.d);

  // Each output goes back to its token's pixel.
  let ch0 = fa_channel(lid, v0);
  for (var i = 0u; i < 4u; i++) {
    let n = fa_query(lid, q0, i);
    if (n < p.N) {
      let pix = pixel(frame(c.wy, c.wx, n));
      for (var t = 0u; t < 4u; t++) {
        let ch = ch0 + t;
        if (ch < p.d) { y[(b * p.C + head * p.d + ch) * p.PS + pix] = act(o[i][t]); }
      }
    }
  }
}
