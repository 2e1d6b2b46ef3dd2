// Matrix weights as IEEE half, two per u32 (the same bytes as weights_f16.wgsl's vec4<f16>, for
// adapters without shader-f16): see weights.wgsl.
alias wvec4 = vec2<u32>;
fn wload(v: wvec4) -> vec4<f32> { return vec4<f32>(unpack2x16float(v.x), unpack2x16float(v.y)); }
