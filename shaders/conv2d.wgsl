// Dense 2-D convolution (groups = 1) with BN folded into w and bias, optional ReLU: the EfficientViT
// stem (3×3, stride 2, pad 1). Two entry points share the bindings:
//   s2k3: 3×3 stride 2 (the stem). Each invocation owns 16 channel slots × 16 output pixels of one
//         row in 64 vec4 accumulators (acc[4j + q]: pixel j, channel quad q): 16 channels of row oy,
//         or (ROWS2, for Cout = 8 mod 16) 8 channels of rows oy and oy + 1. Per (ci, ky) it loads
//         the 33-float input row segment once (in_row: shared by the 3 kx taps, output j reads
//         2j + kx) and 3 × 16 weights, then does 768 FMAs: ~9.5 FMAs per loaded float, as
//         pointwise.wgsl's tile. Every index into acc is a constant once px() is inlined, so the
//         accumulators stay in registers (a loop over pixels would index them: several × slower).
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
#include "grid.wgsl"
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

// The 33 input floats of row iy of a plane from column ix0 that 16 outputs at stride 2 read with
// their 3 kx taps (output j reads 2j + kx); 0 outside the image.
fn in_row(plane: u32, iy: i32, ix0: i32) -> array<f32, 33> {
  let rok = u32(iy) < p.H;
  let r = plane + min(u32(iy), p.H - 1u) * p.W; // clamped into the plane; edge() zeroes rows outside
  return array(edge(r, ix0, rok), edge(r, ix0 + 1, rok), edge(r, ix0 + 2, rok), edge(r, ix0 + 3, rok), edge(r, ix0 + 4, rok), edge(r, ix0 + 5, rok),
               edge(r, ix0 + 6, rok), edge(r, ix0 + 7, rok), edge(r, ix0 + 8, rok), edge(r, ix0 + 9, rok), edge(r, ix0 + 10, rok), edge(r, ix0 + 11, rok),
               edge(r, ix0 + 12, rok), edge(r, ix0 + 13, rok), edge(r, ix0 + 14, rok), edge(r, ix0 + 15, rok), edge(r, ix0 + 16, rok), edge(r, ix0 + 17, rok),
               edge(r, ix0 + 18, rok), edge(r, ix0 + 19, rok), edge(r, ix0 + 20, rok), edge(r, ix0 + 21, rok), edge(r, ix0 + 22, rok), edge(r, ix0 + 23, rok),
               edge(r, ix0 + 24, rok), edge(r, ix0 + 25, rok), edge(r, ix0 + 26, rok), edge(r, ix0 + 27, rok), edge(r, ix0 + 28, rok), edge(r, ix0 + 29, rok),
               edge(r, ix0 + 30, rok), edge(r, ix0 + 31, rok), edge(r, ix0 + 32, rok));
}

// Output pixel j of the tile (a constant) over one kernel row: acc[4j + q] += Σ_kx wt[4kx + q] · v,
// v the tap kx of row a (quads 0, 1) or row b (quads 2, 3).
fn px(acc: ptr<function, array<vec4<f32>, 64>>, j: u32, a0: f32, a1: f32, a2: f32, b0: f32, b1: f32, b2: f32, wt: array<vec4<f32>, 12>) {
  (*acc)[4u * j] = fma(wt[8], vec4(a2), fma(wt[4], vec4(a1), fma(wt[0], vec4(a0), (*acc)[4u * j])));
  (*acc)[4u * j + 1u] = fma(wt[9], vec4(a2), fma(wt[5], vec4(a1), fma(wt[1], vec4(a0), (*acc)[4u * j + 1u])));
  (*acc)[4u * j + 2u] = fma(wt[10], vec4(b2), fma(wt[6], vec4(b1), fma(wt[2], vec4(b0), (*acc)[4u * j + 2u])));
  (*acc)[4u * j + 3u] = fma(wt[11], vec4(b2), fma(wt[7], vec4(b1), fma(wt[3], vec4(b0), (*acc)[4u * j + 3u])));
}

// One kernel row (weights w[wi ..]: 3 kx × 4 channel quads) for the 16 pixels: channel quads 0, 1
// read input row a, quads 2, 3 row b (the same row, or with ROWS2 the row two further down).
fn krow(acc: ptr<function, array<vec4<f32>, 64>>, a: array<f32, 33>, b: array<f32, 33>, wi: u32) {
  let wt = array(wload(w[wi]), wload(w[wi + 1u]), wload(w[wi + 2u]), wload(w[wi + 3u]), wload(w[wi + 4u]), wload(w[wi + 5u]),
                 wload(w[wi + 6u]), wload(w[wi + 7u]), wload(w[wi + 8u]), wload(w[wi + 9u]), wload(w[wi + 10u]), wload(w[wi + 11u]));
  px(acc, 0u, a[0], a[1], a[2], b[0], b[1], b[2], wt);
  px(acc, 1u, a[2], a[3], a[4], b[2], b[3], b[4], wt);
  px(acc, 2u, a[4], a[5], a[6], b[4], b[5], b[6], wt);
  px(acc, 3u, a[6], a[7], a[8], b[6], b[7], b[8], wt);
  px(acc, 4u, a[8], a[9], a[10], b[8], b[9], b[10], wt);
  px(acc, 5u, a[10], a[11], a[12], b[10], b[11], b[12], wt);
  px(acc, 6u, a[12], a[13], a[14], b[12], b[13], b[14], wt);
  px(acc, 7u, a[14], a[15], a[16], b[14], b[15], b[16], wt);
  px(acc, 8u, a[16], a[17], a[18], b[16], b[17], b[18], wt);
  px(acc, 9u, a[18], a[19], a[20], b[18], b[19], b[20], wt);
  px(acc, 10u, a[20], a[21], a[22], b[20], b[21], b[22], wt);
  px(acc, 11u, a[22], a[23], a[24], b[22], b[23], b[24], wt);
  px(acc, 12u, a[24], a[25], a[26], b[24], b[25], b[26], wt);
  px(acc, 13u, a[26], a[27], a[28], b[26], b[27], b[28], wt);
  px(acc, 14u, a[28], a[29], a[30], b[28], b[29], b[30], wt);
  px(acc, 15u, a[30], a[31], a[32], b[30], b[31], b[32], wt);
}

@compute @workgroup_size(WG)
fn s2k3(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.tilesX, p.tilesY, p.tilesC));
  let tx = t.x; let ty = t.y; let tc = t.z; let b = t.w;
  let oy = select(ty, ty * 2u, ROWS2);
  let ox0 = tx * 16u;
  let ix0 = i32(ox0 * 2u) - i32(p.pad);
  let b0 = bias[tc * 4u]; let b1 = bias[tc * 4u + 1u]; let b2 = bias[tc * 4u + 2u]; let b3 = bias[tc * 4u + 3u];
  var acc = array(b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3,
                  b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3,
                  b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3, b0, b1, b2, b3);
  for (var ci = 0u; ci < p.Cin; ci++) {
    let plane = (b * p.Cin + ci) * p.PSin;
    let iy = i32(oy * 2u) - i32(p.pad);
    let wi = (tc * p.Cin + ci) * 36u; // 3 ky × 12
    if (ROWS2) {
      // 8 channels × output rows oy, oy + 1: quads 2, 3 read the input two rows further down. A
      // loop over ky (this layer has 3 input channels: unrolling gained nothing, doubled the compile).
      for (var ky = 0; ky < 3; ky++) {
        krow(&acc, in_row(plane, iy + ky, ix0), in_row(plane, iy + ky + 2, ix0), wi + u32(ky) * 12u);
      }
    } else {
      // 16 channels × output row oy. The 3 kernel rows unrolled: a loop back-edge carrying the 64
      // accumulators made this path ~1.5× slower on SwiftShader.
      let r0 = in_row(plane, iy, ix0); krow(&acc, r0, r0, wi);
      let r1 = in_row(plane, iy + 1, ix0); krow(&acc, r1, r1, wi + 12u);
      let r2 = in_row(plane, iy + 2, ix0); krow(&acc, r2, r2, wi + 24u);
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
  // seconds to compile). The stores index a copy: a computed index into acc itself would keep the
  // accumulators out of registers in the loops above.
  let out = acc;
  if ((nx >= 16u) & (n0 == 8u) & (n1 == 8u)) {
    for (var j = 0u; j < 16u; j++) { put8(o0 + j, out[j * 4u], out[j * 4u + 1u]); put8(o1 + j, out[j * 4u + 2u], out[j * 4u + 3u]); }
    return;
  }
  for (var j = 0u; j < min(nx, 16u); j++) {
    for (var c = 0u; c < n0; c++) { y[o0 + j + c * p.PSout] = act(out[j * 4u + c / 4u])[c % 4u]; }
    for (var c = 0u; c < n1; c++) { y[o1 + j + c * p.PSout] = act(out[j * 4u + 2u + c / 4u])[c % 4u]; }
  }
}

#include "padded_pixel.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.tilesX, p.Ho, p.tilesC));
  let tx = t.x; let oy = t.y; let tc = t.z; let b = t.w;
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
