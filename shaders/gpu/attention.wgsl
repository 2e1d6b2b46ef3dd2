// GPU family: multi-head softmax attention over the N tokens of a qkv map (EdgeViT's global sparse
// attention on its delegate tokens, DeiT's on all its tokens), as the CPU family's attention.wgsl:
//   y[b, head·d + j, n] = Σ_m softmax_m(scale · q_n·k_m) · v_m[j]
// Channel s·C + head·d + j of qkv holds q (s = 0), k (1), v (2), as upstream's reshape to
// [B, N, 3, heads, d]; tokens are the h×w pixels in row-major order.
// Shape: flash attention (flash_attention.wgsl): a workgroup of 64 invocations per (image, head,
// 16 queries, 64 value channels), K and V staged through workgroup memory 32 keys at a time (lanes
// along the tokens of a plane: coalesced), an online softmax; each invocation ends with 4 queries ×
// 4 channels. Workgroups: (ceil(N / 16), heads · ceil(d / 64), B). The plane padding (N ≤ m < PS)
// is never read, so it may hold anything.
struct Params {
  C: u32,     // channels of y (qkv has 3C)
  d: u32,     // channels per head
  heads: u32,
  N: u32,     // tokens
  PS: u32,    // plane stride (N rounded up to 4)
  DT: u32,    // value-channel tiles per head: ceil(d / 64)
  scale: f32, // d^-0.5
}

#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<act>;           // (B, 3C, PS)
@group(0) @binding(2) var<storage, read_write> y: array<act4>;      // (B, C, PS)

// The plane offsets of the workgroup's head's channel 0 of q, k and v.
struct Ctx { q: u32, k: u32, v: u32 }

fn q_at(c: Ctx, ch: u32, n: u32) -> f32 { return f32(qkv[c.q + ch * p.PS + n]); }
fn k_at(c: Ctx, ch: u32, m: u32) -> f32 { return f32(qkv[c.k + ch * p.PS + m]); }
fn v_at(c: Ctx, ch: u32, m: u32) -> f32 { return f32(qkv[c.v + ch * p.PS + m]); }
fn logit(c: Ctx, s: f32, n: u32, m: u32) -> f32 { return s * p.scale; }

#include "flash_attention.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z;
  let head = wid.y / p.DT;
  let v0 = (wid.y % p.DT) * FA_DO;
  let q0 = wid.x * FA_BQ;
  let qc = (b * 3u * p.C + head * p.d) * p.PS;
  var o = flash(Ctx(qc, qc + p.C * p.PS, qc + 2u * p.C * p.PS), lid, q0, v0, p.N, p.d, p.d);

  // Queries q0 + 4qq .. +3 are one aligned quad of the plane: one vec4 per channel (lanes past N
  // fall in the plane's padding).
  let quad = fa_query(lid, q0, 0u) / 4u;
  let ch0 = fa_channel(lid, v0);
  if (quad < p.PS / 4u) {
    for (var t = 0u; t < 4u; t++) {
      let ch = ch0 + t;
      if (ch < p.d) {
        y[((b * p.C + head * p.d + ch) * p.PS) / 4u + quad] = act4(vec4(o[0][t], o[1][t], o[2][t], o[3][t]));
      }
    }
  }
}
