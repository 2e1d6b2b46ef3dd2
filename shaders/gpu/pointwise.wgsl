// GPU family: 1×1 convolution (a matmul per image) with the same fused input and output stages as the
// CPU family's pointwise.wgsl:
//   y[b,m,p] = act_out(bias[m] + Σ_k w[m,k] · (scale[b,k] · act_in(x[b,k,p]) − shift[k])) + res[b,m,p]
// With LN_IN the input is LayerNorm'd over k at each pixel (γ, β folded into w and bias by the op
// builder, rsum = Σ_k w): the kernel takes d = x − z (z: the mean of the pixel's first 4 channels),
// sums d and d² while it stages x (layer_norm.wgsl's shifted sums), and writes (Σ_k w·d − μ_d·Σ_k w)·rstd.
//
// Shape (the usual GPU one): a workgroup of 16 × 16 invocations owns a 64 (m) × 64 (p) output tile,
// each invocation 4 rows × 4 pixels (4 vec4 accumulators, 16 floats). K runs in steps of 16: the
// workgroup stages w[16 k, 64 m] and x[16 k, 64 p] in workgroup memory (one vec4 of each per
// invocation, coalesced), then each invocation does 16 × 4 vec4 FMAs from it. Workgroups:
// (ceil(PS / 64), ceil(M / 64), B).
// Weights: transposed, [KS16, MS] with MS = M rounded up to 64 and KS16 = K rounded up to 16, as vec4
// along m, zero padded (tileWeightsGpu in src/ops/pointwise.ts): no bounds checks on weight loads.
struct Params {
  M: u32,   // output channels
  K: u32,   // input channels
  PS: u32,  // plane stride in floats (H·W rounded up to 4)
  KS: u32,  // K rounded up to 4 (the rows of scale and shift)
  KS16: u32, // K rounded up to 16 (the weights' rows)
  MS: u32,  // M rounded up to 64 (the weights' columns)
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;      // (B, K, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;          // (KS16, MS / 4): w[m, k] at k·MS/4 + m/4, lane m % 4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;   // (MS)
@group(0) @binding(4) var<storage, read> res: array<vec4<f32>>;    // (B, M, PS), read when HAS_RES
@group(0) @binding(5) var<storage, read> scale: array<vec4<f32>>;  // (B, KS), read when HAS_SCALE
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, M, PS)
@group(0) @binding(7) var<storage, read> rsum: array<vec4<f32>>;   // (MS) Σ_k w[m,k], read when LN_IN
@group(0) @binding(8) var<storage, read> shift: array<vec4<f32>>;  // (KS), read when HAS_SHIFT

#include "pointwise_stages.wgsl"

#include "layer_norm.wgsl"

const T = 16u;  // invocations per side; each owns 4 rows × 4 pixels
const KT = 16u; // k per stage

var<workgroup> ws: array<vec4<f32>, 256>; // [KT][64 m / 4]
var<workgroup> xs: array<vec4<f32>, 256>; // [KT][64 p / 4]
var<workgroup> zs: array<vec4<f32>, 16>;  // LN_IN: the shift z of the tile's 64 pixels

// Input channel k (< K) of image b at pixel quad q4: act_in, gate, shift.
fn xin(b: u32, k: u32, q4: u32) -> vec4<f32> {
  var v = x[(b * p.K + k) * (p.PS / 4u) + q4];
  if (RELU_IN) { v = max(v, vec4(0.0)); }
  if (HAS_SCALE) { v *= scale[(b * p.KS + k) / 4u][k % 4u]; }
  if (HAS_SHIFT) { v -= shift[k / 4u][k % 4u]; }
  return v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ps4 = p.PS / 4u;
  let b = wid.z;
  let m0 = wid.y * 64u;     // the tile's first row
  let q0 = wid.x * 16u;     // the tile's first pixel quad
  let tx = lid.x;           // this invocation's pixel quad in the tile (and, staging, its column)
  let ty = lid.y;           // its row quad (and, staging, its k)
  let q = q0 + tx;
  let inPlane = q < ps4;

  // LN_IN: z for the tile's pixels, the mean of channels 0..3 (past K the last channel repeats).
  if (LN_IN) {
    if (ty == 0u && inPlane) {
      var s = vec4<f32>();
      for (var j = 0u; j < 4u; j++) { s += xin(b, min(j, p.K - 1u), q); }
      zs[tx] = 0.25 * s;
    }
    workgroupBarrier();
  }

  var acc = array<vec4<f32>, 4>();
  var sums = LnSums();
  for (var k0 = 0u; k0 < p.KS16; k0 += KT) {
    // Stage: invocation (tx, ty) loads the weights of k0 + ty for rows m0 + 4tx .. +3, and input
    // channel k0 + ty at pixel quad q (0 past K or past the plane; LN_IN: less z, summed).
    let k = k0 + ty;
    ws[ty * T + tx] = wload(w[k * (p.MS / 4u) + m0 / 4u + tx]);
    var v = vec4<f32>();
    if (k < p.K && inPlane) {
      v = xin(b, k, q);
      if (LN_IN) {
        v -= zs[tx];
        sums.s1 += v;
        sums.s2 = fma(v, v, sums.s2);
      }
    }
    xs[ty * T + tx] = v;
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      let a = ws[kk * T + ty];
      let xv = xs[kk * T + tx];
      acc[0] = fma(vec4(a.x), xv, acc[0]);
      acc[1] = fma(vec4(a.y), xv, acc[1]);
      acc[2] = fma(vec4(a.z), xv, acc[2]);
      acc[3] = fma(vec4(a.w), xv, acc[3]);
    }
    workgroupBarrier();
  }

  // LN_IN: the column's 16 partial sums (one per staging row ty) through workgroup memory.
  var mu = vec4<f32>();
  var rs = vec4<f32>(1.0);
  if (LN_IN) {
    ws[ty * T + tx] = sums.s1;
    xs[ty * T + tx] = sums.s2;
    workgroupBarrier();
    var tot = LnSums();
    for (var r = 0u; r < T; r++) { tot.s1 += ws[r * T + tx]; tot.s2 += xs[r * T + tx]; }
    let st = ln_from_sums(f32(p.K), tot);
    mu = st.mean;
    rs = ln_rstd(st, LN_EPS);
  }

  if (!inPlane) { return; }
  let bq = bias[m0 / 4u + ty];
  var rq = vec4<f32>();
  if (LN_IN) { rq = rsum[m0 / 4u + ty]; }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + ty * 4u + i;
    if (m < p.M) {
      var v = acc[i];
      if (LN_IN) { v = (v - mu * rq[i]) * rs; }
      put((b * p.M + m) * ps4 + q, v + bq[i]);
    }
  }
}
