// The 16-channel × 16-pixel register tile shared by patch_embed.wgsl and local_prop_proj.wgsl: a
// multiply-accumulate step over 4 input channels (or taps), and the sum over a workgroup's channel
// blocks that gives each pixel its LayerNorm statistics. The including kernel declares
//   w:   array<vec4<f32>>                    its tiled weights, (NCB, ceil4(K)/4, 16) as pointwise.wgsl stores them
//   red: var<workgroup> array<vec4<f32>, WG * 4>
//   override NCB: u32                        channel blocks of 16 per pixel tile

// c + a.x·r0 + a.y·r1 + a.z·r2 + a.w·r3: one output quad over 4 input channels (or taps)
fn fma4(c: vec4<f32>, a: vec4<f32>, r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32>) -> vec4<f32> {
  return fma(r3, vec4(a.w), fma(r2, vec4(a.z), fma(r1, vec4(a.y), fma(r0, vec4(a.x), c))));
}

// acc[4i + j] += Σ_t w[16cb + i, k + t] · r_t[j] for the 16 channels i and 4 pixel quads j (wi: index
// of the 16 vec4 of w for this block and step of 4).
fn mac(acc: ptr<function, array<vec4<f32>, 64>>, wi: u32,
       r0: array<vec4<f32>, 4>, r1: array<vec4<f32>, 4>, r2: array<vec4<f32>, 4>, r3: array<vec4<f32>, 4>) {
  let a0 = wload(w[wi + 0u]);
  (*acc)[0] = fma4((*acc)[0], a0, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[1] = fma4((*acc)[1], a0, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[2] = fma4((*acc)[2], a0, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[3] = fma4((*acc)[3], a0, r0[3], r1[3], r2[3], r3[3]);
  let a1 = wload(w[wi + 1u]);
  (*acc)[4] = fma4((*acc)[4], a1, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[5] = fma4((*acc)[5], a1, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[6] = fma4((*acc)[6], a1, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[7] = fma4((*acc)[7], a1, r0[3], r1[3], r2[3], r3[3]);
  let a2 = wload(w[wi + 2u]);
  (*acc)[8] = fma4((*acc)[8], a2, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[9] = fma4((*acc)[9], a2, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[10] = fma4((*acc)[10], a2, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[11] = fma4((*acc)[11], a2, r0[3], r1[3], r2[3], r3[3]);
  let a3 = wload(w[wi + 3u]);
  (*acc)[12] = fma4((*acc)[12], a3, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[13] = fma4((*acc)[13], a3, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[14] = fma4((*acc)[14], a3, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[15] = fma4((*acc)[15], a3, r0[3], r1[3], r2[3], r3[3]);
  let a4 = wload(w[wi + 4u]);
  (*acc)[16] = fma4((*acc)[16], a4, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[17] = fma4((*acc)[17], a4, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[18] = fma4((*acc)[18], a4, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[19] = fma4((*acc)[19], a4, r0[3], r1[3], r2[3], r3[3]);
  let a5 = wload(w[wi + 5u]);
  (*acc)[20] = fma4((*acc)[20], a5, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[21] = fma4((*acc)[21], a5, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[22] = fma4((*acc)[22], a5, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[23] = fma4((*acc)[23], a5, r0[3], r1[3], r2[3], r3[3]);
  let a6 = wload(w[wi + 6u]);
  (*acc)[24] = fma4((*acc)[24], a6, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[25] = fma4((*acc)[25], a6, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[26] = fma4((*acc)[26], a6, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[27] = fma4((*acc)[27], a6, r0[3], r1[3], r2[3], r3[3]);
  let a7 = wload(w[wi + 7u]);
  (*acc)[28] = fma4((*acc)[28], a7, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[29] = fma4((*acc)[29], a7, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[30] = fma4((*acc)[30], a7, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[31] = fma4((*acc)[31], a7, r0[3], r1[3], r2[3], r3[3]);
  let a8 = wload(w[wi + 8u]);
  (*acc)[32] = fma4((*acc)[32], a8, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[33] = fma4((*acc)[33], a8, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[34] = fma4((*acc)[34], a8, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[35] = fma4((*acc)[35], a8, r0[3], r1[3], r2[3], r3[3]);
  let a9 = wload(w[wi + 9u]);
  (*acc)[36] = fma4((*acc)[36], a9, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[37] = fma4((*acc)[37], a9, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[38] = fma4((*acc)[38], a9, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[39] = fma4((*acc)[39], a9, r0[3], r1[3], r2[3], r3[3]);
  let a10 = wload(w[wi + 10u]);
  (*acc)[40] = fma4((*acc)[40], a10, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[41] = fma4((*acc)[41], a10, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[42] = fma4((*acc)[42], a10, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[43] = fma4((*acc)[43], a10, r0[3], r1[3], r2[3], r3[3]);
  let a11 = wload(w[wi + 11u]);
  (*acc)[44] = fma4((*acc)[44], a11, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[45] = fma4((*acc)[45], a11, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[46] = fma4((*acc)[46], a11, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[47] = fma4((*acc)[47], a11, r0[3], r1[3], r2[3], r3[3]);
  let a12 = wload(w[wi + 12u]);
  (*acc)[48] = fma4((*acc)[48], a12, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[49] = fma4((*acc)[49], a12, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[50] = fma4((*acc)[50], a12, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[51] = fma4((*acc)[51], a12, r0[3], r1[3], r2[3], r3[3]);
  let a13 = wload(w[wi + 13u]);
  (*acc)[52] = fma4((*acc)[52], a13, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[53] = fma4((*acc)[53], a13, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[54] = fma4((*acc)[54], a13, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[55] = fma4((*acc)[55], a13, r0[3], r1[3], r2[3], r3[3]);
  let a14 = wload(w[wi + 14u]);
  (*acc)[56] = fma4((*acc)[56], a14, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[57] = fma4((*acc)[57], a14, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[58] = fma4((*acc)[58], a14, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[59] = fma4((*acc)[59], a14, r0[3], r1[3], r2[3], r3[3]);
  let a15 = wload(w[wi + 15u]);
  (*acc)[60] = fma4((*acc)[60], a15, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[61] = fma4((*acc)[61], a15, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[62] = fma4((*acc)[62], a15, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[63] = fma4((*acc)[63], a15, r0[3], r1[3], r2[3], r3[3]);
}

// Σ over the NCB channel blocks of pixel tile g of each invocation's s (4 quads = 16 pixels).
fn tile_sum(lid: u32, g: u32, s: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  red[lid * 4u] = s[0]; red[lid * 4u + 1u] = s[1]; red[lid * 4u + 2u] = s[2]; red[lid * 4u + 3u] = s[3];
  workgroupBarrier();
  var t = array<vec4<f32>, 4>();
  for (var i = 0u; i < NCB; i++) {
    let j = (g * NCB + i) * 4u;
    t[0] += red[j]; t[1] += red[j + 1u]; t[2] += red[j + 2u]; t[3] += red[j + 3u];
  }
  workgroupBarrier(); // red is written again by the next call
  return t;
}
