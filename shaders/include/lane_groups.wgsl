// Reductions over small groups of consecutive invocations, many groups at once: group g is
// invocations g·n .. g·n + n − 1 of the workgroup (local_invocation_index), n a power of 2 that
// divides LANES_WG; every invocation of a group gets its group's sum or max. flash_attention.wgsl's
// rows (4 invocations per query) reduce this way, once per key chunk.
// Through workgroup memory here (lanes_sum_wg, lanes_max_wg: the group's n values added in order, the
// same every run). lane_shuffles.wgsl has the entry points, lanes_shuffle / lanes_sum / lanes_max;
// the pipeline cache swaps in lane_shuffles_subgroups.wgsl for a kernel asked for with `subgroups`
// (KernelRef), which shuffles within subgroups where they hold whole groups.
// The including kernel declares
//   const LANES_WG: u32   its workgroup size
// and calls the functions from uniform control flow (they may hold barriers), every invocation with
// its local_invocation_index and the same n. Each ends with a barrier (or holds none), so a next call
// may follow at once.
#include "lane_shuffles.wgsl"

var<workgroup> lanes_red: array<f32, LANES_WG>; // one value per invocation

fn lanes_sum_wg(v: f32, lid: u32, n: u32) -> f32 {
  lanes_red[lid] = v;
  workgroupBarrier();
  let g0 = lid - lid % n;
  var s = lanes_red[g0];
  for (var i = 1u; i < n; i++) { s += lanes_red[g0 + i]; }
  workgroupBarrier();
  return s;
}

fn lanes_max_wg(v: f32, lid: u32, n: u32) -> f32 {
  lanes_red[lid] = v;
  workgroupBarrier();
  let g0 = lid - lid % n;
  var s = lanes_red[g0];
  for (var i = 1u; i < n; i++) { s = max(s, lanes_red[g0 + i]); }
  workgroupBarrier();
  return s;
}
