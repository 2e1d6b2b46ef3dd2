// lane_groups.wgsl's entry points without the `subgroups` feature: every group reduces through
// workgroup memory. lane_shuffles_subgroups.wgsl has the same functions through subgroup shuffles.

// Whether this workgroup's groups of n can reduce by shuffles: never, here. Call it once, from
// uniform control flow; pass its result to lanes_sum and lanes_max.
fn lanes_shuffle(lid: u32, n: u32) -> bool { return false; }

fn lanes_sum(v: f32, lid: u32, n: u32, shuffle: bool) -> f32 { return lanes_sum_wg(v, lid, n); }

fn lanes_max(v: f32, lid: u32, n: u32, shuffle: bool) -> f32 { return lanes_max_wg(v, lid, n); }
