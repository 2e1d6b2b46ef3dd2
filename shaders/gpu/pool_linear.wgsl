// GPU family: the classifier head, y[b, o] = bias[o] + Σ_c w[o, c] · mean_HW(x[b, c] − shift[c]),
// with the CPU family's bindings and weights (pool_linear.wgsl; shift, HAS_SHIFT: a BatchNorm's
// running mean left out of the fold, subtracted from each value before the sum).
// Shape: a workgroup of 16 × 16 invocations per (64 classes, image). It first takes its image's
// channel means into workgroup memory, 64 channels at a time, 4 invocations per channel summing
// every 4th pixel quad, then the channel's sum (workgroup_sum.wgsl). Then invocation (x, y) takes
// classes o0 = 4·(16·tile + y) .. o0 + 3 over the channel quads x, x + 16, … (16 consecutive vec4 of a
// weight row per 16 invocations: coalesced), 4 accumulators, and the sum over x gives the
// classes' dot products. Workgroups: (ceil(O / 64), B).
struct Params { C: u32, HW: u32, PS: u32, O: u32, CS4: u32, OS: u32 }

#include "weights.wgsl"
#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act4>;          // (B, C, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;         // (ceil4(O), CS4·4): rows zero padded
@group(0) @binding(3) var<storage, read> bias: array<f32>;        // (O)
@group(0) @binding(4) var<storage, read_write> y: array<act>;     // (B, OS)
@group(0) @binding(5) var<storage, read> shift: array<f32>;       // (C), read when HAS_SHIFT

override HAS_SHIFT: bool = false;
const T = 16u;      // invocations per side
const MAX_C = 512u; // channels (src/ops/pool-linear.ts: POOL_LINEAR_MAX_C)
var<workgroup> red: array<vec4<f32>, 256>; // (T, T) partial sums
var<workgroup> mean: array<f32, MAX_C>;    // the image's channel means (0 past C)
#include "workgroup_sum.wgsl"

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let b = wid.y;
  let ps4 = p.PS / 4u;

  // Channel means: channel c0 + li / 4, lane li % 4 sums its plane's quads lane, lane + 4, …
  let lane = li % 4u;
  for (var c0 = 0u; c0 < p.C; c0 += 64u) {
    let c = c0 + li / 4u;
    var sum = vec4<f32>();
    if (c < p.C) {
      var sh = 0.0;
      if (HAS_SHIFT) { sh = shift[c]; }
      let q0 = (b * p.C + c) * ps4;
      for (var q = lane; q < ps4; q += 4u) {
        // the plane's padding to a vec4 may hold anything: masked
        sum += select(vec4(0.0), vec4<f32>(x[q0 + q]) - sh, vec4(4u * q) + vec4(0u, 1u, 2u, 3u) < vec4(p.HW));
      }
    }
    let total = group_sum(li / 4u, lane, 4u, sum);
    if (lane == 0u && c < p.C) { mean[c] = (total.x + total.y + total.z + total.w) / f32(p.HW); }
  }
  workgroupBarrier();

  // Classes o0 .. o0 + 3 (rows exist up to O rounded up to 4) over this invocation's channel quads.
  let o0 = (wid.x * T + lid.y) * 4u;
  var acc = vec4<f32>();
  if (o0 < p.O) {
    for (var c4 = lid.x; c4 < p.CS4; c4 += T) {
      let m = vec4(mean[4u * c4], mean[4u * c4 + 1u], mean[4u * c4 + 2u], mean[4u * c4 + 3u]);
      for (var i = 0u; i < 4u; i++) { acc[i] += dot(wload(w[(o0 + i) * p.CS4 + c4]), m); }
    }
  }
  let total = group_sum(lid.y, lid.x, T, acc);
  if (lid.x == 0u) {
    for (var i = 0u; i < 4u; i++) {
      if (o0 + i < p.O) { y[b * p.OS + o0 + i] = act(total[i] + bias[o0 + i]); }
    }
  }
}
