// Softmax over the last dimension (PyTorch's _softmax, one dispatch) of a strided view of up to 4
// dims whose last dim is contiguous: y[r, j] = exp(x[r, j] − max_r) / Σ_k exp(x[r, k] − max_r) for
// each row r = (i0, i1, i2). One invocation per row: a pass for the max, a pass writing
// exp(x − max) and summing, a pass scaling by 1 / sum.
struct Params {
  n1: u32, n2: u32, N: u32, // leading dims 1 and 2, row length
  rows: u32,                // n0 · n1 · n2
  xo: u32, xs0: u32, xs1: u32, xs2: u32,
  yo: u32, ys0: u32, ys1: u32, ys2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = invocation(gid, nwg);
  if (r >= p.rows) { return; }
  let i = unflatten(r, vec3(p.n2, p.n1, 1u)); // (i2, i1, -, i0)
  let i2 = i.x; let i1 = i.y; let i0 = i.w;
  let xb = p.xo + i0 * p.xs0 + i1 * p.xs1 + i2 * p.xs2;
  let yb = p.yo + i0 * p.ys0 + i1 * p.ys1 + i2 * p.ys2;
  var mx = x[xb];
  for (var j = 1u; j < p.N; j++) { mx = max(mx, x[xb + j]); }
  var s = 0.0;
  for (var j = 0u; j < p.N; j++) { let e = exp(x[xb + j] - mx); y[yb + j] = e; s += e; }
  let inv = 1.0 / s;
  for (var j = 0u; j < p.N; j++) { y[yb + j] *= inv; }
}
