// Squeeze-excite gate: s[b, c] = sigmoid(fc2 · relu(fc1 · mean_HW(x[b]) + b1) + b2). One workgroup per
// image; the gate is applied later by the next 1×1 conv (pointwise.wgsl's HAS_SCALE), so x is not
// rewritten here.
struct Params { C: u32, R: u32, HW: u32, PS: u32, CS: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<f32>;       // (R, C)
@group(0) @binding(3) var<storage, read> b1: array<f32>;       // (R)
@group(0) @binding(4) var<storage, read> w2: array<f32>;       // (C, R)
@group(0) @binding(5) var<storage, read> b2: array<f32>;       // (C)
@group(0) @binding(6) var<storage, read_write> s: array<f32>;  // (B, CS): CS = C rounded up to 4
@group(0) @binding(7) var<storage, read_write> tmp: array<f32>; // (B, C + R) scratch: means, then hidden

override WG: u32 = 64;
// The means and hidden units go through a storage scratch, not workgroup memory: zero-initialising
// large workgroup arrays makes pipelines very slow to compile on CPU-backed devices.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.x;
  let mean = b * (p.C + p.R);
  let hidden = mean + p.C;
  for (var c = lid.x; c < p.C; c += WG) {
    let base = (b * p.C + c) * p.PS;
    var acc = 0.0;
    for (var i = 0u; i < p.HW; i++) { acc += x[base + i]; }
    tmp[mean + c] = acc / f32(p.HW);
  }
  storageBarrier();
  workgroupBarrier();
  for (var r = lid.x; r < p.R; r += WG) {
    var acc = b1[r];
    for (var c = 0u; c < p.C; c++) { acc = fma(w1[r * p.C + c], tmp[mean + c], acc); }
    tmp[hidden + r] = max(acc, 0.0);
  }
  storageBarrier();
  workgroupBarrier();
  for (var c = lid.x; c < p.C; c += WG) {
    var acc = b2[c];
    for (var r = 0u; r < p.R; r++) { acc = fma(w2[c * p.R + r], tmp[hidden + r], acc); }
    s[b * p.CS + c] = 1.0 / (1.0 + exp(-acc));
  }
}
