// The edges of a graph whose activations are stored as half (`activations: 'f16'`, act_f16.wgsl):
// its inputs arrive as float32 and its outputs are read back as float32, so
//   to_act:   y = act(x)   a float32 input → the graph's activation type (rounded to nearest half)
//   from_act: y = f32(x)   an activation → a float32 output (exact)
// over a whole tensor in its padded layout (n vec4, padding included). In a float32 graph neither
// runs. Each invocation converts one vec4.
#include "act.wgsl"

struct Params {
  count: u32, // vec4 in the tensor
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> xf: array<vec4<f32>>;       // to_act: the float32 tensor
@group(0) @binding(2) var<storage, read_write> ya: array<act4>;      // to_act: the same, as activations
@group(0) @binding(3) var<storage, read> xa: array<act4>;            // from_act: the activation tensor
@group(0) @binding(4) var<storage, read_write> yf: array<vec4<f32>>; // from_act: the same, float32

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn to_act(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  ya[id] = act4(xf[id]);
}

@compute @workgroup_size(WG)
fn from_act(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  yf[id] = vec4<f32>(xa[id]);
}
