// The LayerNorm statistics helper of patch_embed.wgsl and local_prop_proj.wgsl, whose invocations
// each own 16 channels × 16 pixels of a tile (tile16x16.wgsl): the sum over a workgroup's channel
// blocks. The including kernel declares
//   red: var<workgroup> array<vec4<f32>, WG * 4>
//   override NCB: u32                        channel blocks of 16 per pixel tile

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
