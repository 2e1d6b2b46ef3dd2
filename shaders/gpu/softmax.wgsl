// GPU family: softmax over the last dimension (PyTorch's _softmax, one dispatch) of a strided view of
// up to 4 dims whose last dim is contiguous, with the CPU family's bindings and params (softmax.wgsl):
//   y[r, j] = exp(x[r, j] − max_r) / Σ_k exp(x[r, k] − max_r)      r = (i0, i1, i2)
// One workgroup per row (the grid folded into x and y past 65535 rows: row = the workgroup's index).
// Each of the RED_WG invocations takes the row's values j = lid, lid + RED_WG, … (coalesced) in one
// online pass: its running max m and Σ exp(x − m), rescaled when m grows (Milakov & Gimelshein's
// online softmax). Then the workgroup's max M (wg_max) and sum Σ s·exp(m − M) (wg_sum), and a
// second pass writes exp(x − M) / sum.
#include "act.wgsl"

struct Params {
  n1: u32, n2: u32, N: u32, // leading dims 1 and 2, row length
  rows: u32,                // n0 · n1 · n2
  xo: u32, xs0: u32, xs1: u32, xs2: u32,
  yo: u32, ys0: u32, ys1: u32, ys2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;         // the view: (n0, n1, n2, N)
@group(0) @binding(2) var<storage, read_write> y: array<act>;   // the same shape

const RED_WG = 64u; // invocations per workgroup (one row), a power of 2
const WG = RED_WG;  // grid.wgsl's name for it

var<workgroup> red: array<vec4<f32>, RED_WG>;
var<workgroup> red_slot: atomic<u32>;
var<workgroup> red_n: u32;
#include "workgroup_reduce.wgsl"
#include "grid.wgsl"

@compute @workgroup_size(RED_WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let r = wid.x + wid.y * nwg.x; // this workgroup's row (grid1d's fold)
  // A workgroup past the last row (the folded grid's tail) runs the reductions on no values.
  let n = select(0u, p.N, r < p.rows);
  let i = unflatten(r, vec3(p.n2, p.n1, 1u)); // (i2, i1, -, i0)
  let xb = p.xo + i.w * p.xs0 + i.y * p.xs1 + i.x * p.xs2;
  let yb = p.yo + i.w * p.ys0 + i.y * p.ys1 + i.x * p.ys2;

  // Every invocation starts from the row's first value (an invocation with no values keeps it, its
  // sum 0), so no max is ever −∞.
  var m = 0.0;
  if (n > 0u) { m = f32(x[xb]); }
  var s = 0.0;
  for (var j = lid; j < n; j += RED_WG) {
    let v = f32(x[xb + j]);
    let mn = max(m, v);
    s = s * exp(m - mn) + exp(v - mn);
    m = mn;
  }
  let mx = wg_max(vec4(m), lid).x;
  let sum = wg_sum(vec4(s * exp(m - mx)), lid).x;

  let inv = 1.0 / sum;
  for (var j = lid; j < n; j += RED_WG) { y[yb + j] = act(exp(f32(x[xb + j]) - mx) * inv); }
}
