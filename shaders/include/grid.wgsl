// Which invocation this is, for kernels dispatched as a 1-D grid of WG-wide workgroups that the op
// builder folds into x and y when it is large (grid1d in src/ops/common.ts). The including kernel
// declares WG (an override or const: its workgroup size). Each entry point then returns when
// `id >= p.count` (a function cannot return for its caller).

// gid, nwg: the entry point's global_invocation_id and num_workgroups.
fn invocation(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// id as digits of the mixed radix n, n.x varying fastest:
// (id % n.x, id / n.x % n.y, id / (n.x·n.y) % n.z, id / (n.x·n.y·n.z)). Pass n.z = 1 for two digits and the rest.
fn unflatten(id: u32, n: vec3<u32>) -> vec4<u32> {
  let a = id / n.x;
  let b = a / n.y;
  return vec4(id % n.x, a % n.y, b % n.z, b / n.z);
}
