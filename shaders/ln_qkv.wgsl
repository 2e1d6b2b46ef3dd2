// LayerNorm over channels, then the qkv linear layer, on the delegate tokens of a map only: the
// pixels (i·sr, j·sr) of x (EdgeViT's AvgPool2d(1, sr) sampler), read by indexing.
//   y[b, o, n] = bias[o] + Σ_c w[o, c] · (x[b, c, pix(n)] − μ_n) · rstd_n
// with LayerNorm's γ and β folded into w and bias by the op builder (w = W·diag(γ), bias = b + W·β).
// Register tiling for SwiftShader (every computed-index load is a per-lane scalar loop, arithmetic is
// cheap): each invocation owns 16 outputs × 16 tokens in 64 vec4 accumulators c<output>_<token quad>
// (a vec4 holds 4 tokens); per 4 channels it loads 64 x and 16 vec4 of w and does 256 vec4 fma on
// (x − z) − μ, z the token's channel 0 and μ the mean of x − z (layer_norm.wgsl: centred before the
// products, and no rounding at the offset's scale, so a large mean never cancels); rstd scales the
// sums at the end. The 4 invocations of a workgroup share the 16 tokens (different output tiles):
// each computes z, μ and rstd of one token quad in one Welford pass over C (stable like two passes,
// with half the loads), and they swap them through a 48-float workgroup array.
// Tokens past N repeat token N−1 (finite; written only inside the plane's padding); channels past C
// in the last step of 4 repeat channel C−1 (times zero weights); rows past M are not written.
struct Params {
  C: u32,      // channels of x
  CS: u32,     // C rounded up to 4
  W: u32,      // width of x
  PS: u32,     // plane stride of x (H·W rounded up to 4)
  sr: u32,     // sampling stride
  w: u32,      // delegate columns (W / sr)
  N: u32,      // delegate tokens (H / sr · W / sr)
  PSo: u32,    // plane stride of y (N rounded up to 4)
  M: u32,      // outputs (3C)
  tilesM: u32, // ceil(M / 16)
  eps: f32,
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // (B, C, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (tilesM, CS/4, 16): w[16t+i, 4j..4j+3] at (t·CS/4 + j)·16 + i, zero padded
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (tilesM·16)
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>; // (B, M, PSo)

// One token quad per invocation in the statistics pass: the workgroup is exactly 16 tokens / 4.
const WG = 4u;
var<workgroup> stats: array<vec4<f32>, 12>; // (quad, {z, μ, rstd}) for the workgroup's 16 tokens

#include "layer_norm.wgsl"

// Offsets in a plane of x of tokens t..t+3 (clamped to the last token).
fn pixels(t: u32) -> vec4<u32> {
  let n = min(vec4(t) + vec4(0u, 1u, 2u, 3u), vec4(p.N - 1u));
  return (n / p.w) * (p.sr * p.W) + (n % p.w) * p.sr;
}

fn gather(r: u32, o: vec4<u32>) -> vec4<f32> {
  return vec4(x[r + o.x], x[r + o.y], x[r + o.z], x[r + o.w]);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let C = p.C;
  let b = wid.z;
  let t0 = wid.x * 16u;
  let xb = b * C * p.PS;

  // z, μ and rstd of token quad lid.x in one pass (Welford on x − z: no cancellation when |μ| ≫ σ).
  let mine = pixels(t0 + 4u * lid.x);
  let z = gather(xb, mine);
  var st = ln_none();
  for (var c = 0u; c < C; c++) {
    st = ln_push(st, gather(xb + c * p.PS, mine) - z);
  }
  stats[3u * lid.x] = z;
  stats[3u * lid.x + 1u] = st.mean;
  stats[3u * lid.x + 2u] = ln_rstd(st, p.eps);
  workgroupBarrier();

  let tm = wid.y * WG + lid.x;
  if (tm >= p.tilesM) { return; } // past M: it only had to help with the statistics
  let z0 = stats[0]; let mu0 = stats[1]; let rs0 = stats[2]; let z1 = stats[3]; let mu1 = stats[4]; let rs1 = stats[5];
  let z2 = stats[6]; let mu2 = stats[7]; let rs2 = stats[8]; let z3 = stats[9]; let mu3 = stats[10]; let rs3 = stats[11];
  let o0 = pixels(t0); let o1 = pixels(t0 + 4u); let o2 = pixels(t0 + 8u); let o3 = pixels(t0 + 12u);

#include "tile16x16_acc.wgsl"

  for (var c4 = 0u; c4 < p.CS / 4u; c4++) {
    // Channels c..c+3; in the last block channels past C repeat channel C−1 (times zero weights).
    let c = c4 * 4u;
    let r0 = xb + c * p.PS;
    let r1 = xb + min(c + 1u, C - 1u) * p.PS;
    let r2 = xb + min(c + 2u, C - 1u) * p.PS;
    let r3 = xb + min(c + 3u, C - 1u) * p.PS;
    let x00 = (gather(r0, o0) - z0) - mu0; let x01 = (gather(r0, o1) - z1) - mu1; let x02 = (gather(r0, o2) - z2) - mu2; let x03 = (gather(r0, o3) - z3) - mu3;
    let x10 = (gather(r1, o0) - z0) - mu0; let x11 = (gather(r1, o1) - z1) - mu1; let x12 = (gather(r1, o2) - z2) - mu2; let x13 = (gather(r1, o3) - z3) - mu3;
    let x20 = (gather(r2, o0) - z0) - mu0; let x21 = (gather(r2, o1) - z1) - mu1; let x22 = (gather(r2, o2) - z2) - mu2; let x23 = (gather(r2, o3) - z3) - mu3;
    let x30 = (gather(r3, o0) - z0) - mu0; let x31 = (gather(r3, o1) - z1) - mu1; let x32 = (gather(r3, o2) - z2) - mu2; let x33 = (gather(r3, o3) - z3) - mu3;
    let wi = (tm * p.CS / 4u + c4) * 16u;
#include "tile16x16_step.wgsl"
  }

  // Write the tile: rows past M and token quads past the plane are skipped.
  let rows = min(16u, p.M - tm * 16u);
  let ps4 = p.PSo / 4u;
  let q0 = wid.x * 4u;
  let qs = min(4u, ps4 - q0);
  let ob = (b * p.M + tm * 16u) * ps4 + q0;
  if (0u < rows) { let o = ob + 0u * ps4; let bm = vec4(bias[tm * 4u + 0u].x); y[o] = fma(c0_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c0_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c0_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c0_3, rs3, bm); } }
  if (1u < rows) { let o = ob + 1u * ps4; let bm = vec4(bias[tm * 4u + 0u].y); y[o] = fma(c1_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c1_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c1_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c1_3, rs3, bm); } }
  if (2u < rows) { let o = ob + 2u * ps4; let bm = vec4(bias[tm * 4u + 0u].z); y[o] = fma(c2_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c2_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c2_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c2_3, rs3, bm); } }
  if (3u < rows) { let o = ob + 3u * ps4; let bm = vec4(bias[tm * 4u + 0u].w); y[o] = fma(c3_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c3_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c3_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c3_3, rs3, bm); } }
  if (4u < rows) { let o = ob + 4u * ps4; let bm = vec4(bias[tm * 4u + 1u].x); y[o] = fma(c4_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c4_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c4_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c4_3, rs3, bm); } }
  if (5u < rows) { let o = ob + 5u * ps4; let bm = vec4(bias[tm * 4u + 1u].y); y[o] = fma(c5_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c5_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c5_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c5_3, rs3, bm); } }
  if (6u < rows) { let o = ob + 6u * ps4; let bm = vec4(bias[tm * 4u + 1u].z); y[o] = fma(c6_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c6_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c6_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c6_3, rs3, bm); } }
  if (7u < rows) { let o = ob + 7u * ps4; let bm = vec4(bias[tm * 4u + 1u].w); y[o] = fma(c7_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c7_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c7_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c7_3, rs3, bm); } }
  if (8u < rows) { let o = ob + 8u * ps4; let bm = vec4(bias[tm * 4u + 2u].x); y[o] = fma(c8_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c8_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c8_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c8_3, rs3, bm); } }
  if (9u < rows) { let o = ob + 9u * ps4; let bm = vec4(bias[tm * 4u + 2u].y); y[o] = fma(c9_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c9_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c9_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c9_3, rs3, bm); } }
  if (10u < rows) { let o = ob + 10u * ps4; let bm = vec4(bias[tm * 4u + 2u].z); y[o] = fma(c10_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c10_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c10_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c10_3, rs3, bm); } }
  if (11u < rows) { let o = ob + 11u * ps4; let bm = vec4(bias[tm * 4u + 2u].w); y[o] = fma(c11_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c11_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c11_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c11_3, rs3, bm); } }
  if (12u < rows) { let o = ob + 12u * ps4; let bm = vec4(bias[tm * 4u + 3u].x); y[o] = fma(c12_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c12_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c12_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c12_3, rs3, bm); } }
  if (13u < rows) { let o = ob + 13u * ps4; let bm = vec4(bias[tm * 4u + 3u].y); y[o] = fma(c13_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c13_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c13_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c13_3, rs3, bm); } }
  if (14u < rows) { let o = ob + 14u * ps4; let bm = vec4(bias[tm * 4u + 3u].z); y[o] = fma(c14_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c14_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c14_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c14_3, rs3, bm); } }
  if (15u < rows) { let o = ob + 15u * ps4; let bm = vec4(bias[tm * 4u + 3u].w); y[o] = fma(c15_0, rs0, bm); if (1u < qs) { y[o + 1u] = fma(c15_1, rs1, bm); } if (2u < qs) { y[o + 2u] = fma(c15_2, rs2, bm); } if (3u < qs) { y[o + 3u] = fma(c15_3, rs3, bm); } }
}
