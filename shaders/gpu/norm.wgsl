// GPU family: LayerNorm of the unfused schedule (PyTorch's native_layer_norm, one dispatch) with the
// CPU family's bindings and params (norm.wgsl): over the channels of each token, on strided 3-D views
// (b, n, c), so that a token-major view of an NCHW map is read in place:
//   y[b, n, c] = (x[b, n, c] − μ[b, n]) / √(σ²[b, n] + eps) · γ[c] + β[c]
// One workgroup per token (the grid folded into x and y past 65535 tokens). layer_norm.wgsl's
// algorithm over d = x − z, z the token's first channel: each of the RED_WG invocations runs Welford
// over its channels c = lid, lid + RED_WG, …, then the parts merge through workgroup sums (the mean
// from Σ n·mean, then M2 from each part's ln_part_m2), and each invocation writes its channels.
#include "act.wgsl"

struct Params {
  B: u32, N: u32, C: u32,
  count: u32,                       // B · N
  xo: u32, xs0: u32, xs1: u32, xs2: u32,
  yo: u32, ys0: u32, ys1: u32, ys2: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;          // the view (B, N, C)
@group(0) @binding(2) var<storage, read> gb: array<f32>;         // (2, C): γ then β
@group(0) @binding(3) var<storage, read_write> y: array<act>;    // the view (B, N, C)

const RED_WG = 64u; // invocations per workgroup (one token), a power of 2

var<workgroup> red: array<vec4<f32>, RED_WG>;
var<workgroup> red_slot: atomic<u32>;
var<workgroup> red_n: u32;
#include "workgroup_reduce.wgsl"

#include "layer_norm.wgsl"

@compute @workgroup_size(RED_WG)
fn layer_norm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let id = wid.x + wid.y * nwg.x; // this workgroup's token (grid1d's fold)
  // A workgroup past the last token (the folded grid's tail) runs the reductions on no values.
  let C = select(0u, p.C, id < p.count);
  let b = id / p.N;
  let n = id % p.N;
  let xb = p.xo + b * p.xs0 + n * p.xs1;
  let yb = p.yo + b * p.ys0 + n * p.ys1;
  var z = 0.0;
  if (C > 0u) { z = f32(x[xb]); }

  var part = ln_none(); // (lane x only)
  for (var c = lid; c < C; c += RED_WG) { part = ln_push(part, vec4(f32(x[xb + c * p.xs2]) - z)); }
  let nc = f32(p.C); // the values of the whole token
  let mean = wg_sum(part.n * part.mean, lid) / nc;
  let st = LnStats(nc, mean, wg_sum(ln_part_m2(part, mean), lid));
  let mu = st.mean.x;
  let rstd = ln_rstd(st, p.eps).x;

  for (var c = lid; c < C; c += RED_WG) {
    y[yb + c * p.ys2] = act(((f32(x[xb + c * p.xs2]) - z) - mu) * rstd * gb[c] + gb[p.C + c]);
  }
}
