// Softmax over the last dimension (PyTorch's _softmax, one dispatch), rows of a [R, N] tensor with
// a row stride: y[r, j] = exp(x[r, j] − max_r) / Σ_k exp(x[r, k] − max_r). One invocation per row:
// a pass for the max, a pass writing exp(x − max) and summing, a pass scaling by 1 / sum.
struct Params {
  R: u32, N: u32,
  xs: u32, ys: u32, // row strides of x and y
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= p.R) { return; }
  let xb = r * p.xs;
  let yb = r * p.ys;
  var mx = x[xb];
  for (var j = 1u; j < p.N; j++) { mx = max(mx, x[xb + j]); }
  var s = 0.0;
  for (var j = 0u; j < p.N; j++) { let e = exp(x[xb + j] - mx); y[yb + j] = e; s += e; }
  let inv = 1.0 / s;
  for (var j = 0u; j < p.N; j++) { y[yb + j] *= inv; }
}
