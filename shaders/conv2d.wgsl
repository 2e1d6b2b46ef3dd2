// Dense 2-D convolution (groups = 1) with BN folded into w and bias, optional ReLU: the EfficientViT
// stem (3×3, stride 2, pad 1). Two entry points share the bindings:
//   s2k3: 3×3 stride 2 (the stem). Each invocation owns 16 channel slots × 16 output pixels of one
//         row in 64 vec4 accumulators (a<pixel>_<channel quad>): 16 channels of row oy, or (ROWS2,
//         for Cout = 8 mod 16) 8 channels of rows oy and oy + 1. Per (ci, ky) it loads the 33-float
//         input row segment once (v0..v32, shared by the 3 kx taps: output j reads v[2j + kx]) and
//         3 × 16 weights, then does 768 FMAs: ~9.5 FMAs per loaded float, as pointwise.wgsl's tile.
//         No branches in the loop bodies: out-of-image pixels are a clamped load and a select (a
//         branch per load, e.g. from `&&`, made it ~2× slower and its compile take minutes).
//         SwiftShader costs that shaped it (bench/README-conv.md): the ky loop is unrolled, the
//         stores are a loop (unrolled, they doubled the compile time).
//   main: any K, stride, pad: 16 output channels × 8 pixels, a guarded load per tap (slow; for
//         shapes the models do not use).
struct Params {
  Cin: u32, H: u32, W: u32, PSin: u32,
  Cout: u32, Ho: u32, Wo: u32, PSout: u32,
  KH: u32, KW: u32, stride: u32, pad: u32,
  tilesX: u32, // ceil(Wo / 8) (main), ceil(Wo / 16) (s2k3)
  tilesY: u32, // Ho, or ceil(Ho / 2) (s2k3 with ROWS2)
  tilesC: u32, // ceil(Cout / 16), or ceil(Cout / 8) (s2k3 with ROWS2)
  count: u32,  // B · tilesC · tilesY · tilesX
  relu: u32,   // 1: ReLU on the output (a param, not an override: one pipeline serves the whole stem)
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (B, Cin, PSin)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;        // main: (Cin·KH·KW, ceil16(Cout)); s2k3: (tilesC, Cin, 3, 3, 16), with ROWS2 a tile's 8 channels twice
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>; // (tilesC · 16): as w's channels
@group(0) @binding(4) var<storage, read_write> y: array<f32>;    // (B, Cout, PSout)

override WG: u32 = 16;
// s2k3 only: an invocation owns 8 channels × 2 output rows instead of 16 channels × 1 row, for
// Cout = 8 (mod 16), where 16-channel tiles would waste half (or a quarter) of the work.
override ROWS2: bool = false;

fn act(v: vec4<f32>) -> vec4<f32> {
  return select(v, max(v, vec4(0.0)), p.relu != 0u);
}

// Writes 8 channels of one output pixel (o: index of the first).
fn put8(o: u32, q0: vec4<f32>, q1: vec4<f32>) {
  let ps = p.PSout;
  let c0 = act(q0); let c1 = act(q1);
  y[o] = c0.x; y[o + ps] = c0.y; y[o + 2u * ps] = c0.z; y[o + 3u * ps] = c0.w;
  y[o + 4u * ps] = c1.x; y[o + 5u * ps] = c1.y; y[o + 6u * ps] = c1.z; y[o + 7u * ps] = c1.w;
}

// Input pixel at column c of the row starting at r, 0 outside the image (rok: the row is inside).
// Branch-free on purpose: `&&` would be a branch, and a branch per load in the unrolled loop body
// made this kernel ~2× slower and its compile take minutes on SwiftShader.
fn edge(r: u32, c: i32, rok: bool) -> f32 {
  return select(0.0, x[r + min(u32(c), p.W - 1u)], rok & (u32(c) < p.W));
}

// Start of input row iy, clamped into the plane (edge() zeroes rows outside).
fn row(plane: u32, iy: i32) -> u32 {
  return plane + min(u32(iy), p.H - 1u) * p.W;
}

@compute @workgroup_size(WG)
fn s2k3(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let tx = id % p.tilesX;
  var t = id / p.tilesX;
  let ty = t % p.tilesY; t /= p.tilesY;
  let tc = t % p.tilesC;
  let b = t / p.tilesC;
  let oy = select(ty, ty * 2u, ROWS2);
  let ox0 = tx * 16u;
  let ix0 = i32(ox0 * 2u) - i32(p.pad);
  let bb0 = bias[tc * 4u]; let bb1 = bias[tc * 4u + 1u]; let bb2 = bias[tc * 4u + 2u]; let bb3 = bias[tc * 4u + 3u];
  var a0_0 = bb0; var a0_1 = bb1; var a0_2 = bb2; var a0_3 = bb3;
  var a1_0 = bb0; var a1_1 = bb1; var a1_2 = bb2; var a1_3 = bb3;
  var a2_0 = bb0; var a2_1 = bb1; var a2_2 = bb2; var a2_3 = bb3;
  var a3_0 = bb0; var a3_1 = bb1; var a3_2 = bb2; var a3_3 = bb3;
  var a4_0 = bb0; var a4_1 = bb1; var a4_2 = bb2; var a4_3 = bb3;
  var a5_0 = bb0; var a5_1 = bb1; var a5_2 = bb2; var a5_3 = bb3;
  var a6_0 = bb0; var a6_1 = bb1; var a6_2 = bb2; var a6_3 = bb3;
  var a7_0 = bb0; var a7_1 = bb1; var a7_2 = bb2; var a7_3 = bb3;
  var a8_0 = bb0; var a8_1 = bb1; var a8_2 = bb2; var a8_3 = bb3;
  var a9_0 = bb0; var a9_1 = bb1; var a9_2 = bb2; var a9_3 = bb3;
  var a10_0 = bb0; var a10_1 = bb1; var a10_2 = bb2; var a10_3 = bb3;
  var a11_0 = bb0; var a11_1 = bb1; var a11_2 = bb2; var a11_3 = bb3;
  var a12_0 = bb0; var a12_1 = bb1; var a12_2 = bb2; var a12_3 = bb3;
  var a13_0 = bb0; var a13_1 = bb1; var a13_2 = bb2; var a13_3 = bb3;
  var a14_0 = bb0; var a14_1 = bb1; var a14_2 = bb2; var a14_3 = bb3;
  var a15_0 = bb0; var a15_1 = bb1; var a15_2 = bb2; var a15_3 = bb3;
  if (ROWS2) {
    // 8 channels × output rows oy, oy + 1: quads 2, 3 read the input two rows further down.
    for (var ci = 0u; ci < p.Cin; ci++) {
      let plane = (b * p.Cin + ci) * p.PSin;
      for (var ky = 0u; ky < 3u; ky++) {
        let iy = i32(oy * 2u + ky) - i32(p.pad);
        let rok = u32(iy) < p.H;
        let rb = row(plane, iy);
        let rok2 = u32(iy + 2) < p.H;
        let rb2 = row(plane, iy + 2);
        let wi = ((tc * p.Cin + ci) * 3u + ky) * 12u;
        let v0 = edge(rb, ix0 + 0, rok); let v1 = edge(rb, ix0 + 1, rok); let v2 = edge(rb, ix0 + 2, rok); let v3 = edge(rb, ix0 + 3, rok);
        let v4 = edge(rb, ix0 + 4, rok); let v5 = edge(rb, ix0 + 5, rok); let v6 = edge(rb, ix0 + 6, rok); let v7 = edge(rb, ix0 + 7, rok);
        let v8 = edge(rb, ix0 + 8, rok); let v9 = edge(rb, ix0 + 9, rok); let v10 = edge(rb, ix0 + 10, rok); let v11 = edge(rb, ix0 + 11, rok);
        let v12 = edge(rb, ix0 + 12, rok); let v13 = edge(rb, ix0 + 13, rok); let v14 = edge(rb, ix0 + 14, rok); let v15 = edge(rb, ix0 + 15, rok);
        let v16 = edge(rb, ix0 + 16, rok); let v17 = edge(rb, ix0 + 17, rok); let v18 = edge(rb, ix0 + 18, rok); let v19 = edge(rb, ix0 + 19, rok);
        let v20 = edge(rb, ix0 + 20, rok); let v21 = edge(rb, ix0 + 21, rok); let v22 = edge(rb, ix0 + 22, rok); let v23 = edge(rb, ix0 + 23, rok);
        let v24 = edge(rb, ix0 + 24, rok); let v25 = edge(rb, ix0 + 25, rok); let v26 = edge(rb, ix0 + 26, rok); let v27 = edge(rb, ix0 + 27, rok);
        let v28 = edge(rb, ix0 + 28, rok); let v29 = edge(rb, ix0 + 29, rok); let v30 = edge(rb, ix0 + 30, rok); let v31 = edge(rb, ix0 + 31, rok);
        let v32 = edge(rb, ix0 + 32, rok);
        let s0 = edge(rb2, ix0 + 0, rok2); let s1 = edge(rb2, ix0 + 1, rok2); let s2 = edge(rb2, ix0 + 2, rok2); let s3 = edge(rb2, ix0 + 3, rok2);
        let s4 = edge(rb2, ix0 + 4, rok2); let s5 = edge(rb2, ix0 + 5, rok2); let s6 = edge(rb2, ix0 + 6, rok2); let s7 = edge(rb2, ix0 + 7, rok2);
        let s8 = edge(rb2, ix0 + 8, rok2); let s9 = edge(rb2, ix0 + 9, rok2); let s10 = edge(rb2, ix0 + 10, rok2); let s11 = edge(rb2, ix0 + 11, rok2);
        let s12 = edge(rb2, ix0 + 12, rok2); let s13 = edge(rb2, ix0 + 13, rok2); let s14 = edge(rb2, ix0 + 14, rok2); let s15 = edge(rb2, ix0 + 15, rok2);
        let s16 = edge(rb2, ix0 + 16, rok2); let s17 = edge(rb2, ix0 + 17, rok2); let s18 = edge(rb2, ix0 + 18, rok2); let s19 = edge(rb2, ix0 + 19, rok2);
        let s20 = edge(rb2, ix0 + 20, rok2); let s21 = edge(rb2, ix0 + 21, rok2); let s22 = edge(rb2, ix0 + 22, rok2); let s23 = edge(rb2, ix0 + 23, rok2);
        let s24 = edge(rb2, ix0 + 24, rok2); let s25 = edge(rb2, ix0 + 25, rok2); let s26 = edge(rb2, ix0 + 26, rok2); let s27 = edge(rb2, ix0 + 27, rok2);
        let s28 = edge(rb2, ix0 + 28, rok2); let s29 = edge(rb2, ix0 + 29, rok2); let s30 = edge(rb2, ix0 + 30, rok2); let s31 = edge(rb2, ix0 + 31, rok2);
        let s32 = edge(rb2, ix0 + 32, rok2);
        let w00 = wload(w[wi + 0u]); let w01 = wload(w[wi + 1u]); let w02 = wload(w[wi + 2u]); let w03 = wload(w[wi + 3u]);
        let w10 = wload(w[wi + 4u]); let w11 = wload(w[wi + 5u]); let w12 = wload(w[wi + 6u]); let w13 = wload(w[wi + 7u]);
        let w20 = wload(w[wi + 8u]); let w21 = wload(w[wi + 9u]); let w22 = wload(w[wi + 10u]); let w23 = wload(w[wi + 11u]);
        a0_0 = fma(w00, vec4(v0), a0_0); a0_1 = fma(w01, vec4(v0), a0_1); a0_2 = fma(w02, vec4(s0), a0_2); a0_3 = fma(w03, vec4(s0), a0_3);
        a1_0 = fma(w00, vec4(v2), a1_0); a1_1 = fma(w01, vec4(v2), a1_1); a1_2 = fma(w02, vec4(s2), a1_2); a1_3 = fma(w03, vec4(s2), a1_3);
        a2_0 = fma(w00, vec4(v4), a2_0); a2_1 = fma(w01, vec4(v4), a2_1); a2_2 = fma(w02, vec4(s4), a2_2); a2_3 = fma(w03, vec4(s4), a2_3);
        a3_0 = fma(w00, vec4(v6), a3_0); a3_1 = fma(w01, vec4(v6), a3_1); a3_2 = fma(w02, vec4(s6), a3_2); a3_3 = fma(w03, vec4(s6), a3_3);
        a4_0 = fma(w00, vec4(v8), a4_0); a4_1 = fma(w01, vec4(v8), a4_1); a4_2 = fma(w02, vec4(s8), a4_2); a4_3 = fma(w03, vec4(s8), a4_3);
        a5_0 = fma(w00, vec4(v10), a5_0); a5_1 = fma(w01, vec4(v10), a5_1); a5_2 = fma(w02, vec4(s10), a5_2); a5_3 = fma(w03, vec4(s10), a5_3);
        a6_0 = fma(w00, vec4(v12), a6_0); a6_1 = fma(w01, vec4(v12), a6_1); a6_2 = fma(w02, vec4(s12), a6_2); a6_3 = fma(w03, vec4(s12), a6_3);
        a7_0 = fma(w00, vec4(v14), a7_0); a7_1 = fma(w01, vec4(v14), a7_1); a7_2 = fma(w02, vec4(s14), a7_2); a7_3 = fma(w03, vec4(s14), a7_3);
        a8_0 = fma(w00, vec4(v16), a8_0); a8_1 = fma(w01, vec4(v16), a8_1); a8_2 = fma(w02, vec4(s16), a8_2); a8_3 = fma(w03, vec4(s16), a8_3);
        a9_0 = fma(w00, vec4(v18), a9_0); a9_1 = fma(w01, vec4(v18), a9_1); a9_2 = fma(w02, vec4(s18), a9_2); a9_3 = fma(w03, vec4(s18), a9_3);
        a10_0 = fma(w00, vec4(v20), a10_0); a10_1 = fma(w01, vec4(v20), a10_1); a10_2 = fma(w02, vec4(s20), a10_2); a10_3 = fma(w03, vec4(s20), a10_3);
        a11_0 = fma(w00, vec4(v22), a11_0); a11_1 = fma(w01, vec4(v22), a11_1); a11_2 = fma(w02, vec4(s22), a11_2); a11_3 = fma(w03, vec4(s22), a11_3);
        a12_0 = fma(w00, vec4(v24), a12_0); a12_1 = fma(w01, vec4(v24), a12_1); a12_2 = fma(w02, vec4(s24), a12_2); a12_3 = fma(w03, vec4(s24), a12_3);
        a13_0 = fma(w00, vec4(v26), a13_0); a13_1 = fma(w01, vec4(v26), a13_1); a13_2 = fma(w02, vec4(s26), a13_2); a13_3 = fma(w03, vec4(s26), a13_3);
        a14_0 = fma(w00, vec4(v28), a14_0); a14_1 = fma(w01, vec4(v28), a14_1); a14_2 = fma(w02, vec4(s28), a14_2); a14_3 = fma(w03, vec4(s28), a14_3);
        a15_0 = fma(w00, vec4(v30), a15_0); a15_1 = fma(w01, vec4(v30), a15_1); a15_2 = fma(w02, vec4(s30), a15_2); a15_3 = fma(w03, vec4(s30), a15_3);
        a0_0 = fma(w10, vec4(v1), a0_0); a0_1 = fma(w11, vec4(v1), a0_1); a0_2 = fma(w12, vec4(s1), a0_2); a0_3 = fma(w13, vec4(s1), a0_3);
        a1_0 = fma(w10, vec4(v3), a1_0); a1_1 = fma(w11, vec4(v3), a1_1); a1_2 = fma(w12, vec4(s3), a1_2); a1_3 = fma(w13, vec4(s3), a1_3);
        a2_0 = fma(w10, vec4(v5), a2_0); a2_1 = fma(w11, vec4(v5), a2_1); a2_2 = fma(w12, vec4(s5), a2_2); a2_3 = fma(w13, vec4(s5), a2_3);
        a3_0 = fma(w10, vec4(v7), a3_0); a3_1 = fma(w11, vec4(v7), a3_1); a3_2 = fma(w12, vec4(s7), a3_2); a3_3 = fma(w13, vec4(s7), a3_3);
        a4_0 = fma(w10, vec4(v9), a4_0); a4_1 = fma(w11, vec4(v9), a4_1); a4_2 = fma(w12, vec4(s9), a4_2); a4_3 = fma(w13, vec4(s9), a4_3);
        a5_0 = fma(w10, vec4(v11), a5_0); a5_1 = fma(w11, vec4(v11), a5_1); a5_2 = fma(w12, vec4(s11), a5_2); a5_3 = fma(w13, vec4(s11), a5_3);
        a6_0 = fma(w10, vec4(v13), a6_0); a6_1 = fma(w11, vec4(v13), a6_1); a6_2 = fma(w12, vec4(s13), a6_2); a6_3 = fma(w13, vec4(s13), a6_3);
        a7_0 = fma(w10, vec4(v15), a7_0); a7_1 = fma(w11, vec4(v15), a7_1); a7_2 = fma(w12, vec4(s15), a7_2); a7_3 = fma(w13, vec4(s15), a7_3);
        a8_0 = fma(w10, vec4(v17), a8_0); a8_1 = fma(w11, vec4(v17), a8_1); a8_2 = fma(w12, vec4(s17), a8_2); a8_3 = fma(w13, vec4(s17), a8_3);
        a9_0 = fma(w10, vec4(v19), a9_0); a9_1 = fma(w11, vec4(v19), a9_1); a9_2 = fma(w12, vec4(s19), a9_2); a9_3 = fma(w13, vec4(s19), a9_3);
        a10_0 = fma(w10, vec4(v21), a10_0); a10_1 = fma(w11, vec4(v21), a10_1); a10_2 = fma(w12, vec4(s21), a10_2); a10_3 = fma(w13, vec4(s21), a10_3);
        a11_0 = fma(w10, vec4(v23), a11_0); a11_1 = fma(w11, vec4(v23), a11_1); a11_2 = fma(w12, vec4(s23), a11_2); a11_3 = fma(w13, vec4(s23), a11_3);
        a12_0 = fma(w10, vec4(v25), a12_0); a12_1 = fma(w11, vec4(v25), a12_1); a12_2 = fma(w12, vec4(s25), a12_2); a12_3 = fma(w13, vec4(s25), a12_3);
        a13_0 = fma(w10, vec4(v27), a13_0); a13_1 = fma(w11, vec4(v27), a13_1); a13_2 = fma(w12, vec4(s27), a13_2); a13_3 = fma(w13, vec4(s27), a13_3);
        a14_0 = fma(w10, vec4(v29), a14_0); a14_1 = fma(w11, vec4(v29), a14_1); a14_2 = fma(w12, vec4(s29), a14_2); a14_3 = fma(w13, vec4(s29), a14_3);
        a15_0 = fma(w10, vec4(v31), a15_0); a15_1 = fma(w11, vec4(v31), a15_1); a15_2 = fma(w12, vec4(s31), a15_2); a15_3 = fma(w13, vec4(s31), a15_3);
        a0_0 = fma(w20, vec4(v2), a0_0); a0_1 = fma(w21, vec4(v2), a0_1); a0_2 = fma(w22, vec4(s2), a0_2); a0_3 = fma(w23, vec4(s2), a0_3);
        a1_0 = fma(w20, vec4(v4), a1_0); a1_1 = fma(w21, vec4(v4), a1_1); a1_2 = fma(w22, vec4(s4), a1_2); a1_3 = fma(w23, vec4(s4), a1_3);
        a2_0 = fma(w20, vec4(v6), a2_0); a2_1 = fma(w21, vec4(v6), a2_1); a2_2 = fma(w22, vec4(s6), a2_2); a2_3 = fma(w23, vec4(s6), a2_3);
        a3_0 = fma(w20, vec4(v8), a3_0); a3_1 = fma(w21, vec4(v8), a3_1); a3_2 = fma(w22, vec4(s8), a3_2); a3_3 = fma(w23, vec4(s8), a3_3);
        a4_0 = fma(w20, vec4(v10), a4_0); a4_1 = fma(w21, vec4(v10), a4_1); a4_2 = fma(w22, vec4(s10), a4_2); a4_3 = fma(w23, vec4(s10), a4_3);
        a5_0 = fma(w20, vec4(v12), a5_0); a5_1 = fma(w21, vec4(v12), a5_1); a5_2 = fma(w22, vec4(s12), a5_2); a5_3 = fma(w23, vec4(s12), a5_3);
        a6_0 = fma(w20, vec4(v14), a6_0); a6_1 = fma(w21, vec4(v14), a6_1); a6_2 = fma(w22, vec4(s14), a6_2); a6_3 = fma(w23, vec4(s14), a6_3);
        a7_0 = fma(w20, vec4(v16), a7_0); a7_1 = fma(w21, vec4(v16), a7_1); a7_2 = fma(w22, vec4(s16), a7_2); a7_3 = fma(w23, vec4(s16), a7_3);
        a8_0 = fma(w20, vec4(v18), a8_0); a8_1 = fma(w21, vec4(v18), a8_1); a8_2 = fma(w22, vec4(s18), a8_2); a8_3 = fma(w23, vec4(s18), a8_3);
        a9_0 = fma(w20, vec4(v20), a9_0); a9_1 = fma(w21, vec4(v20), a9_1); a9_2 = fma(w22, vec4(s20), a9_2); a9_3 = fma(w23, vec4(s20), a9_3);
        a10_0 = fma(w20, vec4(v22), a10_0); a10_1 = fma(w21, vec4(v22), a10_1); a10_2 = fma(w22, vec4(s22), a10_2); a10_3 = fma(w23, vec4(s22), a10_3);
        a11_0 = fma(w20, vec4(v24), a11_0); a11_1 = fma(w21, vec4(v24), a11_1); a11_2 = fma(w22, vec4(s24), a11_2); a11_3 = fma(w23, vec4(s24), a11_3);
        a12_0 = fma(w20, vec4(v26), a12_0); a12_1 = fma(w21, vec4(v26), a12_1); a12_2 = fma(w22, vec4(s26), a12_2); a12_3 = fma(w23, vec4(s26), a12_3);
        a13_0 = fma(w20, vec4(v28), a13_0); a13_1 = fma(w21, vec4(v28), a13_1); a13_2 = fma(w22, vec4(s28), a13_2); a13_3 = fma(w23, vec4(s28), a13_3);
        a14_0 = fma(w20, vec4(v30), a14_0); a14_1 = fma(w21, vec4(v30), a14_1); a14_2 = fma(w22, vec4(s30), a14_2); a14_3 = fma(w23, vec4(s30), a14_3);
        a15_0 = fma(w20, vec4(v32), a15_0); a15_1 = fma(w21, vec4(v32), a15_1); a15_2 = fma(w22, vec4(s32), a15_2); a15_3 = fma(w23, vec4(s32), a15_3);
      }
    }
  } else {
    // 16 channels × output row oy. The 3 kernel rows are unrolled: a loop back-edge carrying the
    // 64 accumulators made this path ~1.5× slower on SwiftShader (for ROWS2, whose layer has
    // only 3 input channels, unrolling gained nothing and doubled the compile time).
    for (var ci = 0u; ci < p.Cin; ci++) {
      let plane = (b * p.Cin + ci) * p.PSin;
      {
        let iy = i32(oy * 2u + 0u) - i32(p.pad);
        let rok = u32(iy) < p.H;
        let rb = row(plane, iy);
        let wi = ((tc * p.Cin + ci) * 3u + 0u) * 12u;
        let v0 = edge(rb, ix0 + 0, rok); let v1 = edge(rb, ix0 + 1, rok); let v2 = edge(rb, ix0 + 2, rok); let v3 = edge(rb, ix0 + 3, rok);
        let v4 = edge(rb, ix0 + 4, rok); let v5 = edge(rb, ix0 + 5, rok); let v6 = edge(rb, ix0 + 6, rok); let v7 = edge(rb, ix0 + 7, rok);
        let v8 = edge(rb, ix0 + 8, rok); let v9 = edge(rb, ix0 + 9, rok); let v10 = edge(rb, ix0 + 10, rok); let v11 = edge(rb, ix0 + 11, rok);
        let v12 = edge(rb, ix0 + 12, rok); let v13 = edge(rb, ix0 + 13, rok); let v14 = edge(rb, ix0 + 14, rok); let v15 = edge(rb, ix0 + 15, rok);
        let v16 = edge(rb, ix0 + 16, rok); let v17 = edge(rb, ix0 + 17, rok); let v18 = edge(rb, ix0 + 18, rok); let v19 = edge(rb, ix0 + 19, rok);
        let v20 = edge(rb, ix0 + 20, rok); let v21 = edge(rb, ix0 + 21, rok); let v22 = edge(rb, ix0 + 22, rok); let v23 = edge(rb, ix0 + 23, rok);
        let v24 = edge(rb, ix0 + 24, rok); let v25 = edge(rb, ix0 + 25, rok); let v26 = edge(rb, ix0 + 26, rok); let v27 = edge(rb, ix0 + 27, rok);
        let v28 = edge(rb, ix0 + 28, rok); let v29 = edge(rb, ix0 + 29, rok); let v30 = edge(rb, ix0 + 30, rok); let v31 = edge(rb, ix0 + 31, rok);
        let v32 = edge(rb, ix0 + 32, rok);
        let w00 = wload(w[wi + 0u]); let w01 = wload(w[wi + 1u]); let w02 = wload(w[wi + 2u]); let w03 = wload(w[wi + 3u]);
        let w10 = wload(w[wi + 4u]); let w11 = wload(w[wi + 5u]); let w12 = wload(w[wi + 6u]); let w13 = wload(w[wi + 7u]);
        let w20 = wload(w[wi + 8u]); let w21 = wload(w[wi + 9u]); let w22 = wload(w[wi + 10u]); let w23 = wload(w[wi + 11u]);
        a0_0 = fma(w00, vec4(v0), a0_0); a0_1 = fma(w01, vec4(v0), a0_1); a0_2 = fma(w02, vec4(v0), a0_2); a0_3 = fma(w03, vec4(v0), a0_3);
        a1_0 = fma(w00, vec4(v2), a1_0); a1_1 = fma(w01, vec4(v2), a1_1); a1_2 = fma(w02, vec4(v2), a1_2); a1_3 = fma(w03, vec4(v2), a1_3);
        a2_0 = fma(w00, vec4(v4), a2_0); a2_1 = fma(w01, vec4(v4), a2_1); a2_2 = fma(w02, vec4(v4), a2_2); a2_3 = fma(w03, vec4(v4), a2_3);
        a3_0 = fma(w00, vec4(v6), a3_0); a3_1 = fma(w01, vec4(v6), a3_1); a3_2 = fma(w02, vec4(v6), a3_2); a3_3 = fma(w03, vec4(v6), a3_3);
        a4_0 = fma(w00, vec4(v8), a4_0); a4_1 = fma(w01, vec4(v8), a4_1); a4_2 = fma(w02, vec4(v8), a4_2); a4_3 = fma(w03, vec4(v8), a4_3);
        a5_0 = fma(w00, vec4(v10), a5_0); a5_1 = fma(w01, vec4(v10), a5_1); a5_2 = fma(w02, vec4(v10), a5_2); a5_3 = fma(w03, vec4(v10), a5_3);
        a6_0 = fma(w00, vec4(v12), a6_0); a6_1 = fma(w01, vec4(v12), a6_1); a6_2 = fma(w02, vec4(v12), a6_2); a6_3 = fma(w03, vec4(v12), a6_3);
        a7_0 = fma(w00, vec4(v14), a7_0); a7_1 = fma(w01, vec4(v14), a7_1); a7_2 = fma(w02, vec4(v14), a7_2); a7_3 = fma(w03, vec4(v14), a7_3);
        a8_0 = fma(w00, vec4(v16), a8_0); a8_1 = fma(w01, vec4(v16), a8_1); a8_2 = fma(w02, vec4(v16), a8_2); a8_3 = fma(w03, vec4(v16), a8_3);
        a9_0 = fma(w00, vec4(v18), a9_0); a9_1 = fma(w01, vec4(v18), a9_1); a9_2 = fma(w02, vec4(v18), a9_2); a9_3 = fma(w03, vec4(v18), a9_3);
        a10_0 = fma(w00, vec4(v20), a10_0); a10_1 = fma(w01, vec4(v20), a10_1); a10_2 = fma(w02, vec4(v20), a10_2); a10_3 = fma(w03, vec4(v20), a10_3);
        a11_0 = fma(w00, vec4(v22), a11_0); a11_1 = fma(w01, vec4(v22), a11_1); a11_2 = fma(w02, vec4(v22), a11_2); a11_3 = fma(w03, vec4(v22), a11_3);
        a12_0 = fma(w00, vec4(v24), a12_0); a12_1 = fma(w01, vec4(v24), a12_1); a12_2 = fma(w02, vec4(v24), a12_2); a12_3 = fma(w03, vec4(v24), a12_3);
        a13_0 = fma(w00, vec4(v26), a13_0); a13_1 = fma(w01, vec4(v26), a13_1); a13_2 = fma(w02, vec4(v26), a13_2); a13_3 = fma(w03, vec4(v26), a13_3);
        a14_0 = fma(w00, vec4(v28), a14_0); a14_1 = fma(w01, vec4(v28), a14_1); a14_2 = fma(w02, vec4(v28), a14_2); a14_3 = fma(w03, vec4(v28), a14_3);
        a15_0 = fma(w00, vec4(v30), a15_0); a15_1 = fma(w01, vec4(v30), a15_1); a15_2 = fma(w02, vec4(v30), a15_2); a15_3 = fma(w03, vec4(v30), a15_3);
        a0_0 = fma(w10, vec4(v1), a0_0); a0_1 = fma(w11, vec4(v1), a0_1); a0_2 = fma(w12, vec4(v1), a0_2); a0_3 = fma(w13, vec4(v1), a0_3);
        a1_0 = fma(w10, vec4(v3), a1_0); a1_1 = fma(w11, vec4(v3), a1_1); a1_2 = fma(w12, vec4(v3), a1_2); a1_3 = fma(w13, vec4(v3), a1_3);
        a2_0 = fma(w10, vec4(v5), a2_0); a2_1 = fma(w11, vec4(v5), a2_1); a2_2 = fma(w12, vec4(v5), a2_2); a2_3 = fma(w13, vec4(v5), a2_3);
        a3_0 = fma(w10, vec4(v7), a3_0); a3_1 = fma(w11, vec4(v7), a3_1); a3_2 = fma(w12, vec4(v7), a3_2); a3_3 = fma(w13, vec4(v7), a3_3);
        a4_0 = fma(w10, vec4(v9), a4_0); a4_1 = fma(w11, vec4(v9), a4_1); a4_2 = fma(w12, vec4(v9), a4_2); a4_3 = fma(w13, vec4(v9), a4_3);
        a5_0 = fma(w10, vec4(v11), a5_0); a5_1 = fma(w11, vec4(v11), a5_1); a5_2 = fma(w12, vec4(v11), a5_2); a5_3 = fma(w13, vec4(v11), a5_3);
        a6_0 = fma(w10, vec4(v13), a6_0); a6_1 = fma(w11, vec4(v13), a6_1); a6_2 = fma(w12, vec4(v13), a6_2); a6_3 = fma(w13, vec4(v13), a6_3);
        a7_0 = fma(w10, vec4(v15), a7_0); a7_1 = fma(w11, vec4(v15), a7_1); a7_2 = fma(w12, vec4(v15), a7_2); a7_3 = fma(w13, vec4(v15), a7_3);
        a8_0 = fma(w10, vec4(v17), a8_0); a8_1 = fma(w11, vec4(v17), a8_1); a8_2 = fma(w12, vec4(v17), a8_2); a8_3 = fma(w13, vec4(v17), a8_3);
        a9_0 = fma(w10, vec4(v19), a9_0); a9_1 = fma(w11, vec4(v19), a9_1); a9_2 = fma(w12, vec4(v19), a9_2); a9_3 = fma(w13, vec4(v19), a9_3);
        a10_0 = fma(w10, vec4(v21), a10_0); a10_1 = fma(w11, vec4(v21), a10_1); a10_2 = fma(w12, vec4(v21), a10_2); a10_3 = fma(w13, vec4(v21), a10_3);
        a11_0 = fma(w10, vec4(v23), a11_0); a11_1 = fma(w11, vec4(v23), a11_1); a11_2 = fma(w12, vec4(v23), a11_2); a11_3 = fma(w13, vec4(v23), a11_3);
        a12_0 = fma(w10, vec4(v25), a12_0); a12_1 = fma(w11, vec4(v25), a12_1); a12_2 = fma(w12, vec4(v25), a12_2); a12_3 = fma(w13, vec4(v25), a12_3);
        a13_0 = fma(w10, vec4(v27), a13_0); a13_1 = fma(w11, vec4(v27), a13_1); a13_2 = fma(w12, vec4(v27), a13_2); a13_3 = fma(w13, vec4(v27), a13_3);
        a14_0 = fma(w10, vec4(v29), a14_0); a14_1 = fma(w11, vec4(v29), a14_1); a14_2 = fma(w12, vec4(v29), a14_2); a14_3 = fma(w13, vec4(v29), a14_3);
        a15_0 = fma(w10, vec4(v31), a15_0); a15_1 = fma(w11, vec4(v31), a15_1); a15_2 = fma(w12, vec4(v31), a15_2); a15_3 = fma(w13, vec4(v31), a15_3);
        a0_0 = fma(w20, vec4(v2), a0_0); a0_1 = fma(w21, vec4(v2), a0_1); a0_2 = fma(w22, vec4(v2), a0_2); a0_3 = fma(w23, vec4(v2), a0_3);
        a1_0 = fma(w20, vec4(v4), a1_0); a1_1 = fma(w21, vec4(v4), a1_1); a1_2 = fma(w22, vec4(v4), a1_2); a1_3 = fma(w23, vec4(v4), a1_3);
        a2_0 = fma(w20, vec4(v6), a2_0); a2_1 = fma(w21, vec4(v6), a2_1); a2_2 = fma(w22, vec4(v6), a2_2); a2_3 = fma(w23, vec4(v6), a2_3);
        a3_0 = fma(w20, vec4(v8), a3_0); a3_1 = fma(w21, vec4(v8), a3_1); a3_2 = fma(w22, vec4(v8), a3_2); a3_3 = fma(w23, vec4(v8), a3_3);
        a4_0 = fma(w20, vec4(v10), a4_0); a4_1 = fma(w21, vec4(v10), a4_1); a4_2 = fma(w22, vec4(v10), a4_2); a4_3 = fma(w23, vec4(v10), a4_3);
        a5_0 = fma(w20, vec4(v12), a5_0); a5_1 = fma(w21, vec4(v12), a5_1); a5_2 = fma(w22, vec4(v12), a5_2); a5_3 = fma(w23, vec4(v12), a5_3);
        a6_0 = fma(w20, vec4(v14), a6_0); a6_1 = fma(w21, vec4(v14), a6_1); a6_2 = fma(w22, vec4(v14), a6_2); a6_3 = fma(w23, vec4(v14), a6_3);
        a7_0 = fma(w20, vec4(v16), a7_0); a7_1 = fma(w21, vec4(v16), a7_1); a7_2 = fma(w22, vec4(v16), a7_2); a7_3 = fma(w23, vec4(v16), a7_3);
        a8_0 = fma(w20, vec4(v18), a8_0); a8_1 = fma(w21, vec4(v18), a8_1); a8_2 = fma(w22, vec4(v18), a8_2); a8_3 = fma(w23, vec4(v18), a8_3);
        a9_0 = fma(w20, vec4(v20), a9_0); a9_1 = fma(w21, vec4(v20), a9_1); a9_2 = fma(w22, vec4(v20), a9_2); a9_3 = fma(w23, vec4(v20), a9_3);
        a10_0 = fma(w20, vec4(v22), a10_0); a10_1 = fma(w21, vec4(v22), a10_1); a10_2 = fma(w22, vec4(v22), a10_2); a10_3 = fma(w23, vec4(v22), a10_3);
        a11_0 = fma(w20, vec4(v24), a11_0); a11_1 = fma(w21, vec4(v24), a11_1); a11_2 = fma(w22, vec4(v24), a11_2); a11_3 = fma(w23, vec4(v24), a11_3);
        a12_0 = fma(w20, vec4(v26), a12_0); a12_1 = fma(w21, vec4(v26), a12_1); a12_2 = fma(w22, vec4(v26), a12_2); a12_3 = fma(w23, vec4(v26), a12_3);
        a13_0 = fma(w20, vec4(v28), a13_0); a13_1 = fma(w21, vec4(v28), a13_1); a13_2 = fma(w22, vec4(v28), a13_2); a13_3 = fma(w23, vec4(v28), a13_3);
        a14_0 = fma(w20, vec4(v30), a14_0); a14_1 = fma(w21, vec4(v30), a14_1); a14_2 = fma(w22, vec4(v30), a14_2); a14_3 = fma(w23, vec4(v30), a14_3);
        a15_0 = fma(w20, vec4(v32), a15_0); a15_1 = fma(w21, vec4(v32), a15_1); a15_2 = fma(w22, vec4(v32), a15_2); a15_3 = fma(w23, vec4(v32), a15_3);
      }
      {
        let iy = i32(oy * 2u + 1u) - i32(p.pad);
        let rok = u32(iy) < p.H;
        let rb = row(plane, iy);
        let wi = ((tc * p.Cin + ci) * 3u + 1u) * 12u;
        let v0 = edge(rb, ix0 + 0, rok); let v1 = edge(rb, ix0 + 1, rok); let v2 = edge(rb, ix0 + 2, rok); let v3 = edge(rb, ix0 + 3, rok);
        let v4 = edge(rb, ix0 + 4, rok); let v5 = edge(rb, ix0 + 5, rok); let v6 = edge(rb, ix0 + 6, rok); let v7 = edge(rb, ix0 + 7, rok);
        let v8 = edge(rb, ix0 + 8, rok); let v9 = edge(rb, ix0 + 9, rok); let v10 = edge(rb, ix0 + 10, rok); let v11 = edge(rb, ix0 + 11, rok);
        let v12 = edge(rb, ix0 + 12, rok); let v13 = edge(rb, ix0 + 13, rok); let v14 = edge(rb, ix0 + 14, rok); let v15 = edge(rb, ix0 + 15, rok);
        let v16 = edge(rb, ix0 + 16, rok); let v17 = edge(rb, ix0 + 17, rok); let v18 = edge(rb, ix0 + 18, rok); let v19 = edge(rb, ix0 + 19, rok);
        let v20 = edge(rb, ix0 + 20, rok); let v21 = edge(rb, ix0 + 21, rok); let v22 = edge(rb, ix0 + 22, rok); let v23 = edge(rb, ix0 + 23, rok);
        let v24 = edge(rb, ix0 + 24, rok); let v25 = edge(rb, ix0 + 25, rok); let v26 = edge(rb, ix0 + 26, rok); let v27 = edge(rb, ix0 + 27, rok);
        let v28 = edge(rb, ix0 + 28, rok); let v29 = edge(rb, ix0 + 29, rok); let v30 = edge(rb, ix0 + 30, rok); let v31 = edge(rb, ix0 + 31, rok);
        let v32 = edge(rb, ix0 + 32, rok);
        let w00 = wload(w[wi + 0u]); let w01 = wload(w[wi + 1u]); let w02 = wload(w[wi + 2u]); let w03 = wload(w[wi + 3u]);
        let w10 = wload(w[wi + 4u]); let w11 = wload(w[wi + 5u]); let w12 = wload(w[wi + 6u]); let w13 = wload(w[wi + 7u]);
        let w20 = wload(w[wi + 8u]); let w21 = wload(w[wi + 9u]); let w22 = wload(w[wi + 10u]); let w23 = wload(w[wi + 11u]);
        a0_0 = fma(w00, vec4(v0), a0_0); a0_1 = fma(w01, vec4(v0), a0_1); a0_2 = fma(w02, vec4(v0), a0_2); a0_3 = fma(w03, vec4(v0), a0_3);
        a1_0 = fma(w00, vec4(v2), a1_0); a1_1 = fma(w01, vec4(v2), a1_1); a1_2 = fma(w02, vec4(v2), a1_2); a1_3 = fma(w03, vec4(v2), a1_3);
        a2_0 = fma(w00, vec4(v4), a2_0); a2_1 = fma(w01, vec4(v4), a2_1); a2_2 = fma(w02, vec4(v4), a2_2); a2_3 = fma(w03, vec4(v4), a2_3);
        a3_0 = fma(w00, vec4(v6), a3_0); a3_1 = fma(w01, vec4(v6), a3_1); a3_2 = fma(w02, vec4(v6), a3_2); a3_3 = fma(w03, vec4(v6), a3_3);
        a4_0 = fma(w00, vec4(v8), a4_0); a4_1 = fma(w01, vec4(v8), a4_1); a4_2 = fma(w02, vec4(v8), a4_2); a4_3 = fma(w03, vec4(v8), a4_3);
        a5_0 = fma(w00, vec4(v10), a5_0); a5_1 = fma(w01, vec4(v10), a5_1); a5_2 = fma(w02, vec4(v10), a5_2); a5_3 = fma(w03, vec4(v10), a5_3);
        a6_0 = fma(w00, vec4(v12), a6_0); a6_1 = fma(w01, vec4(v12), a6_1); a6_2 = fma(w02, vec4(v12), a6_2); a6_3 = fma(w03, vec4(v12), a6_3);
        a7_0 = fma(w00, vec4(v14), a7_0); a7_1 = fma(w01, vec4(v14), a7_1); a7_2 = fma(w02, vec4(v14), a7_2); a7_3 = fma(w03, vec4(v14), a7_3);
        a8_0 = fma(w00, vec4(v16), a8_0); a8_1 = fma(w01, vec4(v16), a8_1); a8_2 = fma(w02, vec4(v16), a8_2); a8_3 = fma(w03, vec4(v16), a8_3);
        a9_0 = fma(w00, vec4(v18), a9_0); a9_1 = fma(w01, vec4(v18), a9_1); a9_2 = fma(w02, vec4(v18), a9_2); a9_3 = fma(w03, vec4(v18), a9_3);
        a10_0 = fma(w00, vec4(v20), a10_0); a10_1 = fma(w01, vec4(v20), a10_1); a10_2 = fma(w02, vec4(v20), a10_2); a10_3 = fma(w03, vec4(v20), a10_3);
        a11_0 = fma(w00, vec4(v22), a11_0); a11_1 = fma(w01, vec4(v22), a11_1); a11_2 = fma(w02, vec4(v22), a11_2); a11_3 = fma(w03, vec4(v22), a11_3);
        a12_0 = fma(w00, vec4(v24), a12_0); a12_1 = fma(w01, vec4(v24), a12_1); a12_2 = fma(w02, vec4(v24), a12_2); a12_3 = fma(w03, vec4(v24), a12_3);
        a13_0 = fma(w00, vec4(v26), a13_0); a13_1 = fma(w01, vec4(v26), a13_1); a13_2 = fma(w02, vec4(v26), a13_2); a13_3 = fma(w03, vec4(v26), a13_3);
        a14_0 = fma(w00, vec4(v28), a14_0); a14_1 = fma(w01, vec4(v28), a14_1); a14_2 = fma(w02, vec4(v28), a14_2); a14_3 = fma(w03, vec4(v28), a14_3);
        a15_0 = fma(w00, vec4(v30), a15_0); a15_1 = fma(w01, vec4(v30), a15_1); a15_2 = fma(w02, vec4(v30), a15_2); a15_3 = fma(w03, vec4(v30), a15_3);
        a0_0 = fma(w10, vec4(v1), a0_0); a0_1 = fma(w11, vec4(v1), a0_1); a0_2 = fma(w12, vec4(v1), a0_2); a0_3 = fma(w13, vec4(v1), a0_3);
        a1_0 = fma(w10, vec4(v3), a1_0); a1_1 = fma(w11, vec4(v3), a1_1); a1_2 = fma(w12, vec4(v3), a1_2); a1_3 = fma(w13, vec4(v3), a1_3);
        a2_0 = fma(w10, vec4(v5), a2_0); a2_1 = fma(w11, vec4(v5), a2_1); a2_2 = fma(w12, vec4(v5), a2_2); a2_3 = fma(w13, vec4(v5), a2_3);
        a3_0 = fma(w10, vec4(v7), a3_0); a3_1 = fma(w11, vec4(v7), a3_1); a3_2 = fma(w12, vec4(v7), a3_2); a3_3 = fma(w13, vec4(v7), a3_3);
        a4_0 = fma(w10, vec4(v9), a4_0); a4_1 = fma(w11, vec4(v9), a4_1); a4_2 = fma(w12, vec4(v9), a4_2); a4_3 = fma(w13, vec4(v9), a4_3);
        a5_0 = fma(w10, vec4(v11), a5_0); a5_1 = fma(w11, vec4(v11), a5_1); a5_2 = fma(w12, vec4(v11), a5_2); a5_3 = fma(w13, vec4(v11), a5_3);
        a6_0 = fma(w10, vec4(v13), a6_0); a6_1 = fma(w11, vec4(v13), a6_1); a6_2 = fma(w12, vec4(v13), a6_2); a6_3 = fma(w13, vec4(v13), a6_3);
        a7_0 = fma(w10, vec4(v15), a7_0); a7_1 = fma(w11, vec4(v15), a7_1); a7_2 = fma(w12, vec4(v15), a7_2); a7_3 = fma(w13, vec4(v15), a7_3);
        a8_0 = fma(w10, vec4(v17), a8_0); a8_1 = fma(w11, vec4(v17), a8_1); a8_2 = fma(w12, vec4(v17), a8_2); a8_3 = fma(w13, vec4(v17), a8_3);
        a9_0 = fma(w10, vec4(v19), a9_0); a9_1 = fma(w11, vec4(v19), a9_1); a9_2 = fma(w12, vec4(v19), a9_2); a9_3 = fma(w13, vec4(v19), a9_3);
        a10_0 = fma(w10, vec4(v21), a10_0); a10_1 = fma(w11, vec4(v21), a10_1); a10_2 = fma(w12, vec4(v21), a10_2); a10_3 = fma(w13, vec4(v21), a10_3);
        a11_0 = fma(w10, vec4(v23), a11_0); a11_1 = fma(w11, vec4(v23), a11_1); a11_2 = fma(w12, vec4(v23), a11_2); a11_3 = fma(w13, vec4(v23), a11_3);
        a12_0 = fma(w10, vec4(v25), a12_0); a12_1 = fma(w11, vec4(v25), a12_1); a12_2 = fma(w12, vec4(v25), a12_2); a12_3 = fma(w13, vec4(v25), a12_3);
        a13_0 = fma(w10, vec4(v27), a13_0); a13_1 = fma(w11, vec4(v27), a13_1); a13_2 = fma(w12, vec4(v27), a13_2); a13_3 = fma(w13, vec4(v27), a13_3);
        a14_0 = fma(w10, vec4(v29), a14_0); a14_1 = fma(w11, vec4(v29), a14_1); a14_2 = fma(w12, vec4(v29), a14_2); a14_3 = fma(w13, vec4(v29), a14_3);
        a15_0 = fma(w10, vec4(v31), a15_0); a15_1 = fma(w11, vec4(v31), a15_1); a15_2 = fma(w12, vec4(v31), a15_2); a15_3 = fma(w13, vec4(v31), a15_3);
        a0_0 = fma(w20, vec4(v2), a0_0); a0_1 = fma(w21, vec4(v2), a0_1); a0_2 = fma(w22, vec4(v2), a0_2); a0_3 = fma(w23, vec4(v2), a0_3);
        a1_0 = fma(w20, vec4(v4), a1_0); a1_1 = fma(w21, vec4(v4), a1_1); a1_2 = fma(w22, vec4(v4), a1_2); a1_3 = fma(w23, vec4(v4), a1_3);
        a2_0 = fma(w20, vec4(v6), a2_0); a2_1 = fma(w21, vec4(v6), a2_1); a2_2 = fma(w22, vec4(v6), a2_2); a2_3 = fma(w23, vec4(v6), a2_3);
        a3_0 = fma(w20, vec4(v8), a3_0); a3_1 = fma(w21, vec4(v8), a3_1); a3_2 = fma(w22, vec4(v8), a3_2); a3_3 = fma(w23, vec4(v8), a3_3);
        a4_0 = fma(w20, vec4(v10), a4_0); a4_1 = fma(w21, vec4(v10), a4_1); a4_2 = fma(w22, vec4(v10), a4_2); a4_3 = fma(w23, vec4(v10), a4_3);
        a5_0 = fma(w20, vec4(v12), a5_0); a5_1 = fma(w21, vec4(v12), a5_1); a5_2 = fma(w22, vec4(v12), a5_2); a5_3 = fma(w23, vec4(v12), a5_3);
        a6_0 = fma(w20, vec4(v14), a6_0); a6_1 = fma(w21, vec4(v14), a6_1); a6_2 = fma(w22, vec4(v14), a6_2); a6_3 = fma(w23, vec4(v14), a6_3);
        a7_0 = fma(w20, vec4(v16), a7_0); a7_1 = fma(w21, vec4(v16), a7_1); a7_2 = fma(w22, vec4(v16), a7_2); a7_3 = fma(w23, vec4(v16), a7_3);
        a8_0 = fma(w20, vec4(v18), a8_0); a8_1 = fma(w21, vec4(v18), a8_1); a8_2 = fma(w22, vec4(v18), a8_2); a8_3 = fma(w23, vec4(v18), a8_3);
        a9_0 = fma(w20, vec4(v20), a9_0); a9_1 = fma(w21, vec4(v20), a9_1); a9_2 = fma(w22, vec4(v20), a9_2); a9_3 = fma(w23, vec4(v20), a9_3);
        a10_0 = fma(w20, vec4(v22), a10_0); a10_1 = fma(w21, vec4(v22), a10_1); a10_2 = fma(w22, vec4(v22), a10_2); a10_3 = fma(w23, vec4(v22), a10_3);
        a11_0 = fma(w20, vec4(v24), a11_0); a11_1 = fma(w21, vec4(v24), a11_1); a11_2 = fma(w22, vec4(v24), a11_2); a11_3 = fma(w23, vec4(v24), a11_3);
        a12_0 = fma(w20, vec4(v26), a12_0); a12_1 = fma(w21, vec4(v26), a12_1); a12_2 = fma(w22, vec4(v26), a12_2); a12_3 = fma(w23, vec4(v26), a12_3);
        a13_0 = fma(w20, vec4(v28), a13_0); a13_1 = fma(w21, vec4(v28), a13_1); a13_2 = fma(w22, vec4(v28), a13_2); a13_3 = fma(w23, vec4(v28), a13_3);
        a14_0 = fma(w20, vec4(v30), a14_0); a14_1 = fma(w21, vec4(v30), a14_1); a14_2 = fma(w22, vec4(v30), a14_2); a14_3 = fma(w23, vec4(v30), a14_3);
        a15_0 = fma(w20, vec4(v32), a15_0); a15_1 = fma(w21, vec4(v32), a15_1); a15_2 = fma(w22, vec4(v32), a15_2); a15_3 = fma(w23, vec4(v32), a15_3);
      }
      {
        let iy = i32(oy * 2u + 2u) - i32(p.pad);
        let rok = u32(iy) < p.H;
        let rb = row(plane, iy);
        let wi = ((tc * p.Cin + ci) * 3u + 2u) * 12u;
        let v0 = edge(rb, ix0 + 0, rok); let v1 = edge(rb, ix0 + 1, rok); let v2 = edge(rb, ix0 + 2, rok); let v3 = edge(rb, ix0 + 3, rok);
        let v4 = edge(rb, ix0 + 4, rok); let v5 = edge(rb, ix0 + 5, rok); let v6 = edge(rb, ix0 + 6, rok); let v7 = edge(rb, ix0 + 7, rok);
        let v8 = edge(rb, ix0 + 8, rok); let v9 = edge(rb, ix0 + 9, rok); let v10 = edge(rb, ix0 + 10, rok); let v11 = edge(rb, ix0 + 11, rok);
        let v12 = edge(rb, ix0 + 12, rok); let v13 = edge(rb, ix0 + 13, rok); let v14 = edge(rb, ix0 + 14, rok); let v15 = edge(rb, ix0 + 15, rok);
        let v16 = edge(rb, ix0 + 16, rok); let v17 = edge(rb, ix0 + 17, rok); let v18 = edge(rb, ix0 + 18, rok); let v19 = edge(rb, ix0 + 19, rok);
        let v20 = edge(rb, ix0 + 20, rok); let v21 = edge(rb, ix0 + 21, rok); let v22 = edge(rb, ix0 + 22, rok); let v23 = edge(rb, ix0 + 23, rok);
        let v24 = edge(rb, ix0 + 24, rok); let v25 = edge(rb, ix0 + 25, rok); let v26 = edge(rb, ix0 + 26, rok); let v27 = edge(rb, ix0 + 27, rok);
        let v28 = edge(rb, ix0 + 28, rok); let v29 = edge(rb, ix0 + 29, rok); let v30 = edge(rb, ix0 + 30, rok); let v31 = edge(rb, ix0 + 31, rok);
        let v32 = edge(rb, ix0 + 32, rok);
        let w00 = wload(w[wi + 0u]); let w01 = wload(w[wi + 1u]); let w02 = wload(w[wi + 2u]); let w03 = wload(w[wi + 3u]);
        let w10 = wload(w[wi + 4u]); let w11 = wload(w[wi + 5u]); let w12 = wload(w[wi + 6u]); let w13 = wload(w[wi + 7u]);
        let w20 = wload(w[wi + 8u]); let w21 = wload(w[wi + 9u]); let w22 = wload(w[wi + 10u]); let w23 = wload(w[wi + 11u]);
        a0_0 = fma(w00, vec4(v0), a0_0); a0_1 = fma(w01, vec4(v0), a0_1); a0_2 = fma(w02, vec4(v0), a0_2); a0_3 = fma(w03, vec4(v0), a0_3);
        a1_0 = fma(w00, vec4(v2), a1_0); a1_1 = fma(w01, vec4(v2), a1_1); a1_2 = fma(w02, vec4(v2), a1_2); a1_3 = fma(w03, vec4(v2), a1_3);
        a2_0 = fma(w00, vec4(v4), a2_0); a2_1 = fma(w01, vec4(v4), a2_1); a2_2 = fma(w02, vec4(v4), a2_2); a2_3 = fma(w03, vec4(v4), a2_3);
        a3_0 = fma(w00, vec4(v6), a3_0); a3_1 = fma(w01, vec4(v6), a3_1); a3_2 = fma(w02, vec4(v6), a3_2); a3_3 = fma(w03, vec4(v6), a3_3);
        a4_0 = fma(w00, vec4(v8), a4_0); a4_1 = fma(w01, vec4(v8), a4_1); a4_2 = fma(w02, vec4(v8), a4_2); a4_3 = fma(w03, vec4(v8), a4_3);
        a5_0 = fma(w00, vec4(v10), a5_0); a5_1 = fma(w01, vec4(v10), a5_1); a5_2 = fma(w02, vec4(v10), a5_2); a5_3 = fma(w03, vec4(v10), a5_3);
        a6_0 = fma(w00, vec4(v12), a6_0); a6_1 = fma(w01, vec4(v12), a6_1); a6_2 = fma(w02, vec4(v12), a6_2); a6_3 = fma(w03, vec4(v12), a6_3);
        a7_0 = fma(w00, vec4(v14), a7_0); a7_1 = fma(w01, vec4(v14), a7_1); a7_2 = fma(w02, vec4(v14), a7_2); a7_3 = fma(w03, vec4(v14), a7_3);
        a8_0 = fma(w00, vec4(v16), a8_0); a8_1 = fma(w01, vec4(v16), a8_1); a8_2 = fma(w02, vec4(v16), a8_2); a8_3 = fma(w03, vec4(v16), a8_3);
        a9_0 = fma(w00, vec4(v18), a9_0); a9_1 = fma(w01, vec4(v18), a9_1); a9_2 = fma(w02, vec4(v18), a9_2); a9_3 = fma(w03, vec4(v18), a9_3);
        a10_0 = fma(w00, vec4(v20), a10_0); a10_1 = fma(w01, vec4(v20), a10_1); a10_2 = fma(w02, vec4(v20), a10_2); a10_3 = fma(w03, vec4(v20), a10_3);
        a11_0 = fma(w00, vec4(v22), a11_0); a11_1 = fma(w01, vec4(v22), a11_1); a11_2 = fma(w02, vec4(v22), a11_2); a11_3 = fma(w03, vec4(v22), a11_3);
        a12_0 = fma(w00, vec4(v24), a12_0); a12_1 = fma(w01, vec4(v24), a12_1); a12_2 = fma(w02, vec4(v24), a12_2); a12_3 = fma(w03, vec4(v24), a12_3);
        a13_0 = fma(w00, vec4(v26), a13_0); a13_1 = fma(w01, vec4(v26), a13_1); a13_2 = fma(w02, vec4(v26), a13_2); a13_3 = fma(w03, vec4(v26), a13_3);
        a14_0 = fma(w00, vec4(v28), a14_0); a14_1 = fma(w01, vec4(v28), a14_1); a14_2 = fma(w02, vec4(v28), a14_2); a14_3 = fma(w03, vec4(v28), a14_3);
        a15_0 = fma(w00, vec4(v30), a15_0); a15_1 = fma(w01, vec4(v30), a15_1); a15_2 = fma(w02, vec4(v30), a15_2); a15_3 = fma(w03, vec4(v30), a15_3);
        a0_0 = fma(w10, vec4(v1), a0_0); a0_1 = fma(w11, vec4(v1), a0_1); a0_2 = fma(w12, vec4(v1), a0_2); a0_3 = fma(w13, vec4(v1), a0_3);
        a1_0 = fma(w10, vec4(v3), a1_0); a1_1 = fma(w11, vec4(v3), a1_1); a1_2 = fma(w12, vec4(v3), a1_2); a1_3 = fma(w13, vec4(v3), a1_3);
        a2_0 = fma(w10, vec4(v5), a2_0); a2_1 = fma(w11, vec4(v5), a2_1); a2_2 = fma(w12, vec4(v5), a2_2); a2_3 = fma(w13, vec4(v5), a2_3);
        a3_0 = fma(w10, vec4(v7), a3_0); a3_1 = fma(w11, vec4(v7), a3_1); a3_2 = fma(w12, vec4(v7), a3_2); a3_3 = fma(w13, vec4(v7), a3_3);
        a4_0 = fma(w10, vec4(v9), a4_0); a4_1 = fma(w11, vec4(v9), a4_1); a4_2 = fma(w12, vec4(v9), a4_2); a4_3 = fma(w13, vec4(v9), a4_3);
        a5_0 = fma(w10, vec4(v11), a5_0); a5_1 = fma(w11, vec4(v11), a5_1); a5_2 = fma(w12, vec4(v11), a5_2); a5_3 = fma(w13, vec4(v11), a5_3);
        a6_0 = fma(w10, vec4(v13), a6_0); a6_1 = fma(w11, vec4(v13), a6_1); a6_2 = fma(w12, vec4(v13), a6_2); a6_3 = fma(w13, vec4(v13), a6_3);
        a7_0 = fma(w10, vec4(v15), a7_0); a7_1 = fma(w11, vec4(v15), a7_1); a7_2 = fma(w12, vec4(v15), a7_2); a7_3 = fma(w13, vec4(v15), a7_3);
        a8_0 = fma(w10, vec4(v17), a8_0); a8_1 = fma(w11, vec4(v17), a8_1); a8_2 = fma(w12, vec4(v17), a8_2); a8_3 = fma(w13, vec4(v17), a8_3);
        a9_0 = fma(w10, vec4(v19), a9_0); a9_1 = fma(w11, vec4(v19), a9_1); a9_2 = fma(w12, vec4(v19), a9_2); a9_3 = fma(w13, vec4(v19), a9_3);
        a10_0 = fma(w10, vec4(v21), a10_0); a10_1 = fma(w11, vec4(v21), a10_1); a10_2 = fma(w12, vec4(v21), a10_2); a10_3 = fma(w13, vec4(v21), a10_3);
        a11_0 = fma(w10, vec4(v23), a11_0); a11_1 = fma(w11, vec4(v23), a11_1); a11_2 = fma(w12, vec4(v23), a11_2); a11_3 = fma(w13, vec4(v23), a11_3);
        a12_0 = fma(w10, vec4(v25), a12_0); a12_1 = fma(w11, vec4(v25), a12_1); a12_2 = fma(w12, vec4(v25), a12_2); a12_3 = fma(w13, vec4(v25), a12_3);
        a13_0 = fma(w10, vec4(v27), a13_0); a13_1 = fma(w11, vec4(v27), a13_1); a13_2 = fma(w12, vec4(v27), a13_2); a13_3 = fma(w13, vec4(v27), a13_3);
        a14_0 = fma(w10, vec4(v29), a14_0); a14_1 = fma(w11, vec4(v29), a14_1); a14_2 = fma(w12, vec4(v29), a14_2); a14_3 = fma(w13, vec4(v29), a14_3);
        a15_0 = fma(w10, vec4(v31), a15_0); a15_1 = fma(w11, vec4(v31), a15_1); a15_2 = fma(w12, vec4(v31), a15_2); a15_3 = fma(w13, vec4(v31), a15_3);
        a0_0 = fma(w20, vec4(v2), a0_0); a0_1 = fma(w21, vec4(v2), a0_1); a0_2 = fma(w22, vec4(v2), a0_2); a0_3 = fma(w23, vec4(v2), a0_3);
        a1_0 = fma(w20, vec4(v4), a1_0); a1_1 = fma(w21, vec4(v4), a1_1); a1_2 = fma(w22, vec4(v4), a1_2); a1_3 = fma(w23, vec4(v4), a1_3);
        a2_0 = fma(w20, vec4(v6), a2_0); a2_1 = fma(w21, vec4(v6), a2_1); a2_2 = fma(w22, vec4(v6), a2_2); a2_3 = fma(w23, vec4(v6), a2_3);
        a3_0 = fma(w20, vec4(v8), a3_0); a3_1 = fma(w21, vec4(v8), a3_1); a3_2 = fma(w22, vec4(v8), a3_2); a3_3 = fma(w23, vec4(v8), a3_3);
        a4_0 = fma(w20, vec4(v10), a4_0); a4_1 = fma(w21, vec4(v10), a4_1); a4_2 = fma(w22, vec4(v10), a4_2); a4_3 = fma(w23, vec4(v10), a4_3);
        a5_0 = fma(w20, vec4(v12), a5_0); a5_1 = fma(w21, vec4(v12), a5_1); a5_2 = fma(w22, vec4(v12), a5_2); a5_3 = fma(w23, vec4(v12), a5_3);
        a6_0 = fma(w20, vec4(v14), a6_0); a6_1 = fma(w21, vec4(v14), a6_1); a6_2 = fma(w22, vec4(v14), a6_2); a6_3 = fma(w23, vec4(v14), a6_3);
        a7_0 = fma(w20, vec4(v16), a7_0); a7_1 = fma(w21, vec4(v16), a7_1); a7_2 = fma(w22, vec4(v16), a7_2); a7_3 = fma(w23, vec4(v16), a7_3);
        a8_0 = fma(w20, vec4(v18), a8_0); a8_1 = fma(w21, vec4(v18), a8_1); a8_2 = fma(w22, vec4(v18), a8_2); a8_3 = fma(w23, vec4(v18), a8_3);
        a9_0 = fma(w20, vec4(v20), a9_0); a9_1 = fma(w21, vec4(v20), a9_1); a9_2 = fma(w22, vec4(v20), a9_2); a9_3 = fma(w23, vec4(v20), a9_3);
        a10_0 = fma(w20, vec4(v22), a10_0); a10_1 = fma(w21, vec4(v22), a10_1); a10_2 = fma(w22, vec4(v22), a10_2); a10_3 = fma(w23, vec4(v22), a10_3);
        a11_0 = fma(w20, vec4(v24), a11_0); a11_1 = fma(w21, vec4(v24), a11_1); a11_2 = fma(w22, vec4(v24), a11_2); a11_3 = fma(w23, vec4(v24), a11_3);
        a12_0 = fma(w20, vec4(v26), a12_0); a12_1 = fma(w21, vec4(v26), a12_1); a12_2 = fma(w22, vec4(v26), a12_2); a12_3 = fma(w23, vec4(v26), a12_3);
        a13_0 = fma(w20, vec4(v28), a13_0); a13_1 = fma(w21, vec4(v28), a13_1); a13_2 = fma(w22, vec4(v28), a13_2); a13_3 = fma(w23, vec4(v28), a13_3);
        a14_0 = fma(w20, vec4(v30), a14_0); a14_1 = fma(w21, vec4(v30), a14_1); a14_2 = fma(w22, vec4(v30), a14_2); a14_3 = fma(w23, vec4(v30), a14_3);
        a15_0 = fma(w20, vec4(v32), a15_0); a15_1 = fma(w21, vec4(v32), a15_1); a15_2 = fma(w22, vec4(v32), a15_2); a15_3 = fma(w23, vec4(v32), a15_3);
      }
    }
  }
  // Quads 0, 1: channels c0 .. c0 + 7 of row oy. Quads 2, 3: the next 8 channels of row oy, or
  // (ROWS2) the same 8 channels of row oy + 1.
  let c0 = tc * select(16u, 8u, ROWS2);
  let o0 = (b * p.Cout + c0) * p.PSout + oy * p.Wo + ox0;
  let n0 = min(8u, p.Cout - c0);
  let o1 = select(o0 + 8u * p.PSout, o0 + p.Wo, ROWS2);
  let n1 = select(min(8u, p.Cout - min(c0 + 8u, p.Cout)), select(0u, n0, oy + 1u < p.Ho), ROWS2);
  let nx = p.Wo - ox0;
  // Whole tiles (the common case) store straight-line; tiles at the right or bottom edge, or with
  // fewer than 8 channels in a half, go through a loop (a branch per store made this kernel take
  // seconds to compile).
  let acc = array<vec4<f32>, 64>(
    a0_0, a0_1, a0_2, a0_3, a1_0, a1_1, a1_2, a1_3, a2_0, a2_1, a2_2, a2_3, a3_0, a3_1, a3_2, a3_3,
    a4_0, a4_1, a4_2, a4_3, a5_0, a5_1, a5_2, a5_3, a6_0, a6_1, a6_2, a6_3, a7_0, a7_1, a7_2, a7_3,
    a8_0, a8_1, a8_2, a8_3, a9_0, a9_1, a9_2, a9_3, a10_0, a10_1, a10_2, a10_3, a11_0, a11_1, a11_2,
    a11_3, a12_0, a12_1, a12_2, a12_3, a13_0, a13_1, a13_2, a13_3, a14_0, a14_1, a14_2, a14_3,
    a15_0, a15_1, a15_2, a15_3);
  if ((nx >= 16u) & (n0 == 8u) & (n1 == 8u)) {
    for (var j = 0u; j < 16u; j++) { put8(o0 + j, acc[j * 4u], acc[j * 4u + 1u]); put8(o1 + j, acc[j * 4u + 2u], acc[j * 4u + 3u]); }
    return;
  }
  for (var j = 0u; j < min(nx, 16u); j++) {
    for (var c = 0u; c < n0; c++) { y[o0 + j + c * p.PSout] = act(acc[j * 4u + c / 4u])[c % 4u]; }
    for (var c = 0u; c < n1; c++) { y[o1 + j + c * p.PSout] = act(acc[j * 4u + 2u + c / 4u])[c % 4u]; }
  }
}

#include "padded_pixel.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let tx = id % p.tilesX;
  var r = id / p.tilesX;
  let oy = r % p.Ho; r /= p.Ho;
  let tc = r % p.tilesC;
  let b = r / p.tilesC;
  let ox0 = tx * 8u;
  let s = i32(p.stride);
  let ix0 = i32(ox0) * s - i32(p.pad);
  let cq = p.tilesC * 4u; // vec4 per weight row

  var a0 = mat4x4<f32>(); var a1 = mat4x4<f32>(); var a2 = mat4x4<f32>(); var a3 = mat4x4<f32>();
  var a4 = mat4x4<f32>(); var a5 = mat4x4<f32>(); var a6 = mat4x4<f32>(); var a7 = mat4x4<f32>();
  for (var ci = 0u; ci < p.Cin; ci++) {
    let base = (b * p.Cin + ci) * p.PSin;
    for (var ky = 0u; ky < p.KH; ky++) {
      let iy = i32(oy) * s - i32(p.pad) + i32(ky);
      for (var kx = 0u; kx < p.KW; kx++) {
        let wi = ((ci * p.KH + ky) * p.KW + kx) * cq + tc * 4u;
        let w0 = wload(w[wi]); let w1 = wload(w[wi + 1u]); let w2 = wload(w[wi + 2u]); let w3 = wload(w[wi + 3u]);
        let ix = ix0 + i32(kx);
        let v0 = pixel(base, iy, ix);         let v1 = pixel(base, iy, ix + s);
        let v2 = pixel(base, iy, ix + 2 * s); let v3 = pixel(base, iy, ix + 3 * s);
        let v4 = pixel(base, iy, ix + 4 * s); let v5 = pixel(base, iy, ix + 5 * s);
        let v6 = pixel(base, iy, ix + 6 * s); let v7 = pixel(base, iy, ix + 7 * s);
        let wm = mat4x4<f32>(w0, w1, w2, w3);
        a0 += wm * v0;
        a1 += wm * v1;
        a2 += wm * v2;
        a3 += wm * v3;
        a4 += wm * v4;
        a5 += wm * v5;
        a6 += wm * v6;
        a7 += wm * v7;
      }
    }
  }
  let acc = array<mat4x4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
  for (var q = 0u; q < 4u; q++) {
    let bv = bias[tc * 4u + q];
    for (var i = 0u; i < 4u; i++) {
      let co = tc * 16u + q * 4u + i;
      if (co >= p.Cout) { return; }
      let row = (b * p.Cout + co) * p.PSout + oy * p.Wo;
      for (var j = 0u; j < 8u; j++) {
        if (ox0 + j >= p.Wo) { break; }
        var v = acc[j][q][i] + bv[i];
        if (p.relu != 0u) { v = max(v, 0.0); }
        y[row + ox0 + j] = v;
      }
    }
  }
}
