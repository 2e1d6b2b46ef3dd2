// GPU family: the squeeze-excite gate s[b, c] = sigmoid(fc2 · relu(fc1 · mean_HW(x[b]) + b1) + b2),
// with the CPU family's bindings, weights and three steps (squeeze_excite.wgsl); the next 1×1 conv
// applies the gate (pointwise's HAS_SCALE).
//   mean: a workgroup per (16 channels, image): 16 lanes per channel sum its pixel quads, then a
//         sum over each channel's lanes (workgroup_sum.wgsl) → tmp.
//   fc1:  a workgroup per (16 hidden quads = 64 units, image): each column of 16 invocations splits
//         the C inputs 16 ways, one vec4 of 4 units each (4 accumulators; weight rows read as 16
//         consecutive vec4, coalesced), then the column's sum → relu → tmp.
//   fc2:  the same over the R hidden units for 16 gate quads → sigmoid → s.
struct Params {
  C: u32, R: u32, HW: u32, PS: u32, CS: u32,
  C4: u32,    // C rounded up to 4
  R4: u32,    // R rounded up to 4
}

#include "weights.wgsl"
#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act4>;               // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<wvec4>;              // (C, R4): fc1 transposed, zero padded
@group(0) @binding(3) var<storage, read> b1: array<vec4<f32>>;         // (R4)
@group(0) @binding(4) var<storage, read> w2: array<wvec4>;              // (R, C4): fc2 transposed, zero padded
@group(0) @binding(5) var<storage, read> b2: array<vec4<f32>>;         // (C4)
@group(0) @binding(6) var<storage, read_write> s: array<act4>;         // (B, CS): CS = C4
@group(0) @binding(7) var<storage, read_write> tmp: array<act>;        // (B, C4 + R4) scratch: means, then hidden

const T = 16u; // workgroups of T × T invocations
var<workgroup> red: array<vec4<f32>, 256>; // (T groups, T lanes)
#include "workgroup_sum.wgsl"

@compute @workgroup_size(16, 16)
fn mean(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.y;
  let c = wid.x * T + lid.y; // this column's channel; lane lid.x reads its quads lid.x, lid.x + 16, …
  let q0 = (b * p.C + min(c, p.C - 1u)) * (p.PS / 4u);
  var sum = vec4<f32>();
  for (var q = lid.x; q < p.PS / 4u; q += T) {
    // the plane's padding to a vec4 may hold anything: masked
    sum += select(vec4(0.0), vec4<f32>(x[q0 + q]), vec4(4u * q) + vec4(0u, 1u, 2u, 3u) < vec4(p.HW));
  }
  let total = group_sum(lid.y, lid.x, T, sum);
  if (lid.x == 0u && c < p.C) { tmp[b * (p.C4 + p.R4) + c] = act((total.x + total.y + total.z + total.w) / f32(p.HW)); }
}

@compute @workgroup_size(16, 16)
fn fc1(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.y;
  let r4 = wid.x * T + lid.x; // this column's 4 hidden units; row lid.y takes inputs lid.y, lid.y + 16, …
  let means = b * (p.C4 + p.R4);
  var acc = vec4<f32>();
  if (r4 < p.R4 / 4u) {
    for (var c = lid.y; c < p.C; c += T) { acc = fma(wload(w1[c * (p.R4 / 4u) + r4]), vec4(f32(tmp[means + c])), acc); }
  }
  let total = group_sum(lid.x, lid.y, T, acc);
  if (lid.y == 0u && r4 < p.R4 / 4u) {
    let h = max(total + b1[r4], vec4(0.0));
    let o = means + p.C4 + r4 * 4u;
    tmp[o] = act(h.x); tmp[o + 1u] = act(h.y); tmp[o + 2u] = act(h.z); tmp[o + 3u] = act(h.w);
  }
}

@compute @workgroup_size(16, 16)
fn fc2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.y;
  let c4 = wid.x * T + lid.x; // this column's 4 gates; row lid.y takes hidden units lid.y, lid.y + 16, …
  let hidden = b * (p.C4 + p.R4) + p.C4;
  var acc = vec4<f32>();
  if (c4 < p.C4 / 4u) {
    for (var r = lid.y; r < p.R; r += T) { acc = fma(wload(w2[r * (p.C4 / 4u) + c4]), vec4(f32(tmp[hidden + r])), acc); }
  }
  let total = group_sum(lid.x, lid.y, T, acc);
  if (lid.y == 0u && c4 < p.C4 / 4u) { s[b * (p.CS / 4u) + c4] = act4(1.0 / (1.0 + exp(-(total + b2[c4])))); }
}
