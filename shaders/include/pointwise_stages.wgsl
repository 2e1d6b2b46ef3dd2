// The fused stages that both families' pointwise kernels (pointwise.wgsl, gpu/pointwise.wgsl) share:
// the override flags of the input stage (act_in, gate, shift, LayerNorm; the kernel applies them as it
// loads x) and of the output stage, and `put`, the output stage itself:
//   y[o] = act_out(v) + res[o]
// The including kernel declares `res` and `y` (array<act4>, indexed alike).
#include "act.wgsl"
#include "gelu.wgsl"

override RELU_IN: bool = false;
override RELU_OUT: bool = false;
override HAS_RES: bool = false;
override HAS_SCALE: bool = false;
override HAS_SHIFT: bool = false;
override GELU_OUT: bool = false;
override LN_IN: bool = false;
override LN_EPS: f32 = 1e-5;

// Output vec4 o, its pre-activation v: act_out (ReLU or exact GELU), then the residual.
fn put(o: u32, v: vec4<f32>) {
  var r = v;
  if (RELU_OUT) { r = max(r, vec4(0.0)); }
  if (GELU_OUT) { r = gelu(r); }
  if (HAS_RES) { r += vec4<f32>(res[o]); }
  y[o] = act4(r);
}
