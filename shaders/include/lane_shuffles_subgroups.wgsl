// lane_groups.wgsl's entry points through subgroup shuffles (the `subgroups` feature; the pipeline
// cache adds `enable subgroups;`). WGSL does not say how a workgroup's invocations are grouped into
// subgroups, nor their size, so lanes_shuffle checks, once per workgroup, that every subgroup is an
// aligned run of consecutive invocations holding whole groups of n: then a group's invocations are
// subgroup invocations s .. s + n − 1 with s a multiple of n, and a butterfly of subgroupShuffleXor
// over masks 1, 2, … n/2 gives each of them the group's result with no barrier (an add's operands
// meet in the same pairs on every lane, so all n get the same bits). Where the check fails anywhere
// in the workgroup, all of it takes the workgroup-memory form (lanes_sum_wg, lanes_max_wg).

var<workgroup> lanes_bad: atomic<u32>; // non-zero: some subgroup does not hold whole aligned groups (starts at 0)
var<workgroup> lanes_ok: u32;          // lanes_bad, read by one invocation, for workgroupUniformLoad

// Whether this workgroup's groups of n can reduce by shuffles (the same answer for every
// invocation). Call it once, from uniform control flow; pass its result to lanes_sum and lanes_max.
fn lanes_shuffle(lid: u32, n: u32) -> bool {
  let first = subgroupBroadcastFirst(lid); // the subgroup's first invocation (all are active here)
  let rank = subgroupExclusiveAdd(1u);     // this invocation's place in its subgroup
  let size = subgroupAdd(1u);
  if (lid != first + rank || first % n != 0u || size % n != 0u) { atomicOr(&lanes_bad, 1u); }
  workgroupBarrier();
  if (lid == 0u) { lanes_ok = select(0u, 1u, atomicLoad(&lanes_bad) == 0u); }
  return workgroupUniformLoad(&lanes_ok) == 1u;
}

fn lanes_sum(v: f32, lid: u32, n: u32, shuffle: bool) -> f32 {
  if (!shuffle) { return lanes_sum_wg(v, lid, n); }
  var s = v;
  for (var m = 1u; m < n; m *= 2u) { s += subgroupShuffleXor(s, m); }
  return s;
}

fn lanes_max(v: f32, lid: u32, n: u32, shuffle: bool) -> f32 {
  if (!shuffle) { return lanes_max_wg(v, lid, n); }
  var s = v;
  for (var m = 1u; m < n; m *= 2u) { s = max(s, subgroupShuffleXor(s, m)); }
  return s;
}
