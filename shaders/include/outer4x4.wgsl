// The GPU family's 4 × 4 register tile (gpu/ln_qkv.wgsl, gpu/ffn.wgsl, gpu/cascaded_attention.wgsl):
// `var acc = array<vec4<f32>, 4>()`, acc[i] holding output row i at 4 columns (pixels or tokens, one
// vec4). Functions only; the caller stages and loads the operands.

// One step of the tile's GEMM: acc[i] += a[i] · b, the outer product of 4 rows' weights a and 4
// columns' inputs b (16 multiply-adds).
fn outer4(acc: ptr<function, array<vec4<f32>, 4>>, a: vec4<f32>, b: vec4<f32>) {
  for (var i = 0u; i < 4u; i++) {
    (*acc)[i] = fma(vec4(a[i]), b, (*acc)[i]);
  }
}
