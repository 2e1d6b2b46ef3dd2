// 1×1 convolution (a matmul per image) with fused input and output epilogues:
//   y[b,m,p] = act_out(bias[m] + Σ_k w[m,k] · (scale[b,k] · act_in(x[b,k,p]) − shift[k])) + res[b,m,p]
// (shift: a BatchNorm's running mean when it is large, its scale folded into w: FusedSchedule.fold)
// act_out is ReLU or exact GELU. With LN_IN the input is LayerNorm'd over k at each pixel: γ and β are
// folded into w and bias by the op builder. The kernel takes x relative to the mean z of the pixel's
// first 4 channels (d = x − z, layer_norm.wgsl), accumulates Σd and Σd² from the same loads (no extra
// pass, no extra tensor; with d so shifted they lose a few bits at most), multiplies d, and applies
// (Σ_k w·d − μ_d·Σ_k w)·rstd: no term carries x's offset, so a large mean never cancels.
// Register tiling for SwiftShader, where every load with a computed index costs ~7 cycles per float
// and arithmetic is cheap: each invocation owns a 16 (m) × 16 (p) output tile in 64 vec4
// accumulators (acc[4·row + pixel quad], tile16x16.wgsl). Per 4 steps of k it loads 16 vec4 of x
// (4 rows × 4 quads) and the 16 vec4 of w that the op builder stored contiguously for this tile,
// then does 256 vec4 fma.
// No clamps or selects per load: the k tail repeats row K-1 (its w columns are zero), pixel quads
// past the plane repeat the last quad (written twice with the same value), and rows ≥ M are skipped.
// Sweep and numbers: bench/README.md.
struct Params {
  M: u32,      // output channels
  K: u32,      // input channels
  PS: u32,     // plane stride in floats (H·W rounded up to 4)
  KS: u32,     // K rounded up to 4
  tilesM: u32, // ceil(M / 16)
  tilesP: u32, // ceil(PS / 16)
  count: u32,  // B · tilesM · tilesP
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;      // (B, K, PS)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;          // (tilesM, KS/4, 16): w[16t+i, 4j..4j+3] at (t·KS/4 + j)·16 + i, zero padded
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;   // (ceil16(M))
@group(0) @binding(4) var<storage, read> res: array<vec4<f32>>;    // (B, M, PS), read when HAS_RES
@group(0) @binding(5) var<storage, read> scale: array<vec4<f32>>;  // (B, KS), read when HAS_SCALE
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, M, PS)
@group(0) @binding(7) var<storage, read> rsum: array<vec4<f32>>;   // (ceil16(M)) Σ_k w[m,k], read when LN_IN
@group(0) @binding(8) var<storage, read> shift: array<vec4<f32>>;  // (KS), read when HAS_SHIFT

override WG: u32 = 16;          // invocations per workgroup (multiple of 4)
#include "grid.wgsl"
#include "pointwise_stages.wgsl"
#include "tile16x16.wgsl"
#include "weight_tile.wgsl"
#include "layer_norm.wgsl"

// Input i after act_in, times the gate s, less the channel's shift sh.
fn xin(i: u32, s: f32, sh: f32) -> vec4<f32> {
  var v = x[i];
  if (RELU_IN) { v = max(v, vec4(0.0)); }
  if (HAS_SCALE) { v *= s; }
  if (HAS_SHIFT) { v -= sh; }
  return v;
}

// The shifts of channels 4·k4 .. 4·k4 + 3 (0 without HAS_SHIFT).
fn shifts(k4: u32) -> vec4<f32> {
  if (HAS_SHIFT) { return shift[k4]; }
  return vec4(0.0);
}

// Σ_k w[m, k] for 4 rows, read only with LN_IN (otherwise rsum is a 16-byte placeholder).
fn rowsum(i: u32) -> vec4<f32> {
  if (LN_IN) { return rsum[i]; }
  return vec4(0.0);
}

// LN_IN: (Σ_k w·d − μ_d·Σ_k w)·rstd with d = x − z; otherwise the plain sum.
fn ln(acc: vec4<f32>, rowsum: f32, mu: vec4<f32>, rstd: vec4<f32>) -> vec4<f32> {
  if (LN_IN) { return (acc - mu * rowsum) * rstd; }
  return acc;
}

// Output row m at offset o from its 4 accumulator quads (LN_IN: mu, rs per quad).
fn put_row(o: u32, m: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>, q: array<u32, 4>, mu: array<vec4<f32>, 4>, rs: array<vec4<f32>, 4>) {
  let bm = bias[m / 4u][m % 4u]; let rm = rowsum(m / 4u)[m % 4u];
  put(o + q[0], ln(a0, rm, mu[0], rs[0]) + bm);
  put(o + q[1], ln(a1, rm, mu[1], rs[1]) + bm);
  put(o + q[2], ln(a2, rm, mu[2], rs[2]) + bm);
  put(o + q[3], ln(a3, rm, mu[3], rs[3]) + bm);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let M = p.M;
  let K = p.K;
  let ps4 = p.PS / 4u;
  let ks4 = p.KS / 4u;
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.tilesP, p.tilesM, 1u));
  let tp = t.x; let tm = t.y; let b = t.w;
  let m0 = tm * 16u;
  let q0 = min(tp * 4u, ps4 - 1u);
  let q1 = min(tp * 4u + 1u, ps4 - 1u);
  let q2 = min(tp * 4u + 2u, ps4 - 1u);
  let q3 = min(tp * 4u + 3u, ps4 - 1u);
  let xb = b * K;

  var acc = array<vec4<f32>, 64>();

  // LN_IN: the shift z (the mean of each pixel's first block of 4 channels, as the loop reads them;
  // past K the last row repeats) and the sums Σd, Σd² of d = x − z for the 4 pixel quads. Without LN_IN z
  // is 0. The sums Σ_k w·(x − z) carry μ − z, which the correction μ_d·Σw then removes: a block's mean
  // keeps μ − z near the spread / 2 where one channel would leave it near the spread, halving what
  // that cancellation costs (and like any value of the vector it leaves no trace of a large offset).
  var z_0 = vec4<f32>(); var z_1 = vec4<f32>(); var z_2 = vec4<f32>(); var z_3 = vec4<f32>();
  if (LN_IN) {
    var s0 = vec4<f32>(1.0);
    if (HAS_SCALE) { s0 = scale[b * ks4]; }
    let r0 = xb * ps4;
    let r1 = (xb + min(1u, K - 1u)) * ps4;
    let r2 = (xb + min(2u, K - 1u)) * ps4;
    let r3 = (xb + min(3u, K - 1u)) * ps4;
    z_0 = 0.25 * (xin(r0 + q0, s0.x, 0.0) + xin(r1 + q0, s0.y, 0.0) + xin(r2 + q0, s0.z, 0.0) + xin(r3 + q0, s0.w, 0.0));
    z_1 = 0.25 * (xin(r0 + q1, s0.x, 0.0) + xin(r1 + q1, s0.y, 0.0) + xin(r2 + q1, s0.z, 0.0) + xin(r3 + q1, s0.w, 0.0));
    z_2 = 0.25 * (xin(r0 + q2, s0.x, 0.0) + xin(r1 + q2, s0.y, 0.0) + xin(r2 + q2, s0.z, 0.0) + xin(r3 + q2, s0.w, 0.0));
    z_3 = 0.25 * (xin(r0 + q3, s0.x, 0.0) + xin(r1 + q3, s0.y, 0.0) + xin(r2 + q3, s0.z, 0.0) + xin(r3 + q3, s0.w, 0.0));
  }
  var sum_0 = LnSums(); var sum_1 = LnSums(); var sum_2 = LnSums(); var sum_3 = LnSums();

  for (var k4 = 0u; k4 < ks4; k4++) {
    let k = k4 * 4u;
    // Rows k..k+3 of this image; in the last block rows past K repeat row K-1 (times zero weights).
    let r0 = (xb + k) * ps4;
    let r1 = (xb + min(k + 1u, K - 1u)) * ps4;
    let r2 = (xb + min(k + 2u, K - 1u)) * ps4;
    let r3 = (xb + min(k + 3u, K - 1u)) * ps4;
    var s = vec4<f32>(1.0);
    if (HAS_SCALE) { s = scale[b * ks4 + k4]; }
    let sh = shifts(k4);
    let x00 = xin(r0 + q0, s.x, sh.x) - z_0; let x01 = xin(r0 + q1, s.x, sh.x) - z_1; let x02 = xin(r0 + q2, s.x, sh.x) - z_2; let x03 = xin(r0 + q3, s.x, sh.x) - z_3;
    let x10 = xin(r1 + q0, s.y, sh.y) - z_0; let x11 = xin(r1 + q1, s.y, sh.y) - z_1; let x12 = xin(r1 + q2, s.y, sh.y) - z_2; let x13 = xin(r1 + q3, s.y, sh.y) - z_3;
    let x20 = xin(r2 + q0, s.z, sh.z) - z_0; let x21 = xin(r2 + q1, s.z, sh.z) - z_1; let x22 = xin(r2 + q2, s.z, sh.z) - z_2; let x23 = xin(r2 + q3, s.z, sh.z) - z_3;
    let x30 = xin(r3 + q0, s.w, sh.w) - z_0; let x31 = xin(r3 + q1, s.w, sh.w) - z_1; let x32 = xin(r3 + q2, s.w, sh.w) - z_2; let x33 = xin(r3 + q3, s.w, sh.w) - z_3;
    if (LN_IN) {
      // Rows past K repeat row K-1: count them zero times.
      let v = vec3<f32>(select(0.0, 1.0, k + 1u < K), select(0.0, 1.0, k + 2u < K), select(0.0, 1.0, k + 3u < K));
      ln_sum4(&sum_0, x00, x10, x20, x30, v);
      ln_sum4(&sum_1, x01, x11, x21, x31, v);
      ln_sum4(&sum_2, x02, x12, x22, x32, v);
      ln_sum4(&sum_3, x03, x13, x23, x33, v);
    }
    tile_mac_w(&acc, (tm * ks4 + k4) * 16u, array(x00, x01, x02, x03), array(x10, x11, x12, x13),
             array(x20, x21, x22, x23), array(x30, x31, x32, x33));
  }

  let rows = min(16u, M - m0);
  // LN_IN: μ of x − z and 1/σ per pixel.
  let st_0 = ln_from_sums(f32(K), sum_0); let st_1 = ln_from_sums(f32(K), sum_1);
  let st_2 = ln_from_sums(f32(K), sum_2); let st_3 = ln_from_sums(f32(K), sum_3);
  let mu_0 = st_0.mean; let mu_1 = st_1.mean; let mu_2 = st_2.mean; let mu_3 = st_3.mean;
  let rs_0 = ln_rstd(st_0, LN_EPS); let rs_1 = ln_rstd(st_1, LN_EPS); let rs_2 = ln_rstd(st_2, LN_EPS); let rs_3 = ln_rstd(st_3, LN_EPS);
  let ob = (b * M + m0) * ps4;
  let mu = array(mu_0, mu_1, mu_2, mu_3);
  let rs = array(rs_0, rs_1, rs_2, rs_3);
  let q = array(q0, q1, q2, q3);
  if (0u < rows) { put_row(ob + 0u * ps4, m0 + 0u, acc[0], acc[1], acc[2], acc[3], q, mu, rs); }
  if (1u < rows) { put_row(ob + 1u * ps4, m0 + 1u, acc[4], acc[5], acc[6], acc[7], q, mu, rs); }
  if (2u < rows) { put_row(ob + 2u * ps4, m0 + 2u, acc[8], acc[9], acc[10], acc[11], q, mu, rs); }
  if (3u < rows) { put_row(ob + 3u * ps4, m0 + 3u, acc[12], acc[13], acc[14], acc[15], q, mu, rs); }
  if (4u < rows) { put_row(ob + 4u * ps4, m0 + 4u, acc[16], acc[17], acc[18], acc[19], q, mu, rs); }
  if (5u < rows) { put_row(ob + 5u * ps4, m0 + 5u, acc[20], acc[21], acc[22], acc[23], q, mu, rs); }
  if (6u < rows) { put_row(ob + 6u * ps4, m0 + 6u, acc[24], acc[25], acc[26], acc[27], q, mu, rs); }
  if (7u < rows) { put_row(ob + 7u * ps4, m0 + 7u, acc[28], acc[29], acc[30], acc[31], q, mu, rs); }
  if (8u < rows) { put_row(ob + 8u * ps4, m0 + 8u, acc[32], acc[33], acc[34], acc[35], q, mu, rs); }
  if (9u < rows) { put_row(ob + 9u * ps4, m0 + 9u, acc[36], acc[37], acc[38], acc[39], q, mu, rs); }
  if (10u < rows) { put_row(ob + 10u * ps4, m0 + 10u, acc[40], acc[41], acc[42], acc[43], q, mu, rs); }
  if (11u < rows) { put_row(ob + 11u * ps4, m0 + 11u, acc[44], acc[45], acc[46], acc[47], q, mu, rs); }
  if (12u < rows) { put_row(ob + 12u * ps4, m0 + 12u, acc[48], acc[49], acc[50], acc[51], q, mu, rs); }
  if (13u < rows) { put_row(ob + 13u * ps4, m0 + 13u, acc[52], acc[53], acc[54], acc[55], q, mu, rs); }
  if (14u < rows) { put_row(ob + 14u * ps4, m0 + 14u, acc[56], acc[57], acc[58], acc[59], q, mu, rs); }
  if (15u < rows) { put_row(ob + 15u * ps4, m0 + 15u, acc[60], acc[61], acc[62], acc[63], q, mu, rs); }
}
