// LayerNorm of the unfused schedule (PyTorch's native_layer_norm, one dispatch): over the channels
// of each token, on strided 3-D views (b, n, c) so that a token-major view of an NCHW map
// (`x.flatten(2).transpose(1, 2)`) is read in place:
//   y[b, n, c] = (x[b, n, c] − μ[b, n]) / √(σ²[b, n] + eps) · γ[c] + β[c]
// One invocation per token: a Welford pass over x − z, z the token's first channel (layer_norm.wgsl:
// stable when |μ| ≫ σ), then a pass to write.
struct Params {
  B: u32, N: u32, C: u32,
  count: u32,                       // B · N
  xo: u32, xs0: u32, xs1: u32, xs2: u32,
  yo: u32, ys0: u32, ys1: u32, ys2: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gb: array<f32>;   // (2, C): γ then β
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 64;
#include "grid.wgsl"

#include "layer_norm.wgsl"

@compute @workgroup_size(WG)
fn layer_norm(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let b = id / p.N;
  let n = id % p.N;
  let xb = p.xo + b * p.xs0 + n * p.xs1;
  let z = x[xb];
  var st = ln_none(); // (lane x only)
  for (var c = 0u; c < p.C; c++) { st = ln_push(st, vec4(x[xb + c * p.xs2] - z)); }
  let mu = st.mean.x;
  let rstd = ln_rstd(st, p.eps).x;
  let yb = p.yo + b * p.ys0 + n * p.ys1;
  for (var c = 0u; c < p.C; c++) { y[yb + c * p.ys2] = ((x[xb + c * p.xs2] - z) - mu) * rstd * gb[c] + gb[p.C + c]; }
}
