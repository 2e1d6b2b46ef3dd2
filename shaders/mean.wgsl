// Mean over each H×W plane (PyTorch's mean over the spatial dims, one dispatch): the squeeze of
// squeeze-excite and the pooling before a classifier head.
//   y[b, c] = Σ_{i < HW} x[b, c, i] / HW        x: (B·C planes, PS), y: (B, YS) rows
struct Params {
  C: u32, HW: u32, PS: u32, YS: u32,
  count: u32, // B · C
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;           // (B, C, PS)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;     // (B, YS)

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let base = id * p.PS;
  var s = 0.0;
  for (var i = 0u; i < p.HW; i++) { s += x[base + i]; }
  y[(id / p.C) * p.YS + id % p.C] = s / f32(p.HW);
}
