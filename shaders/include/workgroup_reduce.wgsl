// Reductions over a whole workgroup, through workgroup memory (a halving tree: log2(RED_WG) steps,
// the same order every run). Its subgroup form, workgroup_reduce_subgroups.wgsl, has the same
// functions; the pipeline cache swaps it in for a kernel asked for with `subgroups` (KernelRef).
// The including kernel declares
//   const RED_WG: u32                                  its workgroup size, a power of 2
//   var<workgroup> red: array<vec4<f32>, RED_WG>
//   var<workgroup> red_slot: atomic<u32>               (used by the subgroup form only)
//   var<workgroup> red_n: u32                          (used by the subgroup form only)
// Every invocation calls them from uniform control flow with its local_invocation_index, and every
// invocation gets the result. Each ends with a barrier, so a next call may reuse `red` at once.

fn wg_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var half = RED_WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { red[lid] += red[lid + half]; }
    workgroupBarrier();
  }
  let s = red[0];
  workgroupBarrier();
  return s;
}

fn wg_max(v: vec4<f32>, lid: u32) -> vec4<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var half = RED_WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) { red[lid] = max(red[lid], red[lid + half]); }
    workgroupBarrier();
  }
  let s = red[0];
  workgroupBarrier();
  return s;
}
