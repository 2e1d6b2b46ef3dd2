// Sums over groups of a workgroup's invocations (say a channel's 16 lanes, while 16 other groups sum
// their own), for the GPU family's kernels that reduce many small vectors at once
// (gpu/squeeze_excite.wgsl, gpu/pool_linear.wgsl); workgroup_reduce.wgsl reduces the whole workgroup.
// The including kernel declares
//   red: var<workgroup> array<vec4<f32>, N>   with N ≥ groups × n
// Call it from uniform control flow (it holds barriers), every invocation of the workgroup with its own
// (group, lane) and the same n.

// Σ of v over the n lanes of group g: invocation (g, l) puts v in slot g·n + l, then every lane of the
// group adds the group's n slots in order (so all get the same sum, the same every run). Ends with a
// barrier, so a next call may reuse red at once.
fn group_sum(g: u32, l: u32, n: u32, v: vec4<f32>) -> vec4<f32> {
  red[g * n + l] = v;
  workgroupBarrier();
  var sum = vec4<f32>();
  for (var i = 0u; i < n; i++) { sum += red[g * n + i]; }
  workgroupBarrier();
  return sum;
}
