// GPU family: the mean over each H×W plane (PyTorch's mean over the spatial dims, one dispatch), with
// the CPU family's bindings and params (mean.wgsl):
//   y[b, c] = Σ_{i < HW} x[b, c, i] / HW        x: (B·C planes, PS), y: (B, YS) rows
// One workgroup per plane (the grid folded into x and y past 65535 planes): each of the RED_WG
// invocations sums the plane's quads q = lid, lid + RED_WG, … (coalesced vec4 loads, the padding past
// HW masked), then a workgroup sum. Values are taken relative to the plane's first, z, and the mean
// is z + Σ (x − z) / HW: for values far from 0 (~1e4 ± 1) the differences are exact and the sum
// keeps their digits.
#include "act.wgsl"

struct Params {
  C: u32, HW: u32, PS: u32, YS: u32,
  count: u32, // B · C
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act4>;          // (B, C, PS)
@group(0) @binding(2) var<storage, read_write> y: array<act>;     // (B, YS)

const RED_WG = 64u; // invocations per workgroup (one plane), a power of 2

var<workgroup> red: array<vec4<f32>, RED_WG>;
var<workgroup> red_slot: atomic<u32>;
var<workgroup> red_n: u32;
#include "workgroup_reduce.wgsl"

@compute @workgroup_size(RED_WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let id = wid.x + wid.y * nwg.x; // this workgroup's plane (grid1d's fold)
  // A workgroup past the last plane (the folded grid's tail) runs the reduction on no values.
  let quads = select(0u, p.PS / 4u, id < p.count);
  let base = id * (p.PS / 4u);
  var z = 0.0;
  if (quads > 0u) { z = f32(x[base].x); }

  var s = vec4<f32>();
  for (var q = lid; q < quads; q += RED_WG) {
    // the plane's padding to a vec4 may hold anything: masked
    s += select(vec4(0.0), vec4<f32>(x[base + q]) - z, vec4(4u * q) + vec4(0u, 1u, 2u, 3u) < vec4(p.HW));
  }
  let t = wg_sum(s, lid);
  if (lid == 0u && quads > 0u) { y[(id / p.C) * p.YS + id % p.C] = act(z + (t.x + t.y + t.z + t.w) / f32(p.HW)); }
}
