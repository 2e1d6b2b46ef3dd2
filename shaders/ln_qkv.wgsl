// LayerNorm over channels, then the qkv linear layer, on the delegate tokens of a map only: the
// pixels (i·sr, j·sr) of x (EdgeViT's AvgPool2d(1, sr) sampler), read by indexing.
//   y[b, o, n] = bias[o] + Σ_c w[o, c] · (x[b, c, pix(n)] − μ_n) · rstd_n
// with LayerNorm's γ and β folded into w and bias by the op builder (w = W·diag(γ), bias = b + W·β).
// Register tiling for SwiftShader (every computed-index load is a per-lane scalar loop, arithmetic is
// cheap): each invocation owns 16 outputs × 16 tokens in 64 vec4 accumulators (tile16x16.wgsl)
// acc[4·output + token quad] (a vec4 holds 4 tokens); per 4 channels it loads 64 x and 16 vec4 of w
// and does 256 vec4 fma on (x − z) − μ, z the token's channel 0 and μ the mean of x − z
// (layer_norm.wgsl: centred before the products, and no rounding at the offset's scale, so a large
// mean never cancels); rstd scales the sums at the end. The invocations of a workgroup share the 16
// tokens (different output tiles): the first 4 each compute z, μ and rstd of one token quad in one
// Welford pass over C (stable like two passes, with half the loads), and they swap them through a
// 48-float workgroup array.
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
#include "tile16x16.wgsl"
#include "weight_tile.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // (B, C, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (tilesM, CS/4, 16): w[16t+i, 4j..4j+3] at (t·CS/4 + j)·16 + i, zero padded
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (tilesM·16)
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>; // (B, M, PSo)

// One output tile per invocation (the Tuning's lnQkv.wg, ≥ 4); invocations 0–3 also compute the
// statistics of the 16 tokens, one token quad each.
override WG: u32 = 4u;
var<workgroup> stats: array<vec4<f32>, 12>; // (quad, {z, μ, rstd}) for the workgroup's 16 tokens

#include "layer_norm.wgsl"

#include "delegate_tokens.wgsl"

// Output row m at offset o from its 4 accumulator quads, scaled by each quad's rstd (qs quads valid).
fn put_row(o: u32, m: u32, qs: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>, rs: array<vec4<f32>, 4>) {
  let bm = vec4(bias[m / 4u][m % 4u]);
  y[o] = fma(a0, rs[0], bm);
  if (1u < qs) { y[o + 1u] = fma(a1, rs[1], bm); }
  if (2u < qs) { y[o + 2u] = fma(a2, rs[2], bm); }
  if (3u < qs) { y[o + 3u] = fma(a3, rs[3], bm); }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let C = p.C;
  let b = wid.z;
  let t0 = wid.x * 16u;
  let xb = b * C * p.PS;

  // z, μ and rstd of token quad lid.x in one pass (Welford on x − z: no cancellation when |μ| ≫ σ).
  if (lid.x < 4u) {
    let mine = pixels(t0 + 4u * lid.x);
    let z = gather(xb, mine);
    var st = ln_none();
    for (var c = 0u; c < C; c++) {
      st = ln_push(st, gather(xb + c * p.PS, mine) - z);
    }
    stats[3u * lid.x] = z;
    stats[3u * lid.x + 1u] = st.mean;
    stats[3u * lid.x + 2u] = ln_rstd(st, p.eps);
  }
  workgroupBarrier();

  let tm = wid.y * WG + lid.x;
  if (tm >= p.tilesM) { return; } // past M: it only had to help with the statistics
  let z0 = stats[0]; let mu0 = stats[1]; let rs0 = stats[2]; let z1 = stats[3]; let mu1 = stats[4]; let rs1 = stats[5];
  let z2 = stats[6]; let mu2 = stats[7]; let rs2 = stats[8]; let z3 = stats[9]; let mu3 = stats[10]; let rs3 = stats[11];
  let o0 = pixels(t0); let o1 = pixels(t0 + 4u); let o2 = pixels(t0 + 8u); let o3 = pixels(t0 + 12u);

  var acc = array<vec4<f32>, 64>();

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
    tile_mac_w(&acc, (tm * p.CS / 4u + c4) * 16u, array(x00, x01, x02, x03), array(x10, x11, x12, x13),
             array(x20, x21, x22, x23), array(x30, x31, x32, x33));
  }

  // Write the tile: rows past M and token quads past the plane are skipped.
  let rows = min(16u, p.M - tm * 16u);
  let ps4 = p.PSo / 4u;
  let q0 = wid.x * 4u;
  let qs = min(4u, ps4 - q0);
  let ob = (b * p.M + tm * 16u) * ps4 + q0;
  let rs = array(rs0, rs1, rs2, rs3);
  if (0u < rows) { put_row(ob + 0u * ps4, tm * 16u + 0u, qs, acc[0], acc[1], acc[2], acc[3], rs); }
  if (1u < rows) { put_row(ob + 1u * ps4, tm * 16u + 1u, qs, acc[4], acc[5], acc[6], acc[7], rs); }
  if (2u < rows) { put_row(ob + 2u * ps4, tm * 16u + 2u, qs, acc[8], acc[9], acc[10], acc[11], rs); }
  if (3u < rows) { put_row(ob + 3u * ps4, tm * 16u + 3u, qs, acc[12], acc[13], acc[14], acc[15], rs); }
  if (4u < rows) { put_row(ob + 4u * ps4, tm * 16u + 4u, qs, acc[16], acc[17], acc[18], acc[19], rs); }
  if (5u < rows) { put_row(ob + 5u * ps4, tm * 16u + 5u, qs, acc[20], acc[21], acc[22], acc[23], rs); }
  if (6u < rows) { put_row(ob + 6u * ps4, tm * 16u + 6u, qs, acc[24], acc[25], acc[26], acc[27], rs); }
  if (7u < rows) { put_row(ob + 7u * ps4, tm * 16u + 7u, qs, acc[28], acc[29], acc[30], acc[31], rs); }
  if (8u < rows) { put_row(ob + 8u * ps4, tm * 16u + 8u, qs, acc[32], acc[33], acc[34], acc[35], rs); }
  if (9u < rows) { put_row(ob + 9u * ps4, tm * 16u + 9u, qs, acc[36], acc[37], acc[38], acc[39], rs); }
  if (10u < rows) { put_row(ob + 10u * ps4, tm * 16u + 10u, qs, acc[40], acc[41], acc[42], acc[43], rs); }
  if (11u < rows) { put_row(ob + 11u * ps4, tm * 16u + 11u, qs, acc[44], acc[45], acc[46], acc[47], rs); }
  if (12u < rows) { put_row(ob + 12u * ps4, tm * 16u + 12u, qs, acc[48], acc[49], acc[50], acc[51], rs); }
  if (13u < rows) { put_row(ob + 13u * ps4, tm * 16u + 13u, qs, acc[52], acc[53], acc[54], acc[55], rs); }
  if (14u < rows) { put_row(ob + 14u * ps4, tm * 16u + 14u, qs, acc[56], acc[57], acc[58], acc[59], rs); }
  if (15u < rows) { put_row(ob + 15u * ps4, tm * 16u + 15u, qs, acc[60], acc[61], acc[62], acc[63], rs); }
}
