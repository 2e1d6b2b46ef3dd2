// Matrix weights as IEEE half (shader-f16; the runtime puts `enable f16;` first): see weights.wgsl.
alias wvec4 = vec4<f16>;
fn wload(v: wvec4) -> vec4<f32> { return vec4<f32>(v); }
