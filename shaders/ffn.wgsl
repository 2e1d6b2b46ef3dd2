// EfficientViT's Residual(FFN) in one dispatch:
//   y = x + w2 · relu(w1 · x + b1) + b2,   x, y: (B, C, H, W), w1: (Hd, C), w2: (C, Hd)
// A workgroup owns one image's tile of PQ pixel quads (4·PQ pixels) and walks the hidden layer in
// chunks of HC rows that fit in workgroup memory: phase 1 computes the chunk h = relu(w1 · x + b1)
// into workgroup memory, phase 2 adds w2[:, chunk] · h to y (the first chunk also adds x + b2).
// Both phases use pointwise.wgsl's register tile: an invocation owns 16 rows × PQ quads held in
// vec4 accumulators (acc[4i + j]: row i, quad j) and per 4 steps of k loads 16 vec4 of weights
// (stored tile by tile by the op builder) and 4 × PQ vec4 of input, then does 16 × PQ × 4 vec4 fma.
// The hidden layer never goes to global memory, and x is read by one dispatch instead of two.
// Padding: k tails repeat the last real row (its weight columns are zero); hidden rows past Hd are
// relu(0 + 0) = 0; pixel quads past the plane repeat the last quad and are not stored.
// Sweep and numbers: bench/README.md.
struct Params {
  C: u32,      // channels in and out
  CS: u32,     // C rounded up to 4
  HD: u32,     // hidden width rounded up to 16
  PS: u32,     // plane stride in floats (H·W rounded up to 4)
  tilesP: u32, // ceil(PS / (4·PQ)): pixel tiles per image
  count: u32,  // B · tilesP: workgroups with work
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;       // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<vec4<f32>>;      // (HD/16, CS/4, 16): w1[16t+i, 4j..4j+3] at (t·CS/4 + j)·16 + i
@group(0) @binding(3) var<storage, read> b1: array<vec4<f32>>;      // (HD)
@group(0) @binding(4) var<storage, read> w2: array<vec4<f32>>;      // (ceil16(C)/16, HD/4, 16): w2[16t+i, 4j..4j+3] at (t·HD/4 + j)·16 + i
@group(0) @binding(5) var<storage, read> b2: array<vec4<f32>>;      // (ceil16(C))
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, C, PS)

override WG: u32 = 4;   // invocations per workgroup (multiple of 4)
override PQ: u32 = 4;   // pixel quads per workgroup: 4, 2 or 1
override HC: u32 = 256; // hidden rows per chunk (multiple of 16): HC · PQ · 16 bytes of workgroup memory

var<workgroup> h: array<vec4<f32>, HC * PQ>; // (HC, PQ): the hidden chunk

// c + a.x·r0 + a.y·r1 + a.z·r2 + a.w·r3: one output quad over 4 steps of k
fn fma4(c: vec4<f32>, a: vec4<f32>, r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32>) -> vec4<f32> {
  return fma(r3, vec4(a.w), fma(r2, vec4(a.z), fma(r1, vec4(a.y), fma(r0, vec4(a.x), c))));
}

// acc[4i + j] += Σ_kk a[i][kk] · r_kk[j] for the 16 rows i and the first PQ quads j.
fn mac(acc: ptr<function, array<vec4<f32>, 64>>, a: array<vec4<f32>, 16>,
       r0: array<vec4<f32>, 4>, r1: array<vec4<f32>, 4>, r2: array<vec4<f32>, 4>, r3: array<vec4<f32>, 4>) {
  (*acc)[0] = fma4((*acc)[0], a[0], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[1] = fma4((*acc)[1], a[0], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[2] = fma4((*acc)[2], a[0], r0[2], r1[2], r2[2], r3[2]); (*acc)[3] = fma4((*acc)[3], a[0], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[4] = fma4((*acc)[4], a[1], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[5] = fma4((*acc)[5], a[1], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[6] = fma4((*acc)[6], a[1], r0[2], r1[2], r2[2], r3[2]); (*acc)[7] = fma4((*acc)[7], a[1], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[8] = fma4((*acc)[8], a[2], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[9] = fma4((*acc)[9], a[2], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[10] = fma4((*acc)[10], a[2], r0[2], r1[2], r2[2], r3[2]); (*acc)[11] = fma4((*acc)[11], a[2], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[12] = fma4((*acc)[12], a[3], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[13] = fma4((*acc)[13], a[3], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[14] = fma4((*acc)[14], a[3], r0[2], r1[2], r2[2], r3[2]); (*acc)[15] = fma4((*acc)[15], a[3], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[16] = fma4((*acc)[16], a[4], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[17] = fma4((*acc)[17], a[4], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[18] = fma4((*acc)[18], a[4], r0[2], r1[2], r2[2], r3[2]); (*acc)[19] = fma4((*acc)[19], a[4], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[20] = fma4((*acc)[20], a[5], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[21] = fma4((*acc)[21], a[5], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[22] = fma4((*acc)[22], a[5], r0[2], r1[2], r2[2], r3[2]); (*acc)[23] = fma4((*acc)[23], a[5], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[24] = fma4((*acc)[24], a[6], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[25] = fma4((*acc)[25], a[6], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[26] = fma4((*acc)[26], a[6], r0[2], r1[2], r2[2], r3[2]); (*acc)[27] = fma4((*acc)[27], a[6], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[28] = fma4((*acc)[28], a[7], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[29] = fma4((*acc)[29], a[7], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[30] = fma4((*acc)[30], a[7], r0[2], r1[2], r2[2], r3[2]); (*acc)[31] = fma4((*acc)[31], a[7], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[32] = fma4((*acc)[32], a[8], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[33] = fma4((*acc)[33], a[8], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[34] = fma4((*acc)[34], a[8], r0[2], r1[2], r2[2], r3[2]); (*acc)[35] = fma4((*acc)[35], a[8], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[36] = fma4((*acc)[36], a[9], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[37] = fma4((*acc)[37], a[9], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[38] = fma4((*acc)[38], a[9], r0[2], r1[2], r2[2], r3[2]); (*acc)[39] = fma4((*acc)[39], a[9], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[40] = fma4((*acc)[40], a[10], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[41] = fma4((*acc)[41], a[10], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[42] = fma4((*acc)[42], a[10], r0[2], r1[2], r2[2], r3[2]); (*acc)[43] = fma4((*acc)[43], a[10], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[44] = fma4((*acc)[44], a[11], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[45] = fma4((*acc)[45], a[11], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[46] = fma4((*acc)[46], a[11], r0[2], r1[2], r2[2], r3[2]); (*acc)[47] = fma4((*acc)[47], a[11], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[48] = fma4((*acc)[48], a[12], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[49] = fma4((*acc)[49], a[12], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[50] = fma4((*acc)[50], a[12], r0[2], r1[2], r2[2], r3[2]); (*acc)[51] = fma4((*acc)[51], a[12], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[52] = fma4((*acc)[52], a[13], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[53] = fma4((*acc)[53], a[13], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[54] = fma4((*acc)[54], a[13], r0[2], r1[2], r2[2], r3[2]); (*acc)[55] = fma4((*acc)[55], a[13], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[56] = fma4((*acc)[56], a[14], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[57] = fma4((*acc)[57], a[14], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[58] = fma4((*acc)[58], a[14], r0[2], r1[2], r2[2], r3[2]); (*acc)[59] = fma4((*acc)[59], a[14], r0[3], r1[3], r2[3], r3[3]); }
  (*acc)[60] = fma4((*acc)[60], a[15], r0[0], r1[0], r2[0], r3[0]);
  if (PQ > 1u) { (*acc)[61] = fma4((*acc)[61], a[15], r0[1], r1[1], r2[1], r3[1]); }
  if (PQ > 2u) { (*acc)[62] = fma4((*acc)[62], a[15], r0[2], r1[2], r2[2], r3[2]); (*acc)[63] = fma4((*acc)[63], a[15], r0[3], r1[3], r2[3], r3[3]); }
}

// Row r (offset of a plane) of x at this tile's quads q (only the first PQ are loaded).
fn xrow(r: u32, q: vec4<u32>) -> array<vec4<f32>, 4> {
  var v: array<vec4<f32>, 4>;
  v[0] = x[r + q.x];
  if (PQ > 1u) { v[1] = x[r + q.y]; }
  if (PQ > 2u) { v[2] = x[r + q.z]; v[3] = x[r + q.w]; }
  return v;
}

// Row r of the hidden chunk.
fn hrow(r: u32) -> array<vec4<f32>, 4> {
  var v: array<vec4<f32>, 4>;
  v[0] = h[r * PQ];
  if (PQ > 1u) { v[1] = h[r * PQ + 1u]; }
  if (PQ > 2u) { v[2] = h[r * PQ + 2u]; v[3] = h[r * PQ + 3u]; }
  return v;
}

fn w1tile(i: u32) -> array<vec4<f32>, 16> {
  return array<vec4<f32>, 16>(w1[i], w1[i + 1u], w1[i + 2u], w1[i + 3u], w1[i + 4u], w1[i + 5u], w1[i + 6u], w1[i + 7u],
                              w1[i + 8u], w1[i + 9u], w1[i + 10u], w1[i + 11u], w1[i + 12u], w1[i + 13u], w1[i + 14u], w1[i + 15u]);
}

fn w2tile(i: u32) -> array<vec4<f32>, 16> {
  return array<vec4<f32>, 16>(w2[i], w2[i + 1u], w2[i + 2u], w2[i + 3u], w2[i + 4u], w2[i + 5u], w2[i + 6u], w2[i + 7u],
                              w2[i + 8u], w2[i + 9u], w2[i + 10u], w2[i + 11u], w2[i + 12u], w2[i + 13u], w2[i + 14u], w2[i + 15u]);
}

// Hidden row r of the chunk, quads of accumulator row i, with bias and ReLU.
fn put_hidden(acc: ptr<function, array<vec4<f32>, 64>>, i: u32, r: u32, bias: f32) {
  h[r * PQ] = max((*acc)[4u * i] + bias, vec4(0.0));
  if (PQ > 1u) { h[r * PQ + 1u] = max((*acc)[4u * i + 1u] + bias, vec4(0.0)); }
  if (PQ > 2u) { h[r * PQ + 2u] = max((*acc)[4u * i + 2u] + bias, vec4(0.0)); h[r * PQ + 3u] = max((*acc)[4u * i + 3u] + bias, vec4(0.0)); }
}

// y = x + bias + v on the first chunk, y += v after.
fn put1(at: u32, v: vec4<f32>, bias: f32, first: bool) {
  if (first) { y[at] = x[at] + bias + v; } else { y[at] += v; }
}

// Output row at plane offset o from accumulator row i; nq of the tile's quads lie inside the plane
// (the others repeat the last quad and must not be added twice).
fn put_out(acc: ptr<function, array<vec4<f32>, 64>>, i: u32, o: u32, q: vec4<u32>, nq: u32, bias: f32, first: bool) {
  put1(o + q.x, (*acc)[4u * i], bias, first);
  if (PQ > 1u && nq > 1u) { put1(o + q.y, (*acc)[4u * i + 1u], bias, first); }
  if (PQ > 2u && nq > 2u) { put1(o + q.z, (*acc)[4u * i + 2u], bias, first); }
  if (PQ > 3u && nq > 3u) { put1(o + q.w, (*acc)[4u * i + 3u], bias, first); }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tile = wid.x + wid.y * nwg.x;
  if (tile >= p.count) { return; }
  let C = p.C;
  let ps4 = p.PS / 4u;
  let cs4 = p.CS / 4u;
  let tp = tile % p.tilesP;
  let b = tile / p.tilesP;
  let q0 = tp * PQ;
  let nq = min(PQ, ps4 - q0); // quads of this tile inside the plane
  let q = min(vec4<u32>(q0, q0 + 1u, q0 + 2u, q0 + 3u), vec4(ps4 - 1u));
  let xb = b * C;
  let tilesC = (C + 15u) / 16u;

  for (var h0 = 0u; h0 < p.HD; h0 += HC) {
    let hc = min(HC, p.HD - h0);
    // Phase 1: h[r, :] = relu(b1[h0 + r] + Σ_k w1[h0 + r, k] · x[b, k, :]), 16 rows per invocation and round.
    for (var t = lid; t < hc / 16u; t += WG) {
      var acc = array<vec4<f32>, 64>();
      let wt = (h0 / 16u + t) * cs4 * 16u;
      for (var k4 = 0u; k4 < cs4; k4++) {
        let k = k4 * 4u;
        mac(&acc, w1tile(wt + k4 * 16u),
            xrow((xb + k) * ps4, q), xrow((xb + min(k + 1u, C - 1u)) * ps4, q),
            xrow((xb + min(k + 2u, C - 1u)) * ps4, q), xrow((xb + min(k + 3u, C - 1u)) * ps4, q));
      }
      let r = t * 16u;
      let bq = (h0 + r) / 4u;
      put_hidden(&acc, 0u, r + 0u, b1[bq + 0u].x);
      put_hidden(&acc, 1u, r + 1u, b1[bq + 0u].y);
      put_hidden(&acc, 2u, r + 2u, b1[bq + 0u].z);
      put_hidden(&acc, 3u, r + 3u, b1[bq + 0u].w);
      put_hidden(&acc, 4u, r + 4u, b1[bq + 1u].x);
      put_hidden(&acc, 5u, r + 5u, b1[bq + 1u].y);
      put_hidden(&acc, 6u, r + 6u, b1[bq + 1u].z);
      put_hidden(&acc, 7u, r + 7u, b1[bq + 1u].w);
      put_hidden(&acc, 8u, r + 8u, b1[bq + 2u].x);
      put_hidden(&acc, 9u, r + 9u, b1[bq + 2u].y);
      put_hidden(&acc, 10u, r + 10u, b1[bq + 2u].z);
      put_hidden(&acc, 11u, r + 11u, b1[bq + 2u].w);
      put_hidden(&acc, 12u, r + 12u, b1[bq + 3u].x);
      put_hidden(&acc, 13u, r + 13u, b1[bq + 3u].y);
      put_hidden(&acc, 14u, r + 14u, b1[bq + 3u].z);
      put_hidden(&acc, 15u, r + 15u, b1[bq + 3u].w);
    }
    workgroupBarrier();
    // Phase 2: y[b, m, :] (+)= Σ_r w2[m, h0 + r] · h[r, :], 16 rows per invocation and round.
    for (var t = lid; t < tilesC; t += WG) {
      var acc = array<vec4<f32>, 64>();
      let wt = (t * (p.HD / 4u) + h0 / 4u) * 16u;
      for (var k4 = 0u; k4 < hc / 4u; k4++) {
        let k = k4 * 4u;
        mac(&acc, w2tile(wt + k4 * 16u), hrow(k), hrow(k + 1u), hrow(k + 2u), hrow(k + 3u));
      }
      let m0 = t * 16u;
      let rows = min(16u, C - m0);
      let ob = (xb + m0) * ps4;
      let first = h0 == 0u;
      if (0u < rows) { put_out(&acc, 0u, ob + 0u * ps4, q, nq, b2[t * 4u + 0u].x, first); }
      if (1u < rows) { put_out(&acc, 1u, ob + 1u * ps4, q, nq, b2[t * 4u + 0u].y, first); }
      if (2u < rows) { put_out(&acc, 2u, ob + 2u * ps4, q, nq, b2[t * 4u + 0u].z, first); }
      if (3u < rows) { put_out(&acc, 3u, ob + 3u * ps4, q, nq, b2[t * 4u + 0u].w, first); }
      if (4u < rows) { put_out(&acc, 4u, ob + 4u * ps4, q, nq, b2[t * 4u + 1u].x, first); }
      if (5u < rows) { put_out(&acc, 5u, ob + 5u * ps4, q, nq, b2[t * 4u + 1u].y, first); }
      if (6u < rows) { put_out(&acc, 6u, ob + 6u * ps4, q, nq, b2[t * 4u + 1u].z, first); }
      if (7u < rows) { put_out(&acc, 7u, ob + 7u * ps4, q, nq, b2[t * 4u + 1u].w, first); }
      if (8u < rows) { put_out(&acc, 8u, ob + 8u * ps4, q, nq, b2[t * 4u + 2u].x, first); }
      if (9u < rows) { put_out(&acc, 9u, ob + 9u * ps4, q, nq, b2[t * 4u + 2u].y, first); }
      if (10u < rows) { put_out(&acc, 10u, ob + 10u * ps4, q, nq, b2[t * 4u + 2u].z, first); }
      if (11u < rows) { put_out(&acc, 11u, ob + 11u * ps4, q, nq, b2[t * 4u + 2u].w, first); }
      if (12u < rows) { put_out(&acc, 12u, ob + 12u * ps4, q, nq, b2[t * 4u + 3u].x, first); }
      if (13u < rows) { put_out(&acc, 13u, ob + 13u * ps4, q, nq, b2[t * 4u + 3u].y, first); }
      if (14u < rows) { put_out(&acc, 14u, ob + 14u * ps4, q, nq, b2[t * 4u + 3u].z, first); }
      if (15u < rows) { put_out(&acc, 15u, ob + 15u * ps4, q, nq, b2[t * 4u + 3u].w, first); }
    }
    workgroupBarrier();
  }
}
