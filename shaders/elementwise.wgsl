// Element-wise primitives of the unfused schedule (one PyTorch eager op per dispatch), on strided
// 4-D views so that permuted, sliced and broadcast operands are read in place:
//   unary:      y = op(x)               op = OP: 0 ReLU, 1 exact GELU, 2 sigmoid, 3 x·alpha
//   binary:     y = x op z              op = OP: 0 add, 1 mul; a stride of 0 broadcasts
//   batch_norm: y = (x − mean[c]) / √(var[c] + eps) · γ[c] + β[c]   c = index along dim 1, BN not folded
// Element (i0, i1, i2, i3) of a view is at off + i0·s0 + i1·s1 + i2·s2 + i3·s3. Each invocation owns
// 4 consecutive elements along dim 3 (one index decomposition for 4 loads and stores).
#include "act.wgsl"

struct Params {
  n0: u32, n1: u32, n2: u32, n3: u32, // output shape
  q3: u32,                            // ceil(n3 / 4)
  count: u32,                         // n0 · n1 · n2 · q3 invocations
  xo: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, // x: offset and strides
  zo: u32, zs0: u32, zs1: u32, zs2: u32, zs3: u32, // z (binary only)
  yo: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, // y
  alpha: f32,                         // unary OP 3: the factor; batch_norm: eps
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;
@group(0) @binding(2) var<storage, read> z: array<act>;        // binary: the second operand
@group(0) @binding(3) var<storage, read> bn: array<f32>;       // batch_norm: (4, n1) γ, β, running mean, running var
@group(0) @binding(4) var<storage, read_write> y: array<act>;

override WG: u32 = 64;
#include "grid.wgsl"
override OP: u32 = 0;

#include "gelu.wgsl"

struct At { i0: u32, i1: u32, i2: u32, i3: u32, n: u32 }

// Invocation id → the first of its elements, and how many of the 4 are inside dim 3.
fn at(gid: vec3<u32>, nwg: vec3<u32>) -> At {
  let id = invocation(gid, nwg);
  var a: At;
  a.n = 0u;
  if (id >= p.count) { return a; }
  let t = unflatten(id, vec3(p.q3, p.n2, p.n1));
  a.i2 = t.y; a.i1 = t.z; a.i0 = t.w;
  a.i3 = t.x * 4u;
  a.n = min(4u, p.n3 - a.i3);
  return a;
}

fn xAt(a: At) -> u32 { return p.xo + a.i0 * p.xs0 + a.i1 * p.xs1 + a.i2 * p.xs2 + a.i3 * p.xs3; }
fn zAt(a: At) -> u32 { return p.zo + a.i0 * p.zs0 + a.i1 * p.zs1 + a.i2 * p.zs2 + a.i3 * p.zs3; }
fn yAt(a: At) -> u32 { return p.yo + a.i0 * p.ys0 + a.i1 * p.ys1 + a.i2 * p.ys2 + a.i3 * p.ys3; }

// The a.n elements of x as a vec4 (the rest repeat the last one: finite, never stored).
fn load4(a: At) -> vec4<f32> {
  let b = xAt(a);
  let last = a.n - 1u;
  return vec4(f32(x[b]), f32(x[b + min(1u, last) * p.xs3]), f32(x[b + min(2u, last) * p.xs3]), f32(x[b + min(3u, last) * p.xs3]));
}

fn store4(a: At, v: vec4<f32>) {
  let b = yAt(a);
  for (var j = 0u; j < a.n; j++) { y[b + j * p.ys3] = act(v[j]); }
}

@compute @workgroup_size(WG)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let a = at(gid, nwg);
  if (a.n == 0u) { return; }
  let v = load4(a);
  var r: vec4<f32>;
  switch OP {
    case 0u: { r = max(v, vec4(0.0)); }
    case 1u: { r = gelu(v); }
    case 2u: { r = 1.0 / (1.0 + exp(-v)); }
    default: { r = v * p.alpha; }
  }
  store4(a, r);
}

@compute @workgroup_size(WG)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let a = at(gid, nwg);
  if (a.n == 0u) { return; }
  let v = load4(a);
  let b = zAt(a);
  let last = a.n - 1u;
  let w = vec4(f32(z[b]), f32(z[b + min(1u, last) * p.zs3]), f32(z[b + min(2u, last) * p.zs3]), f32(z[b + min(3u, last) * p.zs3]));
  store4(a, select(v + w, v * w, OP == 1u));
}

@compute @workgroup_size(WG)
fn batch_norm(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let a = at(gid, nwg);
  if (a.n == 0u) { return; }
  let c = a.i1;
  let s = bn[c] / sqrt(bn[3u * p.n1 + c] + p.alpha);
  store4(a, (load4(a) - bn[2u * p.n1 + c]) * s + bn[p.n1 + c]);
}
