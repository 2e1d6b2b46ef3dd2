// Classifier head: y[b, o] = bias[o] + Σ_c w[o, c] · mean_HW(x[b, c] − shift[c]). Each workgroup
// recomputes the channel means of its image in workgroup memory, then each invocation computes 4
// outputs. shift (HAS_SHIFT): a BatchNorm's running mean, when it is large (FusedSchedule.fold),
// subtracted from each value before the sum so that neither the sum nor the dot product carries it.
struct Params { C: u32, HW: u32, PS: u32, O: u32, CS4: u32, OS: u32, groupsO: u32 }

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;           // (B, C, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;         // (ceil4(O), CS4·4): rows zero padded
@group(0) @binding(3) var<storage, read> bias: array<f32>;        // (O)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;     // (B, OS)
@group(0) @binding(5) var<storage, read> shift: array<f32>;       // (C), read when HAS_SHIFT

override WG: u32 = 64;
override HAS_SHIFT: bool = false;
const MAX_C = 512u; // kept small: workgroup memory is zero-initialised, which is slow to compile on CPU devices
var<workgroup> mean: array<vec4<f32>, 128>; // MAX_C / 4

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x / p.groupsO;
  let og = wid.x % p.groupsO;
  for (var c4 = lid.x; c4 < p.CS4; c4 += WG) {
    var acc = vec4<f32>(0.0);
    for (var j = 0u; j < 4u; j++) {
      let c = c4 * 4u + j;
      if (c < p.C) {
        let base = (b * p.C + c) * p.PS;
        var sh = 0.0;
        if (HAS_SHIFT) { sh = shift[c]; }
        var s = 0.0;
        for (var i = 0u; i < p.HW; i++) { s += x[base + i] - sh; }
        acc[j] = s / f32(p.HW);
      }
    }
    mean[c4] = acc;
  }
  workgroupBarrier();
  let o0 = (og * WG + lid.x) * 4u;
  if (o0 >= p.O) { return; }
  var acc = vec4<f32>(0.0);
  for (var c4 = 0u; c4 < p.CS4; c4++) {
    let m = mean[c4];
    acc += vec4<f32>(dot(wload(w[o0 * p.CS4 + c4]), m), dot(wload(w[(o0 + 1u) * p.CS4 + c4]), m),
                     dot(wload(w[(o0 + 2u) * p.CS4 + c4]), m), dot(wload(w[(o0 + 3u) * p.CS4 + c4]), m));
  }
  for (var j = 0u; j < 4u; j++) {
    if (o0 + j < p.O) { y[b * p.OS + o0 + j] = acc[j] + bias[o0 + j]; }
  }
}
