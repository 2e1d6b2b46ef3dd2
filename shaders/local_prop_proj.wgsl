// EdgeViT's global sparse attention, output side, in one dispatch (LocalProp + LayerNorm + proj +
// residual). From the attention output o on the delegate grid (h × w, one delegate per SR × SR block):
//   u[c, y, x] = lw[c, y % SR, x % SR] · o[c, y / SR, x / SR] + lb[c]   (depthwise ConvTranspose2d,
//                                                                          kernel = stride = SR)
//   y[m, y, x] = res[m, y, x] + bp[m] + rstd(y, x) · Σ_c w[m, c] · ((u[c, y, x] − z(y, x)) − mean(y, x))
// where z is u at channel 0, and mean (of u − z) and rstd = 1/√(var + eps) are the LayerNorm
// statistics of u over c (layer_norm.wgsl: no term carries u's offset); the op builder
// folds the LayerNorm's gamma and beta into the proj weights: w = W·diag(gamma), bp = b + W·beta.
// With SR = 1 there is no LocalProp (u = o); with LN off, z = mean = 0 and rstd = 1.
// A workgroup owns all output channels of G tiles of 16 output pixels, TW wide and 16/TW tall (four
// row-aligned quads of 4 pixels). Invocation (g, cb) computes output channels 16cb..16cb+15 of tile
// g in 64 vec4 accumulators (acc[4i + j]: channel 16cb + i, quad j), pointwise.wgsl's matmul over
// the input channels c, unrolled by 4: per step 16 vec4 of w (stored tile by tile) and u for 4
// channels × 16 pixels, rebuilt from o on the fly (u is never stored: with SR = 2 a quad of pixels
// reads 2 delegates and its kernel row 2 taps, with SR = 4 one delegate and 4 taps; quads on one
// row share the kernel row), then 64 fma4 chains.
// LayerNorm statistics before the matmul: each invocation runs Welford over its own 16 channels of
// u − z for its 16 pixels, and Chan's merge of the NCB channel blocks of a tile goes through two sums
// in a small workgroup array (the mean, then each block's M2 plus its mean's deviation). (Measured
// before: the same speed as two passes of sums; the matmul dominates.)
// Padding: input channel tails repeat channel C-1 (their w columns are zero); output channels past
// C are not stored; pixels past the right/bottom edge are computed as copies of edge pixels (quads
// start at most at W - 4, rows clamp to H - 1), so every store writes a correct value.
struct Params {
  C: u32,      // channels (in = out)
  CS: u32,     // C rounded up to 4
  h: u32, w: u32, PSo: u32, // delegate grid of o and its plane stride
  H: u32, W: u32, PS: u32,  // output (= residual) map, H = h·SR, W = w·SR, and its plane stride
  tilesX: u32, // ceil(W / TW)
  tilesP: u32, // tilesX · ceil(H / (16 / TW)): pixel tiles per image
  groups: u32, // ceil(tilesP / G): workgroups per image
  count: u32,  // B · groups
  eps: f32,
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> o: array<f32>;            // (B, C, PSo)
@group(0) @binding(2) var<storage, read> lw: array<f32>;           // (C, SR, SR) LocalProp weight, read when SR > 1
@group(0) @binding(3) var<storage, read> lb: array<f32>;           // (C) LocalProp bias, read when SR > 1
@group(0) @binding(4) var<storage, read> w: array<wvec4>;         // (NCB, CS/4, 16): w[16t+i, 4j..4j+3] at (t·CS/4 + j)·16 + i
@group(0) @binding(5) var<storage, read> bp: array<vec4<f32>>;     // (NCB·16)
@group(0) @binding(6) var<storage, read> res: array<f32>;          // (B, C, PS)
@group(0) @binding(7) var<storage, read_write> y: array<f32>;      // (B, C, PS)

override SR: u32 = 2;     // LocalProp kernel = stride (1: none)
override FAST: bool = true; // SR is 1, 2 or 4 and W ≥ 4: quads share delegates and kernel rows
override TW: u32 = 16;    // tile width in pixels: 4, 8 or 16 (tile height 16 / TW)
override LN: bool = true; // LayerNorm over the channels of u
override NCB: u32 = 1;    // channel blocks: ceil(C / 16)
override WG: u32 = 4;     // invocations per workgroup: NCB · G pixel tiles (a multiple of 4 where it can be)

var<workgroup> red: array<vec4<f32>, WG * 4>; // (WG, 16 pixels): partial sums of each invocation

// Where the tile's 16 pixels (4 quads q, 4 lanes i) read o and lw and write y.
struct Px {
  orow: vec4<u32>,           // quad q: offset of its delegate row in a plane of o
  krow: vec4<u32>,           // quad q: offset of its kernel row in a channel of lw (ky · SR)
  d: array<vec4<u32>, 4>,    // quad q, lane i: delegate column
  k: array<vec4<u32>, 4>,    // quad q, lane i: kernel tap ky · SR + kx
  out: array<vec4<u32>, 4>,  // quad q, lane i: offset in a plane of y
}

// Kernel row kr of channel offset lk as the 4 lanes of a quad (quads start at even / multiple-of-4 x).
fn lrow(lk: u32, kr: u32) -> vec4<f32> {
  if (SR == 2u) { let l0 = lw[lk + kr]; let l1 = lw[lk + kr + 1u]; return vec4(l0, l1, l0, l1); }
  return vec4(lw[lk + kr], lw[lk + kr + 1u], lw[lk + kr + 2u], lw[lk + kr + 3u]);
}

// u of channel c (plane ob of o) at the tile's 16 pixels.
fn uch(c: u32, ob: u32, px: Px) -> array<vec4<f32>, 4> {
  var u: array<vec4<f32>, 4>;
  if (!FAST) {
    let lk = c * SR * SR;
    for (var q = 0u; q < 4u; q++) {
      let r = ob + px.orow[q];
      let d = px.d[q];
      let k = px.k[q];
      let v = vec4(o[r + d.x], o[r + d.y], o[r + d.z], o[r + d.w]);
      if (SR == 1u) { u[q] = v; } else { u[q] = fma(vec4(lw[lk + k.x], lw[lk + k.y], lw[lk + k.z], lw[lk + k.w]), v, vec4(lb[c])); }
    }
    return u;
  }
  if (SR == 1u) {
    let r0 = ob + px.orow.x; let r1 = ob + px.orow.y; let r2 = ob + px.orow.z; let r3 = ob + px.orow.w;
    u[0] = vec4(o[r0 + px.d[0].x], o[r0 + px.d[0].y], o[r0 + px.d[0].z], o[r0 + px.d[0].w]);
    u[1] = vec4(o[r1 + px.d[1].x], o[r1 + px.d[1].y], o[r1 + px.d[1].z], o[r1 + px.d[1].w]);
    u[2] = vec4(o[r2 + px.d[2].x], o[r2 + px.d[2].y], o[r2 + px.d[2].z], o[r2 + px.d[2].w]);
    u[3] = vec4(o[r3 + px.d[3].x], o[r3 + px.d[3].y], o[r3 + px.d[3].z], o[r3 + px.d[3].w]);
    return u;
  }
  // Kernel rows: one per tile row (quads 0-3 on one row when TW = 16, 0-1 and 2-3 when TW = 8).
  let lk = c * SR * SR;
  let l0 = lrow(lk, px.krow.x);
  var l1 = l0; var l2 = l0; var l3 = l0;
  if (TW == 8u) { l2 = lrow(lk, px.krow.z); l3 = l2; }
  if (TW == 4u) { l1 = lrow(lk, px.krow.y); l2 = lrow(lk, px.krow.z); l3 = lrow(lk, px.krow.w); }
  let bias = vec4(lb[c]);
  let r0 = ob + px.orow.x; let r1 = ob + px.orow.y; let r2 = ob + px.orow.z; let r3 = ob + px.orow.w;
  if (SR == 2u) {
    // lanes 0-1 and 2-3 of a quad share a delegate
    let a0 = o[r0 + px.d[0].x]; let e0 = o[r0 + px.d[0].z];
    let a1 = o[r1 + px.d[1].x]; let e1 = o[r1 + px.d[1].z];
    let a2 = o[r2 + px.d[2].x]; let e2 = o[r2 + px.d[2].z];
    let a3 = o[r3 + px.d[3].x]; let e3 = o[r3 + px.d[3].z];
    u[0] = fma(l0, vec4(a0, a0, e0, e0), bias); u[1] = fma(l1, vec4(a1, a1, e1, e1), bias);
    u[2] = fma(l2, vec4(a2, a2, e2, e2), bias); u[3] = fma(l3, vec4(a3, a3, e3, e3), bias);
  } else {
    // SR = 4: a quad is one delegate
    u[0] = fma(l0, vec4(o[r0 + px.d[0].x]), bias); u[1] = fma(l1, vec4(o[r1 + px.d[1].x]), bias);
    u[2] = fma(l2, vec4(o[r2 + px.d[2].x]), bias); u[3] = fma(l3, vec4(o[r3 + px.d[3].x]), bias);
  }
  return u;
}

#include "tile16x16.wgsl"
#include "weight_tile.wgsl"
#include "channel_tiles.wgsl"
#include "layer_norm.wgsl"

// The tile's pixels: quads start at most at W - 4 (so a quad never crosses the right edge when W ≥ 4,
// and quads past it repeat the last full quad), rows past the bottom repeat row H - 1.
fn pixels(tile: u32) -> Px {
  let th = 16u / TW;
  let y0 = (tile / p.tilesX) * th;
  let x0 = (tile % p.tilesX) * TW;
  var px: Px;
  for (var q = 0u; q < 4u; q++) {
    let yq = min(y0 + (q * 4u) / TW, p.H - 1u);
    let xq = min(x0 + (q * 4u) % TW, max(p.W, 4u) - 4u);
    let xs = min(vec4(xq) + vec4(0u, 1u, 2u, 3u), vec4(p.W - 1u));
    px.orow[q] = (yq / SR) * p.w;
    px.krow[q] = (yq % SR) * SR;
    px.d[q] = xs / SR;
    px.k[q] = vec4((yq % SR) * SR) + xs % SR;
    px.out[q] = vec4(yq * p.W) + xs;
  }
  return px;
}

// One output channel's 16 pixels (plane offset ob): res + bias + rstd · (v0..v3).
fn put(ob: u32, px: Px, bias: f32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>, r: array<vec4<f32>, 4>) {
  put4(ob, px.out[0], fma(v0, r[0], vec4(bias)));
  put4(ob, px.out[1], fma(v1, r[1], vec4(bias)));
  put4(ob, px.out[2], fma(v2, r[2], vec4(bias)));
  put4(ob, px.out[3], fma(v3, r[3], vec4(bias)));
}

// y = res + v at the 4 pixels of a quad (plane offset ob, offsets at in the plane). Scalar: rows
// need not be vec4 aligned, and an aligned vec4 path measured no faster (loads and stores cost per
// float on SwiftShader).
fn put4(ob: u32, at: vec4<u32>, v: vec4<f32>) {
  y[ob + at.x] = res[ob + at.x] + v.x;
  y[ob + at.y] = res[ob + at.y] + v.y;
  y[ob + at.z] = res[ob + at.z] + v.z;
  y[ob + at.w] = res[ob + at.w] + v.w;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let at = group_tile(wid, nwg, lid);
  let b = at.b; let g = at.g; let cb = at.cb; let tile = at.tile; let mine = at.mine;
  let px = pixels(min(tile, p.tilesP - 1u));
  let C = p.C;
  let ob = b * C * p.PSo;

  // LayerNorm statistics of u − z at the 16 pixels: this invocation's channels, then the tile's.
  var z = array<vec4<f32>, 4>();
  var mean = array<vec4<f32>, 4>();
  var rstd = array<vec4<f32>, 4>(vec4(1.0), vec4(1.0), vec4(1.0), vec4(1.0));
  if (LN) {
    z = uch(0u, ob, px);
    let c0 = min(cb * 16u, C);
    let c1 = min(c0 + 16u, C);
    var st = array<LnStats, 4>(ln_none(), ln_none(), ln_none(), ln_none());
    for (var c = c0; c < c1; c++) {
      let u = uch(c, ob + c * p.PSo, px);
      st[0] = ln_push(st[0], u[0] - z[0]); st[1] = ln_push(st[1], u[1] - z[1]);
      st[2] = ln_push(st[2], u[2] - z[2]); st[3] = ln_push(st[3], u[3] - z[3]);
    }
    let t = tile_ln(lid, g, st, f32(C), p.eps);
    mean = t.mean;
    rstd = t.rstd;
  }

  // acc = Σ_c w[m, c] · ((u[c] − z) − mean) over all C input channels, 4 at a time.
  var acc: array<vec4<f32>, 64>;
  let cs4 = p.CS / 4u;
  let wt = cb * cs4 * 16u;
  for (var c4 = 0u; c4 < cs4; c4++) {
    let c = c4 * 4u;
    let c1 = min(c + 1u, C - 1u); let c2 = min(c + 2u, C - 1u); let c3 = min(c + 3u, C - 1u);
    var u0 = uch(c, ob + c * p.PSo, px);
    var u1 = uch(c1, ob + c1 * p.PSo, px);
    var u2 = uch(c2, ob + c2 * p.PSo, px);
    var u3 = uch(c3, ob + c3 * p.PSo, px);
    if (LN) {
      u0 = array<vec4<f32>, 4>((u0[0] - z[0]) - mean[0], (u0[1] - z[1]) - mean[1], (u0[2] - z[2]) - mean[2], (u0[3] - z[3]) - mean[3]);
      u1 = array<vec4<f32>, 4>((u1[0] - z[0]) - mean[0], (u1[1] - z[1]) - mean[1], (u1[2] - z[2]) - mean[2], (u1[3] - z[3]) - mean[3]);
      u2 = array<vec4<f32>, 4>((u2[0] - z[0]) - mean[0], (u2[1] - z[1]) - mean[1], (u2[2] - z[2]) - mean[2], (u2[3] - z[3]) - mean[3]);
      u3 = array<vec4<f32>, 4>((u3[0] - z[0]) - mean[0], (u3[1] - z[1]) - mean[1], (u3[2] - z[2]) - mean[2], (u3[3] - z[3]) - mean[3]);
    }
    tile_mac_w(&acc, wt + c4 * 16u, u0, u1, u2, u3);
  }

  if (!mine) { return; }
  let rows = min(16u, C - min(cb * 16u, C));
  let yb = (b * C + cb * 16u) * p.PS;
  let ps = p.PS;
  let bv = array<vec4<f32>, 4>(bp[cb * 4u], bp[cb * 4u + 1u], bp[cb * 4u + 2u], bp[cb * 4u + 3u]);
  if (0u < rows) { put(yb + 0u * ps, px, bv[0].x, acc[0], acc[1], acc[2], acc[3], rstd); }
  if (1u < rows) { put(yb + 1u * ps, px, bv[0].y, acc[4], acc[5], acc[6], acc[7], rstd); }
  if (2u < rows) { put(yb + 2u * ps, px, bv[0].z, acc[8], acc[9], acc[10], acc[11], rstd); }
  if (3u < rows) { put(yb + 3u * ps, px, bv[0].w, acc[12], acc[13], acc[14], acc[15], rstd); }
  if (4u < rows) { put(yb + 4u * ps, px, bv[1].x, acc[16], acc[17], acc[18], acc[19], rstd); }
  if (5u < rows) { put(yb + 5u * ps, px, bv[1].y, acc[20], acc[21], acc[22], acc[23], rstd); }
  if (6u < rows) { put(yb + 6u * ps, px, bv[1].z, acc[24], acc[25], acc[26], acc[27], rstd); }
  if (7u < rows) { put(yb + 7u * ps, px, bv[1].w, acc[28], acc[29], acc[30], acc[31], rstd); }
  if (8u < rows) { put(yb + 8u * ps, px, bv[2].x, acc[32], acc[33], acc[34], acc[35], rstd); }
  if (9u < rows) { put(yb + 9u * ps, px, bv[2].y, acc[36], acc[37], acc[38], acc[39], rstd); }
  if (10u < rows) { put(yb + 10u * ps, px, bv[2].z, acc[40], acc[41], acc[42], acc[43], rstd); }
  if (11u < rows) { put(yb + 11u * ps, px, bv[2].w, acc[44], acc[45], acc[46], acc[47], rstd); }
  if (12u < rows) { put(yb + 12u * ps, px, bv[3].x, acc[48], acc[49], acc[50], acc[51], rstd); }
  if (13u < rows) { put(yb + 13u * ps, px, bv[3].y, acc[52], acc[53], acc[54], acc[55], rstd); }
  if (14u < rows) { put(yb + 14u * ps, px, bv[3].z, acc[56], acc[57], acc[58], acc[59], rstd); }
  if (15u < rows) { put(yb + 15u * ps, px, bv[3].w, acc[60], acc[61], acc[62], acc[63], rstd); }
}
