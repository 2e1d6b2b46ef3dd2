// torch.roll of a [B, C, H, W] map over H and W, as eager runs Swin's cyclic shift (the unfused
// schedule): y[b, c, h, w] = x[b, c, (h + sh) mod H, (w + sw) mod W] — sh = H − s for roll by +s.
#include "act.wgsl"

struct Params {
  H: u32, W: u32,
  PS: u32,     // plane stride of x and y (H·W rounded up to 4)
  sh: u32,     // row offset read, in [0, H)
  sw: u32,     // column offset read, in [0, W)
  count: u32,  // B · C · H · W
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;       // (B, C, PS)
@group(0) @binding(2) var<storage, read_write> y: array<act>; // (B, C, PS)

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.W, p.H, 1u));
  let w = t.x; let h = t.y; let plane = t.w * p.PS;
  y[plane + h * p.W + w] = x[plane + ((h + p.sh) % p.H) * p.W + (w + p.sw) % p.W];
}
