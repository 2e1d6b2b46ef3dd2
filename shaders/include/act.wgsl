// The element type of activations in storage: every tensor a node reads or writes (feature maps,
// token rows, scratch), not weights and not params. float32 here; a graph built with
// `activations: 'f16'` (Tuning) gets act_f16.wgsl in its place (IEEE half, shader-f16), from the
// pipeline cache. Kernels declare activation bindings array<act> or array<act4>, convert what they
// read with f32(…) or vec4<f32>(…) before any arithmetic, and what they write with act(…) or
// act4(…): all arithmetic stays f32 in both forms.
alias act = f32;
alias act4 = vec4<f32>;
