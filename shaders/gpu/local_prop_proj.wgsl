// GPU family: EdgeViT's global sparse attention, output side, in one dispatch (LocalProp + LayerNorm
// + proj + residual), with the CPU family's inputs, overrides SR and LN, and fusions
// (local_prop_proj.wgsl). From the attention output o on the delegate grid (h × w, one delegate per
// SR × SR block):
//   u[c, y, x] = lw[c, y % SR, x % SR] · o[c, y / SR, x / SR] + lb[c]   (depthwise ConvTranspose2d,
//                                                                          kernel = stride = SR; SR = 1: u = o)
//   y[m, p] = res[m, p] + bp[m] + rstd(p) · (Σ_c w[m, c] · d[c, p] − mean_d(p) · rsum[m]),  d = u − z(p)
// the proj as gpu/pointwise.wgsl's LN_IN computes it: the op builder folds the LayerNorm's gamma and
// beta into w and bp (w = W·diag(gamma), bp = b + W·beta) and passes rsum = Σ_c w[m, c]; z(p) is the
// mean of u at channels 0..3, and the kernel sums d and d² as it stages u (layer_norm.wgsl's shifted
// sums, totalled by ln_tile64.wgsl). With LN off, z = mean = 0 and rstd = 1.
//
// Shape: a workgroup of 16 × 16 invocations owns 64 output channels × 64 pixels (consecutive in the
// plane), each invocation 4 channels × 4 pixels (4 vec4 accumulators). The input channels run in
// steps of 16: the workgroup stages w[16 c, 64 m] and u[16 c, 64 p] in workgroup memory (u computed
// from o as it is staged: one vec4 of each per invocation), then each invocation does 16 × 4 vec4
// FMAs from it (outer4x4.wgsl). Workgroups: (ceil(PS / 64), ceil(C / 64), B).
// Weights: transposed, [KS16, MS] (transposeWeightsGpu in src/ops/pointwise.ts), zero padded.
struct Params {
  C: u32,      // channels (in = out)
  h: u32, w: u32, PSo: u32, // delegate grid of o and its plane stride
  H: u32, W: u32, PS: u32,  // output (= residual) map, H = h·SR, W = w·SR, and its plane stride
  KS16: u32,   // C rounded up to 16 (the weights' rows)
  MS: u32,     // C rounded up to 64 (the weights' columns)
  eps: f32,
}

#include "act.wgsl"
#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> o: array<act>;            // (B, C, PSo)
@group(0) @binding(2) var<storage, read> lw: array<f32>;           // (C, SR, SR) LocalProp weight, read when SR > 1
@group(0) @binding(3) var<storage, read> lb: array<f32>;           // (C) LocalProp bias, read when SR > 1
@group(0) @binding(4) var<storage, read> w: array<wvec4>;          // (KS16, MS / 4): w[m, c] at c·MS/4 + m/4, lane m % 4
@group(0) @binding(5) var<storage, read> bp: array<vec4<f32>>;     // (MS)
@group(0) @binding(6) var<storage, read> res: array<act4>;         // (B, C, PS)
@group(0) @binding(7) var<storage, read_write> y: array<act4>;     // (B, C, PS)
@group(0) @binding(8) var<storage, read> rsum: array<vec4<f32>>;   // (MS) Σ_c w[m, c], read when LN

override SR: u32 = 2;     // LocalProp kernel = stride (1: none)
override LN: bool = true; // LayerNorm over the channels of u

#include "layer_norm.wgsl"
#include "ln_tile64.wgsl"
#include "outer4x4.wgsl"

const T = 16u;  // invocations per side; each owns 4 channels × 4 pixels
const KT = 16u; // input channels per stage

var<workgroup> ws: array<vec4<f32>, 256>; // [KT][64 m / 4]
var<workgroup> xs: array<vec4<f32>, 256>; // [KT][64 p / 4]: u
var<workgroup> zs: array<vec4<f32>, 16>;  // LN: the shift z of the tile's 64 pixels

// Where the 4 pixels of quad q read o (offset in a delegate plane) and lw (tap ky·SR + kx).
struct Quad { at: vec4<u32>, tap: vec4<u32> }
fn quad(q: u32) -> Quad {
  let px = min(vec4(4u * q) + vec4(0u, 1u, 2u, 3u), vec4(p.H * p.W - 1u)); // lanes past the map: its last pixel
  let py = px / p.W;
  let pxx = px % p.W;
  return Quad((py / SR) * p.w + pxx / SR, (py % SR) * SR + pxx % SR);
}

// u of input channel k (< C) of image b at the pixels of quad d.
fn uin(b: u32, k: u32, d: Quad) -> vec4<f32> {
  let ob = (b * p.C + k) * p.PSo;
  let v = vec4(f32(o[ob + d.at.x]), f32(o[ob + d.at.y]), f32(o[ob + d.at.z]), f32(o[ob + d.at.w]));
  if (SR == 1u) { return v; }
  let lk = k * SR * SR;
  return fma(vec4(lw[lk + d.tap.x], lw[lk + d.tap.y], lw[lk + d.tap.z], lw[lk + d.tap.w]), v, vec4(lb[k]));
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let ps4 = p.PS / 4u;
  let b = wid.z;
  let m0 = wid.y * 64u;     // the tile's first output channel
  let q = wid.x * 16u + lid.x; // this invocation's pixel quad (and, staging, its column)
  let tx = lid.x;
  let ty = lid.y;           // its channel quad (and, staging, its input channel)
  let inPlane = q < ps4;
  let d = quad(q);

  // LN: z for the tile's pixels, the mean of u at channels 0..3 (past C the last channel repeats).
  if (LN) {
    if (ty == 0u && inPlane) {
      var s = vec4<f32>();
      for (var j = 0u; j < 4u; j++) { s += uin(b, min(j, p.C - 1u), d); }
      zs[tx] = 0.25 * s;
    }
    workgroupBarrier();
  }

  var acc = array<vec4<f32>, 4>();
  var sums = LnSums();
  for (var k0 = 0u; k0 < p.KS16; k0 += KT) {
    // Stage: invocation (tx, ty) loads the weights of input channel k0 + ty for output channels
    // m0 + 4tx .. +3, and u of that channel at pixel quad q (0 past C or past the plane; LN: less z, summed).
    let k = k0 + ty;
    ws[ty * T + tx] = wload(w[k * (p.MS / 4u) + m0 / 4u + tx]);
    var v = vec4<f32>();
    if (k < p.C && inPlane) {
      v = uin(b, k, d);
      if (LN) {
        v -= zs[tx];
        sums.s1 += v;
        sums.s2 = fma(v, v, sums.s2);
      }
    }
    xs[ty * T + tx] = v;
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      outer4(&acc, ws[kk * T + ty], xs[kk * T + tx]);
    }
    workgroupBarrier();
  }

  // LN: the statistics of the column's pixels, from the 16 staging rows' partial sums.
  var mu = vec4<f32>();
  var rs = vec4<f32>(1.0);
  if (LN) {
    let st = tile64_ln(tx, ty, sums, f32(p.C));
    mu = st.mean;
    rs = ln_rstd(st, p.eps);
  }

  if (inPlane) {
    let bq = bp[m0 / 4u + ty];
    var rq = vec4<f32>();
    if (LN) { rq = rsum[m0 / 4u + ty]; }
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + ty * 4u + i;
      if (m < p.C) {
        var v = acc[i];
        if (LN) { v = (v - mu * rq[i]) * rs; }
        let at = (b * p.C + m) * ps4 + q;
        y[at] = act4(vec4<f32>(res[at]) + v + bq[i]);
      }
    }
  }
}
