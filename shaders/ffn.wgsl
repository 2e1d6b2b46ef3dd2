// EfficientViT's Residual(FFN) in one dispatch:
//   y = x + w2 · relu(w1 · x + b1) + b2,   x, y: (B, C, H, W), w1: (Hd, C), w2: (C, Hd)
// A workgroup owns one image's tile of PQ pixel quads (4·PQ pixels). Phase 1: invocation t computes
// hidden rows 16t..16t+15 of the tile, relu(w1 · x + b1); barrier; phase 2: invocation t computes
// output rows 16t..16t+15, x + b2 + w2 · h. One dispatch instead of two, x read by one kernel.
// Both phases use the register tile of tile16x16.wgsl: 16 rows × 4 quads in vec4 accumulators
// (acc[4i + j]: row i, quad j); per 4 steps of k, 16 vec4 of weights (stored tile by tile by the op
// builder) and 4 × PQ vec4 of input, then 16 × 4 × 4 vec4 fma (with PQ < 4 the quads ≥ PQ are
// zeros, computed and never stored).
// The hidden tile goes to a scratch buffer, not workgroup memory: on SwiftShader workgroup memory
// costs as much per access as a buffer, plus its zero-initialisation per workgroup, and measured
// 10-50% slower (bench/README.md); a buffer also has no size limit. storageBarrier() orders it.
// Each phase's k loop is a single loop per invocation (one tile per phase); invocations without a
// tile run it zero times.
// Padding: k tails repeat the last real row (its weight columns are zero); hidden rows past Hd are
// relu(0 + 0) = 0; pixel quads past the plane repeat the last quad (stored twice, same value).
struct Params {
  C: u32,      // channels in and out
  CS: u32,     // C rounded up to 4
  PS: u32,     // plane stride in floats (H·W rounded up to 4)
  tilesP: u32, // ceil(PS / (4·PQ)): pixel tiles per image
  count: u32,  // B · tilesP: workgroups with work
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;       // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<wvec4>;           // (HD/16, CS/4, 16): w1[16t+i, 4j..4j+3] at (t·CS/4 + j)·16 + i
@group(0) @binding(3) var<storage, read> b1: array<vec4<f32>>;      // (HD)
@group(0) @binding(4) var<storage, read> w2: array<wvec4>;           // (ceil16(C)/16, HD/4, 16): w2[16t+i, 4j..4j+3] at (t·HD/4 + j)·16 + i
@group(0) @binding(5) var<storage, read> b2: array<vec4<f32>>;      // (ceil16(C))
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, C, PS)

@group(0) @binding(7) var<storage, read_write> h: array<vec4<f32>>; // (B · tilesP, HD, PQ): scratch

override WG: u32 = 4;   // invocations per workgroup: ≥ HD / 16 and ≥ ceil(C / 16), a multiple of 4
override PQ: u32 = 4;   // pixel quads per workgroup: 4, 2 or 1
override HD: u32 = 16;  // hidden rows, Hd rounded up to 16

#include "tile16x16.wgsl"

// Row r (offset of a plane) of x at this tile's quads q (only the first PQ are loaded).
fn xrow(r: u32, q: vec4<u32>) -> array<vec4<f32>, 4> {
  var v: array<vec4<f32>, 4>;
  v[0] = x[r + q.x];
  if (PQ > 1u) { v[1] = x[r + q.y]; }
  if (PQ > 2u) { v[2] = x[r + q.z]; v[3] = x[r + q.w]; }
  return v;
}

// The hidden row at offset o of the scratch.
fn hrow(o: u32) -> array<vec4<f32>, 4> {
  var v: array<vec4<f32>, 4>;
  v[0] = h[o];
  if (PQ > 1u) { v[1] = h[o + 1u]; }
  if (PQ > 2u) { v[2] = h[o + 2u]; v[3] = h[o + 3u]; }
  return v;
}

fn w1tile(i: u32) -> array<vec4<f32>, 16> {
  return array<vec4<f32>, 16>(wload(w1[i]), wload(w1[i + 1u]), wload(w1[i + 2u]), wload(w1[i + 3u]), wload(w1[i + 4u]), wload(w1[i + 5u]), wload(w1[i + 6u]), wload(w1[i + 7u]),
                              wload(w1[i + 8u]), wload(w1[i + 9u]), wload(w1[i + 10u]), wload(w1[i + 11u]), wload(w1[i + 12u]), wload(w1[i + 13u]), wload(w1[i + 14u]), wload(w1[i + 15u]));
}

fn w2tile(i: u32) -> array<vec4<f32>, 16> {
  return array<vec4<f32>, 16>(wload(w2[i]), wload(w2[i + 1u]), wload(w2[i + 2u]), wload(w2[i + 3u]), wload(w2[i + 4u]), wload(w2[i + 5u]), wload(w2[i + 6u]), wload(w2[i + 7u]),
                              wload(w2[i + 8u]), wload(w2[i + 9u]), wload(w2[i + 10u]), wload(w2[i + 11u]), wload(w2[i + 12u]), wload(w2[i + 13u]), wload(w2[i + 14u]), wload(w2[i + 15u]));
}

// The hidden row at offset o of the scratch from one accumulator row (quads v0..v3), with bias and ReLU.
fn put_hidden(o: u32, bias: f32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  h[o] = max(v0 + bias, vec4(0.0));
  if (PQ > 1u) { h[o + 1u] = max(v1 + bias, vec4(0.0)); }
  if (PQ > 2u) { h[o + 2u] = max(v2 + bias, vec4(0.0)); h[o + 3u] = max(v3 + bias, vec4(0.0)); }
}

// Output row at plane offset o from one accumulator row (quads v0..v3): y = x + bias + v.
fn put_out(o: u32, q: vec4<u32>, bias: f32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  y[o + q.x] = x[o + q.x] + bias + v0;
  if (PQ > 1u) { y[o + q.y] = x[o + q.y] + bias + v1; }
  if (PQ > 2u) { y[o + q.z] = x[o + q.z] + bias + v2; y[o + q.w] = x[o + q.w] + bias + v3; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // Workgroups past the last tile (the grid is folded into y when large) have no rows to compute.
  let tile = min(wid.x + wid.y * nwg.x, p.count - 1u);
  let live = wid.x + wid.y * nwg.x < p.count;
  let C = p.C;
  let ps4 = p.PS / 4u;
  let cs4 = p.CS / 4u;
  let b = tile / p.tilesP;
  let q0 = (tile % p.tilesP) * PQ;
  // Quads past the plane repeat the last one: computed, then stored twice with the same value.
  let q = min(vec4<u32>(q0, q0 + 1u, q0 + 2u, q0 + 3u), vec4(ps4 - 1u));
  let xb = b * C;
  let hb = tile * HD * PQ; // this tile's hidden rows in the scratch

  // Phase 1: h[16t + i, :] = relu(b1[16t + i] + Σ_k w1[16t + i, k] · x[b, k, :]) for t = lid.
  let t1 = min(lid, HD / 16u - 1u);
  let mine1 = live && lid < HD / 16u;
  var acc = array<vec4<f32>, 64>();
  let wt1 = t1 * cs4 * 16u;
  for (var k4 = 0u; k4 < select(0u, cs4, mine1); k4++) {
    let k = k4 * 4u;
    tile_mac(&acc, w1tile(wt1 + k4 * 16u),
        xrow((xb + k) * ps4, q), xrow((xb + min(k + 1u, C - 1u)) * ps4, q),
        xrow((xb + min(k + 2u, C - 1u)) * ps4, q), xrow((xb + min(k + 3u, C - 1u)) * ps4, q));
  }
  if (mine1) {
    let r = hb + t1 * 16u * PQ;
    put_hidden(r + 0u * PQ, b1[t1 * 4u + 0u].x, acc[0], acc[1], acc[2], acc[3]);
    put_hidden(r + 1u * PQ, b1[t1 * 4u + 0u].y, acc[4], acc[5], acc[6], acc[7]);
    put_hidden(r + 2u * PQ, b1[t1 * 4u + 0u].z, acc[8], acc[9], acc[10], acc[11]);
    put_hidden(r + 3u * PQ, b1[t1 * 4u + 0u].w, acc[12], acc[13], acc[14], acc[15]);
    put_hidden(r + 4u * PQ, b1[t1 * 4u + 1u].x, acc[16], acc[17], acc[18], acc[19]);
    put_hidden(r + 5u * PQ, b1[t1 * 4u + 1u].y, acc[20], acc[21], acc[22], acc[23]);
    put_hidden(r + 6u * PQ, b1[t1 * 4u + 1u].z, acc[24], acc[25], acc[26], acc[27]);
    put_hidden(r + 7u * PQ, b1[t1 * 4u + 1u].w, acc[28], acc[29], acc[30], acc[31]);
    put_hidden(r + 8u * PQ, b1[t1 * 4u + 2u].x, acc[32], acc[33], acc[34], acc[35]);
    put_hidden(r + 9u * PQ, b1[t1 * 4u + 2u].y, acc[36], acc[37], acc[38], acc[39]);
    put_hidden(r + 10u * PQ, b1[t1 * 4u + 2u].z, acc[40], acc[41], acc[42], acc[43]);
    put_hidden(r + 11u * PQ, b1[t1 * 4u + 2u].w, acc[44], acc[45], acc[46], acc[47]);
    put_hidden(r + 12u * PQ, b1[t1 * 4u + 3u].x, acc[48], acc[49], acc[50], acc[51]);
    put_hidden(r + 13u * PQ, b1[t1 * 4u + 3u].y, acc[52], acc[53], acc[54], acc[55]);
    put_hidden(r + 14u * PQ, b1[t1 * 4u + 3u].z, acc[56], acc[57], acc[58], acc[59]);
    put_hidden(r + 15u * PQ, b1[t1 * 4u + 3u].w, acc[60], acc[61], acc[62], acc[63]);
  }
  storageBarrier();

  // Phase 2: y[b, 16t + i, :] = x + b2[16t + i] + Σ_r w2[16t + i, r] · h[r, :] for t = lid.
  let t2 = min(lid, (C + 15u) / 16u - 1u);
  let mine2 = live && lid < (C + 15u) / 16u;
  acc = array<vec4<f32>, 64>();
  let wt2 = t2 * (HD / 4u) * 16u;
  for (var k4 = 0u; k4 < select(0u, HD / 4u, mine2); k4++) {
    let k = k4 * 4u;
    let o = hb + k * PQ;
    tile_mac(&acc, w2tile(wt2 + k4 * 16u), hrow(o), hrow(o + PQ), hrow(o + 2u * PQ), hrow(o + 3u * PQ));
  }
  if (mine2) {
    let m0 = t2 * 16u;
    let rows = min(16u, C - m0);
    let ob = (xb + m0) * ps4;
    if (0u < rows) { put_out(ob + 0u * ps4, q, b2[t2 * 4u + 0u].x, acc[0], acc[1], acc[2], acc[3]); }
    if (1u < rows) { put_out(ob + 1u * ps4, q, b2[t2 * 4u + 0u].y, acc[4], acc[5], acc[6], acc[7]); }
    if (2u < rows) { put_out(ob + 2u * ps4, q, b2[t2 * 4u + 0u].z, acc[8], acc[9], acc[10], acc[11]); }
    if (3u < rows) { put_out(ob + 3u * ps4, q, b2[t2 * 4u + 0u].w, acc[12], acc[13], acc[14], acc[15]); }
    if (4u < rows) { put_out(ob + 4u * ps4, q, b2[t2 * 4u + 1u].x, acc[16], acc[17], acc[18], acc[19]); }
    if (5u < rows) { put_out(ob + 5u * ps4, q, b2[t2 * 4u + 1u].y, acc[20], acc[21], acc[22], acc[23]); }
    if (6u < rows) { put_out(ob + 6u * ps4, q, b2[t2 * 4u + 1u].z, acc[24], acc[25], acc[26], acc[27]); }
    if (7u < rows) { put_out(ob + 7u * ps4, q, b2[t2 * 4u + 1u].w, acc[28], acc[29], acc[30], acc[31]); }
    if (8u < rows) { put_out(ob + 8u * ps4, q, b2[t2 * 4u + 2u].x, acc[32], acc[33], acc[34], acc[35]); }
    if (9u < rows) { put_out(ob + 9u * ps4, q, b2[t2 * 4u + 2u].y, acc[36], acc[37], acc[38], acc[39]); }
    if (10u < rows) { put_out(ob + 10u * ps4, q, b2[t2 * 4u + 2u].z, acc[40], acc[41], acc[42], acc[43]); }
    if (11u < rows) { put_out(ob + 11u * ps4, q, b2[t2 * 4u + 2u].w, acc[44], acc[45], acc[46], acc[47]); }
    if (12u < rows) { put_out(ob + 12u * ps4, q, b2[t2 * 4u + 3u].x, acc[48], acc[49], acc[50], acc[51]); }
    if (13u < rows) { put_out(ob + 13u * ps4, q, b2[t2 * 4u + 3u].y, acc[52], acc[53], acc[54], acc[55]); }
    if (14u < rows) { put_out(ob + 14u * ps4, q, b2[t2 * 4u + 3u].z, acc[56], acc[57], acc[58], acc[59]); }
    if (15u < rows) { put_out(ob + 15u * ps4, q, b2[t2 * 4u + 3u].w, acc[60], acc[61], acc[62], acc[63]); }
  }
}
