// One step of the 16-row register tile (tile16x16.wgsl) with its weights read from the kernel's
// matrix `w`: the 16 vec4 at w[wi ..] (rows 16t..16t+15 of 4 consecutive inputs, as the op builders
// store them: tileWeights in src/ops/pointwise.ts) times the inputs r_t[j] (input t at pixel quad j).
// The including kernel declares `w: array<wvec4>` (weights.wgsl). Each row's weights are loaded
// where they are used: a 16-vec4 array built first and passed on (tile_mac) measured 5–10 % slower
// on SwiftShader.
fn tile_mac_w(acc: ptr<function, array<vec4<f32>, 64>>, wi: u32,
              r0: array<vec4<f32>, 4>, r1: array<vec4<f32>, 4>, r2: array<vec4<f32>, 4>, r3: array<vec4<f32>, 4>) {
  tile_row(acc, 0u, wload(w[wi]), r0, r1, r2, r3); tile_row(acc, 1u, wload(w[wi + 1u]), r0, r1, r2, r3);
  tile_row(acc, 2u, wload(w[wi + 2u]), r0, r1, r2, r3); tile_row(acc, 3u, wload(w[wi + 3u]), r0, r1, r2, r3);
  tile_row(acc, 4u, wload(w[wi + 4u]), r0, r1, r2, r3); tile_row(acc, 5u, wload(w[wi + 5u]), r0, r1, r2, r3);
  tile_row(acc, 6u, wload(w[wi + 6u]), r0, r1, r2, r3); tile_row(acc, 7u, wload(w[wi + 7u]), r0, r1, r2, r3);
  tile_row(acc, 8u, wload(w[wi + 8u]), r0, r1, r2, r3); tile_row(acc, 9u, wload(w[wi + 9u]), r0, r1, r2, r3);
  tile_row(acc, 10u, wload(w[wi + 10u]), r0, r1, r2, r3); tile_row(acc, 11u, wload(w[wi + 11u]), r0, r1, r2, r3);
  tile_row(acc, 12u, wload(w[wi + 12u]), r0, r1, r2, r3); tile_row(acc, 13u, wload(w[wi + 13u]), r0, r1, r2, r3);
  tile_row(acc, 14u, wload(w[wi + 14u]), r0, r1, r2, r3); tile_row(acc, 15u, wload(w[wi + 15u]), r0, r1, r2, r3);
}
