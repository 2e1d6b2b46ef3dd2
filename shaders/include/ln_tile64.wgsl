// LayerNorm statistics in the GPU family's 64 × 64 workgroup tile (gpu/pointwise.wgsl's shape, used
// by gpu/local_prop_proj.wgsl): 16 × 16 invocations stage K in rows ty of 16 channels, and each takes
// layer_norm.wgsl's shifted sums (LnSums) of the channels it stages for its pixel quad tx. This sums
// the 16 rows' parts of each pixel quad through the workgroup's staging arrays.
// The including kernel declares
//   ws, xs: var<workgroup> array<vec4<f32>, 256>   (its staging arrays, free once the last stage is done)
// and includes layer_norm.wgsl. Call it from uniform control flow, after the last stage's barrier.

// The LayerNorm statistics of pixel quad tx over n channels, from invocation (tx, ty)'s sums.
fn tile64_ln(tx: u32, ty: u32, sums: LnSums, n: f32) -> LnStats {
  ws[ty * 16u + tx] = sums.s1;
  xs[ty * 16u + tx] = sums.s2;
  workgroupBarrier();
  var tot = LnSums();
  for (var r = 0u; r < 16u; r++) {
    tot.s1 += ws[r * 16u + tx];
    tot.s2 += xs[r * 16u + tx];
  }
  return ln_from_sums(n, tot);
}
