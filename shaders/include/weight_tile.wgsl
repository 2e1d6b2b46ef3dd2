// One step of a 16-row register tile's weights (see tile16x16.wgsl): the 16 vec4 at w[i ..], rows
// 16t..16t+15 of 4 consecutive inputs, as the op builders store them (tileWeights in
// src/ops/pointwise.ts). The including kernel declares `w: array<wvec4>` (weights.wgsl).
fn wtile(i: u32) -> array<vec4<f32>, 16> {
  return array(wload(w[i]), wload(w[i + 1u]), wload(w[i + 2u]), wload(w[i + 3u]), wload(w[i + 4u]), wload(w[i + 5u]), wload(w[i + 6u]), wload(w[i + 7u]),
               wload(w[i + 8u]), wload(w[i + 9u]), wload(w[i + 10u]), wload(w[i + 11u]), wload(w[i + 12u]), wload(w[i + 13u]), wload(w[i + 14u]), wload(w[i + 15u]));
}
