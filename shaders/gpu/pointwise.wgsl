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
//
// Split-K (SPLIT_K; not with LN_IN), for layers of few output tiles and a long K (a 4×4 map at batch
// 1): grid z runs B · splits workgroups, split s sums k in [s·KPS, (s+1)·KPS) and writes its raw
// partial sums to y, read as (splits · B, M, PS); the entry point `reduce` (one invocation per output
// vec4) then adds the splits, the bias and the output stage into y proper (bound as y, the partials
// as x). Two dispatches; the sum's order differs from one pass by the split boundaries only.
struct Params {
  M: u32,   // output channels
  K: u32,   // input channels
  PS: u32,  // plane stride in floats (H·W rounded up to 4)
  KS: u32,  // K rounded up to 4 (the rows of scale and shift)
  KS16: u32, // K rounded up to 16 (the weights' rows)
  MS: u32,  // M rounded up to 64 (the weights' columns)
  splits: u32, // SPLIT_K: the K splits (1 without)
  KPS: u32,    // SPLIT_K: k per split, a multiple of 16
  B: u32,      // images (reduce's grid)
}

override SPLIT_K = false;

#include "act.wgsl"
#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act4>;           // (B, K, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;          // (KS16, MS / 4): w[m, k] at k·MS/4 + m/4, lane m % 4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;   // (MS)
@group(0) @binding(4) var<storage, read> res: array<act4>;         // (B, M, PS), read when HAS_RES
@group(0) @binding(5) var<storage, read> scale: array<act4>;       // (B, KS), read when HAS_SCALE
@group(0) @binding(6) var<storage, read_write> y: array<act4>;     // (B, M, PS)
@group(0) @binding(7) var<storage, read> rsum: array<vec4<f32>>;   // (MS) Σ_k w[m,k], read when LN_IN
@group(0) @binding(8) var<storage, read> shift: array<vec4<f32>>;  // (KS), read when HAS_SHIFT

#include "pointwise_stages.wgsl"

#include "layer_norm.wgsl"
#include "ln_tile64.wgsl"
#include "outer4x4.wgsl"

const T = 16u;  // invocations per side; each owns 4 rows × 4 pixels
const KT = 16u; // k per stage

var<workgroup> ws: array<vec4<f32>, 256>; // [KT][64 m / 4]
var<workgroup> xs: array<vec4<f32>, 256>; // [KT][64 p / 4]
var<workgroup> zs: array<vec4<f32>, 16>;  // LN_IN: the shift z of the tile's 64 pixels

// Input channel k (< K) of image b at pixel quad q4: act_in, gate, shift.
fn xin(b: u32, k: u32, q4: u32) -> vec4<f32> {
  var v = vec4<f32>(x[(b * p.K + k) * (p.PS / 4u) + q4]);
  if (RELU_IN) { v = max(v, vec4(0.0)); }
  if (HAS_SCALE) { v *= f32(scale[(b * p.KS + k) / 4u][k % 4u]); }
  if (HAS_SHIFT) { v -= shift[k / 4u][k % 4u]; }
  return v;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ps4 = p.PS / 4u;
  let b = wid.z % p.B;       // the image
  let split = wid.z / p.B;   // SPLIT_K: this workgroup's K split (0 without)
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
  let kEnd = select(p.KS16, min(p.KS16, (split + 1u) * p.KPS), SPLIT_K);
  for (var k0 = split * p.KPS; k0 < kEnd; k0 += KT) {
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
    for (var kk = 0u; kk < KT; kk++) { outer4(&acc, ws[kk * T + ty], xs[kk * T + tx]); }
    workgroupBarrier();
  }

  // LN_IN: the column's 16 partial sums (one per staging row ty) through workgroup memory.
  var mu = vec4<f32>();
  var rs = vec4<f32>(1.0);
  if (LN_IN) {
    let st = tile64_ln(tx, ty, sums, f32(p.K));
    mu = st.mean;
    rs = ln_rstd(st, LN_EPS);
  }

  if (!inPlane) { return; }
  if (SPLIT_K) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + ty * 4u + i;
      if (m < p.M) { y[((split * p.B + b) * p.M + m) * ps4 + q] = act4(acc[i]); }
    }
    return;
  }
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

// SPLIT_K's second dispatch: y[b, m, q] = put(Σ_s x[s, b, m, q] + bias[m]), one output vec4 per
// invocation, 64 per workgroup; grid (ceil(B·M·PS/4 / 64), 1, 1) folded as grid1d does.
const WG = 64u; // reduce's workgroup size (grid.wgsl)
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ps4 = p.PS / 4u;
  let i = invocation(gid, nwg);
  let n = p.B * p.M * ps4;
  if (i >= n) { return; }
  let m = (i / ps4) % p.M;
  var v = vec4<f32>(bias[m / 4u][m % 4u]);
  for (var s = 0u; s < p.splits; s++) { v += vec4<f32>(x[s * n + i]); }
  put(i, v);
}
