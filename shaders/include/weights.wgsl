// Matrix weights: kernels declare them `array<wvec4>` and read them as `wload(w[i])`, a vec4<f32>.
// This is the float32 form. For half-precision weights the runtime includes weights_f16.wgsl
// (adapters with shader-f16) or weights_f16_packed.wgsl (any adapter) in its place: the weights
// take half the memory and bandwidth, every product and sum stays f32.
alias wvec4 = vec4<f32>;
fn wload(v: wvec4) -> vec4<f32> { return v; }
