// GPU family: LayerNorm over channels fused with the qkv linear layer, on the tokens of a map (the
// delegate pixels (i·sr, j·sr) of EdgeViT; every pixel for DeiT and Swin, sr = 1), as the CPU
// family's ln_qkv.wgsl:
//   y[b, o, n] = bias[o] + rstd_n · Σ_c w[o, c] · ((x[b, c, pix(n)] − z_n) − μ_n)
// with LayerNorm's γ and β folded into w and bias by the op builder, z_n the token's channel 0 and μ_n
// the mean of x − z (layer_norm.wgsl: centred before the products, so a large mean never cancels).
//
// Shape: a workgroup of 8 × 8 invocations owns a 32 (o) × 32 (token) output tile, each invocation
// 4 outputs × 4 tokens (4 vec4 accumulators, 16 floats; outer4x4.wgsl). Workgroups:
// (ceil(PSo / 32), ceil(M / 32), B).
//  1. Statistics, a workgroup reduction: invocation (tx, ty) runs Welford (ln_push) over channels
//     ty, ty + 8, … of token quad tx; the 8 parts of each quad meet in workgroup memory, and every
//     invocation merges those of its quad (ln_merge, Chan) into its z, μ and rstd. Every row tile
//     recomputes the statistics of its tokens: C loads per token, beside its 32·C multiply-adds.
//  2. GEMM: C in steps of 16; the workgroup stages w[16 c, 32 o] and (x − z) − μ for [16 c, 32 tokens]
//     in workgroup memory (two vec4 of each per invocation), then each invocation does 16 outer4 steps
//     from them; rstd and the bias scale and shift the sums at the end.
// Weights: transposed, [CS16, MS] with MS = M rounded up to 64 and CS16 = C rounded up to 16, as vec4
// along o, zero padded (transposeWeightsGpu in src/ops/pointwise.ts): no bounds checks on weight loads.
// Tokens past N repeat token N − 1 (written only inside the plane's padding, as the CPU family does);
// channels past C are staged as 0; rows past M are not written.
struct Params {
  C: u32,    // channels of x
  W: u32,    // width of x
  PS: u32,   // plane stride of x (H·W rounded up to 4)
  sr: u32,   // sampling stride
  w: u32,    // delegate columns (W / sr)
  N: u32,    // delegate tokens (H / sr · W / sr)
  PSo: u32,  // plane stride of y (N rounded up to 4)
  M: u32,    // outputs (3C)
  MS: u32,   // M rounded up to 64 (the weights' columns)
  CS16: u32, // C rounded up to 16 (the weights' rows)
  eps: f32,
}

#include "act.wgsl"
#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;             // (B, C, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (CS16, MS / 4): w[o, c] at c·MS/4 + o/4, lane o % 4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (MS)
@group(0) @binding(4) var<storage, read_write> y: array<act4>;      // (B, M, PSo)

#include "layer_norm.wgsl"
#include "delegate_tokens.wgsl"
#include "outer4x4.wgsl"

const T = 8u;   // invocations per side; each owns 4 outputs × 4 tokens
const KT = 16u; // channels per stage

var<workgroup> ws: array<vec4<f32>, 128>;       // [KT][32 o / 4]
var<workgroup> xs: array<vec4<f32>, 128>;       // [KT][32 tokens / 4]: (x − z) − μ
var<workgroup> part_mean: array<vec4<f32>, 64>; // [T parts][T token quads]: Welford means of x − z
var<workgroup> part_m2: array<vec4<f32>, 64>;   // and M2

@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let m0 = wid.y * 32u;     // the tile's first output
  let tx = lid.x;           // this invocation's token quad in the tile (and, staging, its column)
  let ty = lid.y;           // its output quad (and, staging, its channel; for the statistics, its part)
  let xb = b * p.C * p.PS;
  let mine = pixels(wid.x * 32u + 4u * tx);

  // 1. z, μ and rstd of token quad tx: part ty is channels ty, ty + T, …; then all T parts merged.
  let z = gather(xb, mine);
  var part = ln_none();
  for (var c = ty; c < p.C; c += T) {
    part = ln_push(part, gather(xb + c * p.PS, mine) - z);
  }
  part_mean[ty * T + tx] = part.mean;
  part_m2[ty * T + tx] = part.m2;
  workgroupBarrier();
  var st = ln_none();
  for (var r = 0u; r < T; r++) {
    let n = f32((p.C + T - 1u - r) / T); // channels c < C with c % T == r
    st = ln_merge(st, LnStats(n, part_mean[r * T + tx], part_m2[r * T + tx]));
  }
  let mu = st.mean;
  let rs = ln_rstd(st, p.eps);

  // 2. The tile's GEMM over the centred tokens.
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < p.CS16; k0 += KT) {
    // Stage rows r + ty of the step: the weights of channel k for outputs m0 + 4tx .. +3, and
    // channel k of token quad tx, centred (0 past C).
    for (var r = 0u; r < KT; r += T) {
      let k = k0 + r + ty;
      ws[(r + ty) * T + tx] = wload(w[k * (p.MS / 4u) + m0 / 4u + tx]);
      var v = vec4<f32>();
      if (k < p.C) { v = (gather(xb + k * p.PS, mine) - z) - mu; }
      xs[(r + ty) * T + tx] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      outer4(&acc, ws[kk * T + ty], xs[kk * T + tx]);
    }
    workgroupBarrier();
  }

  // Output rows m0 + 4ty .. +3 at token quad q (quads past the plane and rows past M skipped).
  let ps4 = p.PSo / 4u;
  let q = wid.x * T + tx;
  if (q < ps4) {
    let bq = bias[m0 / 4u + ty];
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + 4u * ty + i;
      if (m < p.M) { y[(b * p.M + m) * ps4 + q] = act4(fma(acc[i], rs, vec4(bq[i]))); }
    }
  }
}
