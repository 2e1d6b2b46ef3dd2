// Depthwise ConvTranspose2d with kernel = stride = S (EdgeViT's LocalProp, one dispatch of the
// unfused schedule): every input pixel spreads into an S×S block of the output.
//   y[b, c, y, x] = bias[c] + w[c, y % S, x % S] · x[b, c, y / S, x / S]
// x is a strided 4-D view (read in place: the attention output viewed as a map); y is (B, C, PS).
// Each invocation owns 4 consecutive output columns.
struct Params {
  C: u32, H: u32, W: u32, PS: u32, // output channels, height, width, plane stride
  S: u32,
  q: u32,                          // ceil(W / 4)
  count: u32,                      // B · C · H · q
  xo: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32,
}

#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;
@group(0) @binding(2) var<storage, read> w: array<f32>;     // (C, S, S)
@group(0) @binding(3) var<storage, read> bias: array<f32>;  // (C)
@group(0) @binding(4) var<storage, read_write> y: array<act>;

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.q, p.H, p.C));
  let x0 = t.x * 4u; let oy = t.y; let c = t.z; let b = t.w;
  let plane = b * p.C + c;
  let xrow = p.xo + b * p.xs0 + c * p.xs1 + (oy / p.S) * p.xs2;
  let wrow = (c * p.S + oy % p.S) * p.S;
  for (var ox = x0; ox < min(x0 + 4u, p.W); ox++) {
    y[plane * p.PS + oy * p.W + ox] = act(fma(w[wrow + ox % p.S], f32(x[xrow + (ox / p.S) * p.xs3]), bias[c]));
  }
}
