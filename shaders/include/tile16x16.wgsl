// The 16 (rows) × 16 (pixels) register tile of pointwise.wgsl, ln_qkv.wgsl, ffn.wgsl, patch_embed.wgsl
// and local_prop_proj.wgsl: 64 vec4 accumulators in `var acc = array<vec4<f32>, 64>()`, acc[4i + j]
// holding row i at pixel quad j. Functions only; the caller loads the operands.
// Every index into acc must be a constant once the calls are inlined (SwiftShader then keeps the
// 64 vec4 in registers): a loop over i or j, or a computed index, made pointwise.wgsl ~6× slower.

// c + a.x·r0 + a.y·r1 + a.z·r2 + a.w·r3: one output quad over 4 inputs (or taps).
fn fma4(c: vec4<f32>, a: vec4<f32>, r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32>) -> vec4<f32> {
  return fma(r3, vec4(a.w), fma(r2, vec4(a.z), fma(r1, vec4(a.y), fma(r0, vec4(a.x), c))));
}

// Row i of the tile (a constant): acc[4i + j] += Σ_t a[t] · r_t[j] for the 4 pixel quads j.
fn tile_row(acc: ptr<function, array<vec4<f32>, 64>>, i: u32, a: vec4<f32>,
            r0: array<vec4<f32>, 4>, r1: array<vec4<f32>, 4>, r2: array<vec4<f32>, 4>, r3: array<vec4<f32>, 4>) {
  (*acc)[4u * i] = fma4((*acc)[4u * i], a, r0[0], r1[0], r2[0], r3[0]);
  (*acc)[4u * i + 1u] = fma4((*acc)[4u * i + 1u], a, r0[1], r1[1], r2[1], r3[1]);
  (*acc)[4u * i + 2u] = fma4((*acc)[4u * i + 2u], a, r0[2], r1[2], r2[2], r3[2]);
  (*acc)[4u * i + 3u] = fma4((*acc)[4u * i + 3u], a, r0[3], r1[3], r2[3], r3[3]);
}

// acc[4i + j] += Σ_t a[i][t] · r_t[j] for the 16 rows i and 4 pixel quads j: a[i] holds row i's
// weights for 4 consecutive inputs t, r_t[j] input t at quad j. A kernel whose weights are its matrix
// `w` uses tile_mac_w (weight_tile.wgsl) instead: passing the 16 weights as an array costs 5–10 %.
fn tile_mac(acc: ptr<function, array<vec4<f32>, 64>>, a: array<vec4<f32>, 16>,
            r0: array<vec4<f32>, 4>, r1: array<vec4<f32>, 4>, r2: array<vec4<f32>, 4>, r3: array<vec4<f32>, 4>) {
  tile_row(acc, 0u, a[0], r0, r1, r2, r3); tile_row(acc, 1u, a[1], r0, r1, r2, r3);
  tile_row(acc, 2u, a[2], r0, r1, r2, r3); tile_row(acc, 3u, a[3], r0, r1, r2, r3);
  tile_row(acc, 4u, a[4], r0, r1, r2, r3); tile_row(acc, 5u, a[5], r0, r1, r2, r3);
  tile_row(acc, 6u, a[6], r0, r1, r2, r3); tile_row(acc, 7u, a[7], r0, r1, r2, r3);
  tile_row(acc, 8u, a[8], r0, r1, r2, r3); tile_row(acc, 9u, a[9], r0, r1, r2, r3);
  tile_row(acc, 10u, a[10], r0, r1, r2, r3); tile_row(acc, 11u, a[11], r0, r1, r2, r3);
  tile_row(acc, 12u, a[12], r0, r1, r2, r3); tile_row(acc, 13u, a[13], r0, r1, r2, r3);
  tile_row(acc, 14u, a[14], r0, r1, r2, r3); tile_row(acc, 15u, a[15], r0, r1, r2, r3);
}
