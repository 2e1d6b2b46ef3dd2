// Squeeze-excite gate: s[b, c] = sigmoid(fc2 · relu(fc1 · mean_HW(x[b]) + b1) + b2). The gate is
// applied later by the next 1×1 conv (pointwise.wgsl's HAS_SCALE), so x is not rewritten here.
// Three entry points, one dispatch each, so every step spreads over SwiftShader's worker threads
// (one workgroup per image left a core idle); each invocation owns 4 consecutive outputs so one
// load of the step's input serves 4 FMAs:
//   mean: 4 channels' means → tmp;  fc1: 4 hidden units → tmp;  fc2: 4 gates → s.
struct Params {
  C: u32, R: u32, HW: u32, PS: u32, CS: u32,
  C4: u32,    // C rounded up to 4
  R4: u32,    // R rounded up to 4
  count: u32, // invocations: B · C4 / 4 (mean, fc2), B · R4 / 4 (fc1)
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;          // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<wvec4>;              // (C, R4): fc1 transposed, zero padded
@group(0) @binding(3) var<storage, read> b1: array<vec4<f32>>;         // (R4)
@group(0) @binding(4) var<storage, read> w2: array<wvec4>;              // (R, C4): fc2 transposed, zero padded
@group(0) @binding(5) var<storage, read> b2: array<vec4<f32>>;         // (C4)
@group(0) @binding(6) var<storage, read_write> s: array<vec4<f32>>;    // (B, CS): CS = C4
@group(0) @binding(7) var<storage, read_write> tmp: array<f32>;        // (B, C4 + R4) scratch: means, then hidden

override WG: u32 = 4;
#include "grid.wgsl"

// Sum of plane c over its HW pixels (the plane's padding to a vec4 may hold anything: masked).
fn planeSum(c: u32) -> f32 {
  let q = c * (p.PS / 4u);
  var acc = vec4<f32>(0.0);
  let full = p.HW / 4u;
  for (var i = 0u; i < full; i++) { acc += x[q + i]; }
  let rest = p.HW % 4u;
  let t = x[q + min(full, p.PS / 4u - 1u)];
  acc += select(vec4(0.0), t, vec4(0u, 1u, 2u, 3u) < vec4(rest));
  return acc.x + acc.y + acc.z + acc.w;
}

@compute @workgroup_size(WG)
fn mean(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let b = id / (p.C4 / 4u);
  let c0 = (id % (p.C4 / 4u)) * 4u;
  let last = b * p.C + p.C - 1u; // channels past C (padding) read the last one; fc1 weights there are 0
  let v = vec4(planeSum(min(b * p.C + c0, last)), planeSum(min(b * p.C + c0 + 1u, last)),
               planeSum(min(b * p.C + c0 + 2u, last)), planeSum(min(b * p.C + c0 + 3u, last)));
  let o = b * (p.C4 + p.R4) + c0;
  let m = v / f32(p.HW);
  tmp[o] = m.x; tmp[o + 1u] = m.y; tmp[o + 2u] = m.z; tmp[o + 3u] = m.w;
}

@compute @workgroup_size(WG)
fn fc1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let b = id / (p.R4 / 4u);
  let r4 = id % (p.R4 / 4u);
  let means = b * (p.C4 + p.R4);
  var acc = b1[r4];
  for (var c = 0u; c < p.C; c++) { acc = fma(wload(w1[c * (p.R4 / 4u) + r4]), vec4(tmp[means + c]), acc); }
  let h = max(acc, vec4(0.0));
  let o = means + p.C4 + r4 * 4u;
  tmp[o] = h.x; tmp[o + 1u] = h.y; tmp[o + 2u] = h.z; tmp[o + 3u] = h.w;
}

@compute @workgroup_size(WG)
fn fc2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let b = id / (p.C4 / 4u);
  let c4 = id % (p.C4 / 4u);
  let hidden = b * (p.C4 + p.R4) + p.C4;
  var acc = b2[c4];
  for (var r = 0u; r < p.R; r++) { acc = fma(wload(w2[r * (p.C4 / 4u) + c4]), vec4(tmp[hidden + r]), acc); }
  s[b * (p.CS / 4u) + c4] = 1.0 / (1.0 + exp(-acc));
}
