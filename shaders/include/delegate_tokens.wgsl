// The tokens of a feature map that ln_qkv normalises (both families: ln_qkv.wgsl, gpu/ln_qkv.wgsl):
// the delegate pixels ((n / w)·sr, (n % w)·sr) of EdgeViT's AvgPool2d(1, sr) sampler, read by
// indexing (never copied); with sr = 1 every pixel, the tokens of DeiT and Swin.
// The including kernel declares `p` (W: the map's width, sr, w: delegate columns, N: delegate tokens)
// and `x: array<act>`.
#include "act.wgsl"

// Offsets in a plane of x of tokens t..t+3 (past N: the last token, so every load stays in the plane).
fn pixels(t: u32) -> vec4<u32> {
  let n = min(vec4(t) + vec4(0u, 1u, 2u, 3u), vec4(p.N - 1u));
  return (n / p.w) * (p.sr * p.W) + (n % p.w) * p.sr;
}

// x at plane offset r (a channel's plane) for the 4 tokens at offsets o.
fn gather(r: u32, o: vec4<u32>) -> vec4<f32> {
  return vec4(f32(x[r + o.x]), f32(x[r + o.y]), f32(x[r + o.z]), f32(x[r + o.w]));
}
