// EdgeViT patch embedding in one dispatch: a strided conv (kernel = stride = KS, no padding) then
// LayerNorm over the output channels at every output pixel (LN = false: the conv alone, which the
// unfused schedule runs):
//   v[co, o] = bias[co] + Σ_{ci,ky,kx} w[co, ci, ky, kx] · x[ci, KS·oy + ky, KS·ox + kx]
//   y[co, o] = (v[co, o] − mean_o) / √(var_o + eps) · gamma[co] + beta[co]   (biased variance)
// A workgroup owns all output channels of G tiles of 16 output pixels (pixels flattened oy·Wo + ox,
// so tiles only waste at the end of a plane). Invocation (g, cb) computes channels 16cb..16cb+15
// of tile g in 64 vec4 accumulators (acc[4i + j]: channel 16cb + i, pixels 4j..4j+3), the conv as a
// matmul over the taps t = (ci·KS + ky)·KS + kx, unrolled by 4 taps: per step 16 vec4 of weights
// (stored tile by tile by the op builder, pointwise.wgsl's layout, each loaded next to its 4 uses)
// and 4 × 16 input floats (one scalar load per pixel and tap: on SwiftShader a vec4 load of a row
// costs as much as its 4 floats, measured), then 64 fma4 chains.
// LayerNorm statistics (layer_norm.wgsl) of v − z, z = channel 0 of the pixel (passed from the
// invocation that holds it through a small workgroup array): each invocation runs Welford over its 16
// channels, and Chan's merge of the NCB channel blocks of a tile goes through two more sums in that
// array (the mean, then each block's M2 plus its mean's deviation). Normalised values
// ((v − z) − mean)·rstd go straight to y, in vec4.
// Padding: tap tails repeat the last real tap (their weight columns are zero); channels past Cout
// are 0 (zero weights and bias), masked out of the variance and not stored; pixel quads past the
// plane stride repeat the last quad (same values, stored twice), pixels past Ho·Wo the last pixel.
struct Params {
  Cin: u32, H: u32, W: u32, PSin: u32,
  Cout: u32, Wo: u32, P: u32, PSout: u32, // P = Ho·Wo output pixels per image
  taps: u32,   // Cin·KS·KS
  tilesP: u32, // ceil(P / 16): pixel tiles per image
  groups: u32, // ceil(tilesP / G): workgroups per image
  count: u32,  // B · groups
  eps: f32,
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // (B, Cin, PSin)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (NCB, ceil4(taps)/4, 16): w[16t+i, 4j..4j+3] at (t·ceil4(taps)/4 + j)·16 + i
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (NCB·16)
@group(0) @binding(4) var<storage, read> gamma: array<vec4<f32>>;   // (NCB·16)
@group(0) @binding(5) var<storage, read> beta: array<vec4<f32>>;    // (NCB·16)
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, Cout, PSout)

override KS: u32 = 2;  // kernel size = stride
override NCB: u32 = 1; // channel blocks: ceil(Cout / 16)
override WG: u32 = 4;  // invocations per workgroup: NCB · G pixel tiles (a multiple of 4 where it can be)
override LN: bool = true;

var<workgroup> red: array<vec4<f32>, WG * 4>; // (WG, 16 pixels): partial sums of each invocation

#include "tile16x16.wgsl"
#include "weight_tile.wgsl"
#include "channel_tiles.wgsl"
#include "layer_norm.wgsl"

// The 16 pixels' inputs at one tap: a holds each pixel's patch origin, off the tap's offset in it.
fn xtap(a0: vec4<u32>, a1: vec4<u32>, a2: vec4<u32>, a3: vec4<u32>, off: u32) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(
    vec4(x[a0.x + off], x[a0.y + off], x[a0.z + off], x[a0.w + off]),
    vec4(x[a1.x + off], x[a1.y + off], x[a1.z + off], x[a1.w + off]),
    vec4(x[a2.x + off], x[a2.y + off], x[a2.z + off], x[a2.w + off]),
    vec4(x[a3.x + off], x[a3.y + off], x[a3.z + off], x[a3.w + off]));
}

// Offset of the tap after the one at (off, ky, kx) in a patch, and its ky, kx; past the last tap
// the offset stays at the last tap's (the weights there are zero).
fn next_tap(t: vec3<u32>, last: u32) -> vec3<u32> {
  let kx = t.z + 1u;
  let wrapx = kx == KS;
  let ky = select(t.y, t.y + 1u, wrapx);
  let wrapy = ky == KS;
  let off = t.x + select(1u, p.W - (KS - 1u), wrapx) + select(0u, p.PSin - KS * p.W, wrapy);
  return vec3(min(off, last), select(ky, 0u, wrapy), select(kx, 0u, wrapx));
}

// Patch origins of the 4 pixels of output quad q (pixels past the plane: the last pixel's).
fn origins(xb: u32, q: u32) -> vec4<u32> {
  let c = min(vec4(q * 4u) + vec4(0u, 1u, 2u, 3u), vec4(p.P - 1u));
  return vec4(xb) + (c / p.Wo) * (KS * p.W) + (c % p.Wo) * KS;
}

// Welford step of one channel's 4 quads, v − z, unless the channel is past Cout.
fn push(st: ptr<function, array<LnStats, 4>>, keep: bool, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>, z: array<vec4<f32>, 4>) {
  if (!keep) { return; }
  (*st)[0] = ln_push((*st)[0], v0 - z[0]); (*st)[1] = ln_push((*st)[1], v1 - z[1]);
  (*st)[2] = ln_push((*st)[2], v2 - z[2]); (*st)[3] = ln_push((*st)[3], v3 - z[3]);
}

// One channel's 4 output quads q in the plane at y[o]: ((v − z) − mean) · rstd · gamma + beta.
fn put(o: u32, q: vec4<u32>, ga: f32, be: f32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>,
       z: array<vec4<f32>, 4>, m: array<vec4<f32>, 4>, r: array<vec4<f32>, 4>) {
  y[o + q.x] = fma(((v0 - z[0]) - m[0]) * r[0], vec4(ga), vec4(be));
  y[o + q.y] = fma(((v1 - z[1]) - m[1]) * r[1], vec4(ga), vec4(be));
  y[o + q.z] = fma(((v2 - z[2]) - m[2]) * r[2], vec4(ga), vec4(be));
  y[o + q.w] = fma(((v3 - z[3]) - m[3]) * r[3], vec4(ga), vec4(be));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let at = group_tile(wid, nwg, lid);
  let b = at.b; let g = at.g; let cb = at.cb; let tile = at.tile; let mine = at.mine;
  // The tile's 4 output quads; quads past the plane repeat the last one (same values, stored twice).
  let ps4 = p.PSout / 4u;
  let q0 = min(tile, p.tilesP - 1u) * 4u;
  let q = min(vec4(q0) + vec4(0u, 1u, 2u, 3u), vec4(ps4 - 1u));
  let xb = b * p.Cin * p.PSin;
  let a0 = origins(xb, q.x);
  let a1 = origins(xb, q.y);
  let a2 = origins(xb, q.z);
  let a3 = origins(xb, q.w);

  var acc: array<vec4<f32>, 64>;
  let bv = array<vec4<f32>, 4>(bias[cb * 4u], bias[cb * 4u + 1u], bias[cb * 4u + 2u], bias[cb * 4u + 3u]);
  acc[0] = vec4(bv[0].x); acc[1] = acc[0]; acc[2] = acc[0]; acc[3] = acc[0];
  acc[4] = vec4(bv[0].y); acc[5] = acc[4]; acc[6] = acc[4]; acc[7] = acc[4];
  acc[8] = vec4(bv[0].z); acc[9] = acc[8]; acc[10] = acc[8]; acc[11] = acc[8];
  acc[12] = vec4(bv[0].w); acc[13] = acc[12]; acc[14] = acc[12]; acc[15] = acc[12];
  acc[16] = vec4(bv[1].x); acc[17] = acc[16]; acc[18] = acc[16]; acc[19] = acc[16];
  acc[20] = vec4(bv[1].y); acc[21] = acc[20]; acc[22] = acc[20]; acc[23] = acc[20];
  acc[24] = vec4(bv[1].z); acc[25] = acc[24]; acc[26] = acc[24]; acc[27] = acc[24];
  acc[28] = vec4(bv[1].w); acc[29] = acc[28]; acc[30] = acc[28]; acc[31] = acc[28];
  acc[32] = vec4(bv[2].x); acc[33] = acc[32]; acc[34] = acc[32]; acc[35] = acc[32];
  acc[36] = vec4(bv[2].y); acc[37] = acc[36]; acc[38] = acc[36]; acc[39] = acc[36];
  acc[40] = vec4(bv[2].z); acc[41] = acc[40]; acc[42] = acc[40]; acc[43] = acc[40];
  acc[44] = vec4(bv[2].w); acc[45] = acc[44]; acc[46] = acc[44]; acc[47] = acc[44];
  acc[48] = vec4(bv[3].x); acc[49] = acc[48]; acc[50] = acc[48]; acc[51] = acc[48];
  acc[52] = vec4(bv[3].y); acc[53] = acc[52]; acc[54] = acc[52]; acc[55] = acc[52];
  acc[56] = vec4(bv[3].z); acc[57] = acc[56]; acc[58] = acc[56]; acc[59] = acc[56];
  acc[60] = vec4(bv[3].w); acc[61] = acc[60]; acc[62] = acc[60]; acc[63] = acc[60];
  let last = (p.Cin - 1u) * p.PSin + (KS - 1u) * (p.W + 1u);
  let t4 = (p.taps + 3u) / 4u;
  let wt = cb * t4 * 16u;
  var t0 = vec3<u32>(0u, 0u, 0u);
  for (var k4 = 0u; k4 < t4; k4++) {
    let t1 = next_tap(t0, last);
    let t2 = next_tap(t1, last);
    let t3 = next_tap(t2, last);
    tile_mac_w(&acc, wt + k4 * 16u, xtap(a0, a1, a2, a3, t0.x), xtap(a0, a1, a2, a3, t1.x),
        xtap(a0, a1, a2, a3, t2.x), xtap(a0, a1, a2, a3, t3.x));
    t0 = next_tap(t3, last);
  }

  let rows = min(16u, p.Cout - min(cb * 16u, p.Cout));
  var z = array<vec4<f32>, 4>();
  var mean = array<vec4<f32>, 4>();
  var rstd = array<vec4<f32>, 4>(vec4(1.0), vec4(1.0), vec4(1.0), vec4(1.0));
  if (LN) { // (an override: uniform, so the barriers in tile_sum stay in uniform control flow)
  // Per-pixel statistics over all Cout channels: z from channel block 0 (the other blocks add exact
  // zeros), this invocation's channels, then the tile's.
  var z0 = array<vec4<f32>, 4>();
  if (cb == 0u) { z0 = array<vec4<f32>, 4>(acc[0], acc[1], acc[2], acc[3]); }
  z = tile_sum(lid, g, z0);
  var st = array<LnStats, 4>(ln_none(), ln_none(), ln_none(), ln_none());
  push(&st, 0u < rows, acc[0], acc[1], acc[2], acc[3], z);
  push(&st, 1u < rows, acc[4], acc[5], acc[6], acc[7], z);
  push(&st, 2u < rows, acc[8], acc[9], acc[10], acc[11], z);
  push(&st, 3u < rows, acc[12], acc[13], acc[14], acc[15], z);
  push(&st, 4u < rows, acc[16], acc[17], acc[18], acc[19], z);
  push(&st, 5u < rows, acc[20], acc[21], acc[22], acc[23], z);
  push(&st, 6u < rows, acc[24], acc[25], acc[26], acc[27], z);
  push(&st, 7u < rows, acc[28], acc[29], acc[30], acc[31], z);
  push(&st, 8u < rows, acc[32], acc[33], acc[34], acc[35], z);
  push(&st, 9u < rows, acc[36], acc[37], acc[38], acc[39], z);
  push(&st, 10u < rows, acc[40], acc[41], acc[42], acc[43], z);
  push(&st, 11u < rows, acc[44], acc[45], acc[46], acc[47], z);
  push(&st, 12u < rows, acc[48], acc[49], acc[50], acc[51], z);
  push(&st, 13u < rows, acc[52], acc[53], acc[54], acc[55], z);
  push(&st, 14u < rows, acc[56], acc[57], acc[58], acc[59], z);
  push(&st, 15u < rows, acc[60], acc[61], acc[62], acc[63], z);
  let t = tile_ln(lid, g, st, f32(p.Cout), p.eps);
  mean = t.mean;
  rstd = t.rstd;
  }
  if (!mine) { return; }
  let o = (b * p.Cout + cb * 16u) * ps4;
  let ga = array<vec4<f32>, 4>(gamma[cb * 4u], gamma[cb * 4u + 1u], gamma[cb * 4u + 2u], gamma[cb * 4u + 3u]);
  let be = array<vec4<f32>, 4>(beta[cb * 4u], beta[cb * 4u + 1u], beta[cb * 4u + 2u], beta[cb * 4u + 3u]);
  if (0u < rows) { put(o + 0u * ps4, q, ga[0].x, be[0].x, acc[0], acc[1], acc[2], acc[3], z, mean, rstd); }
  if (1u < rows) { put(o + 1u * ps4, q, ga[0].y, be[0].y, acc[4], acc[5], acc[6], acc[7], z, mean, rstd); }
  if (2u < rows) { put(o + 2u * ps4, q, ga[0].z, be[0].z, acc[8], acc[9], acc[10], acc[11], z, mean, rstd); }
  if (3u < rows) { put(o + 3u * ps4, q, ga[0].w, be[0].w, acc[12], acc[13], acc[14], acc[15], z, mean, rstd); }
  if (4u < rows) { put(o + 4u * ps4, q, ga[1].x, be[1].x, acc[16], acc[17], acc[18], acc[19], z, mean, rstd); }
  if (5u < rows) { put(o + 5u * ps4, q, ga[1].y, be[1].y, acc[20], acc[21], acc[22], acc[23], z, mean, rstd); }
  if (6u < rows) { put(o + 6u * ps4, q, ga[1].z, be[1].z, acc[24], acc[25], acc[26], acc[27], z, mean, rstd); }
  if (7u < rows) { put(o + 7u * ps4, q, ga[1].w, be[1].w, acc[28], acc[29], acc[30], acc[31], z, mean, rstd); }
  if (8u < rows) { put(o + 8u * ps4, q, ga[2].x, be[2].x, acc[32], acc[33], acc[34], acc[35], z, mean, rstd); }
  if (9u < rows) { put(o + 9u * ps4, q, ga[2].y, be[2].y, acc[36], acc[37], acc[38], acc[39], z, mean, rstd); }
  if (10u < rows) { put(o + 10u * ps4, q, ga[2].z, be[2].z, acc[40], acc[41], acc[42], acc[43], z, mean, rstd); }
  if (11u < rows) { put(o + 11u * ps4, q, ga[2].w, be[2].w, acc[44], acc[45], acc[46], acc[47], z, mean, rstd); }
  if (12u < rows) { put(o + 12u * ps4, q, ga[3].x, be[3].x, acc[48], acc[49], acc[50], acc[51], z, mean, rstd); }
  if (13u < rows) { put(o + 13u * ps4, q, ga[3].y, be[3].y, acc[52], acc[53], acc[54], acc[55], z, mean, rstd); }
  if (14u < rows) { put(o + 14u * ps4, q, ga[3].z, be[3].z, acc[56], acc[57], acc[58], acc[59], z, mean, rstd); }
  if (15u < rows) { put(o + 15u * ps4, q, ga[3].w, be[3].w, acc[60], acc[61], acc[62], acc[63], z, mean, rstd); }
}
