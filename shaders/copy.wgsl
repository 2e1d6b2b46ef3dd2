// Copies of the unfused schedule — the layout changes and gathers PyTorch eager runs as kernels:
//   copy:   y[i] = x[i] for a 6-D index i, both strided: permute/transpose + `contiguous()` (window
//           partition and its reverse), `cat` (into channel slices), crops; with input extents
//           l0..l5 smaller than the output it zero-fills the rest (`constant_pad_nd`), and with
//           input strides that skip pixels it is the sampler (AvgPool2d with kernel 1).
//   gather: y[r, j] = x[r · xs + idx[j]] — the attention-bias table `attention_biases[:, idxs]`.
//   stream: yv[i] = xv[i] over n5 vec4, 4 per invocation — no indexing at all: the adapter's copy
//           roof, measured by the profiler.
// Element (i0..i5) of a view is at off + Σ i_d·s_d. Each copy invocation owns 4 consecutive
// elements along dim 5.
#include "act.wgsl"

struct Params {
  n0: u32, n1: u32, n2: u32, n3: u32, n4: u32, n5: u32, // output shape (gather: rows n0, columns n5)
  q5: u32,                                              // ceil(n5 / 4)
  count: u32,                                           // n0 · … · n4 · q5 invocations
  l0: u32, l1: u32, l2: u32, l3: u32, l4: u32, l5: u32, // input extents: outputs at i_d ≥ l_d are 0
  xo: u32, xs0: u32, xs1: u32, xs2: u32, xs3: u32, xs4: u32, xs5: u32,
  yo: u32, ys0: u32, ys1: u32, ys2: u32, ys3: u32, ys4: u32, ys5: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;
@group(0) @binding(2) var<storage, read> idx: array<f32>;     // gather: (n5) indices, exact small integers
@group(0) @binding(3) var<storage, read_write> y: array<act>;
@group(0) @binding(4) var<storage, read> xv: array<act4>;              // stream: (n5) vec4
@group(0) @binding(5) var<storage, read_write> yv: array<act4>;        // stream: (n5) vec4

override WG: u32 = 64;
#include "grid.wgsl"

@compute @workgroup_size(WG)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  var t = id / p.q5;
  let i5 = (id % p.q5) * 4u;
  let i4 = t % p.n4; t /= p.n4;
  let i3 = t % p.n3; t /= p.n3;
  let i2 = t % p.n2; t /= p.n2;
  let i1 = t % p.n1;
  let i0 = t / p.n1;
  let inside = (i0 < p.l0) & (i1 < p.l1) & (i2 < p.l2) & (i3 < p.l3) & (i4 < p.l4); // & (no branches)
  // Outside the input the clamped index reads a valid element, then select() zeroes it.
  let xb = p.xo + min(i0, p.l0 - 1u) * p.xs0 + min(i1, p.l1 - 1u) * p.xs1 + min(i2, p.l2 - 1u) * p.xs2
    + min(i3, p.l3 - 1u) * p.xs3 + min(i4, p.l4 - 1u) * p.xs4;
  let yb = p.yo + i0 * p.ys0 + i1 * p.ys1 + i2 * p.ys2 + i3 * p.ys3 + i4 * p.ys4;
  let n = min(4u, p.n5 - i5);
  for (var j = 0u; j < n; j++) {
    let c = i5 + j;
    let v = f32(x[xb + min(c, p.l5 - 1u) * p.xs5]);
    y[yb + c * p.ys5] = act(select(0.0, v, inside & (c < p.l5)));
  }
}

@compute @workgroup_size(WG)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let r = id / p.q5;
  let c0 = (id % p.q5) * 4u;
  for (var c = c0; c < min(c0 + 4u, p.n5); c++) {
    y[p.yo + r * p.ys0 + c * p.ys5] = x[p.xo + r * p.xs0 + u32(idx[c])];
  }
}

@compute @workgroup_size(WG)
fn stream(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let i = id * 4u;
  let n = p.n5;
  if (i + 3u < n) {
    yv[i] = xv[i]; yv[i + 1u] = xv[i + 1u]; yv[i + 2u] = xv[i + 2u]; yv[i + 3u] = xv[i + 3u];
  } else {
    for (var j = i; j < n; j++) { yv[j] = xv[j]; }
  }
}
