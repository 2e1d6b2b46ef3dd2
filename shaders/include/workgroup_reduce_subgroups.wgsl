// workgroup_reduce.wgsl's functions through subgroup operations (the `subgroups` feature; the
// pipeline cache adds `enable subgroups;`): each subgroup reduces in registers (subgroupAdd,
// subgroupMax), one invocation per subgroup puts the result in a slot it takes with an atomic
// counter (nothing is assumed of how invocations are grouped, nor of the subgroup size), and every
// invocation reduces the few slots. A sum's order follows the order the subgroups took their slots,
// so it may differ in the last bit between runs; a max does not. Same declarations as
// workgroup_reduce.wgsl (red, red_slot, red_n, RED_WG).

// The subgroups' partial results r into the slots, then their combination (sum, or max when is_max).
fn wg_slots(r: vec4<f32>, lid: u32, is_max: bool) -> vec4<f32> {
  if (lid == 0u) { atomicStore(&red_slot, 0u); }
  workgroupBarrier();
  if (subgroupElect()) { red[atomicAdd(&red_slot, 1u)] = r; }
  workgroupBarrier();
  if (lid == 0u) { red_n = atomicLoad(&red_slot); }
  let n = workgroupUniformLoad(&red_n);
  var s = red[0];
  for (var i = 1u; i < n; i++) { s = select(s + red[i], max(s, red[i]), is_max); }
  workgroupBarrier();
  return s;
}

fn wg_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  return wg_slots(subgroupAdd(v), lid, false);
}

fn wg_max(v: vec4<f32>, lid: u32) -> vec4<f32> {
  return wg_slots(subgroupMax(v), lid, true);
}
