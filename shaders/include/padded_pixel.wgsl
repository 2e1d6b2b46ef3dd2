// A pixel of x with zero padding around the image, branch-free (shared by dwconv.wgsl and conv2d.wgsl).
// The including kernel declares x: array<f32> or array<act> (planes of p.H × p.W; read as f32) and a
// params struct p with H and W.

fn pixel(base: u32, iy: i32, ix: i32) -> f32 {
  // Negative coordinates wrap to huge unsigned values, so one unsigned compare per axis tests both ends.
  let inside = (u32(iy) < p.H) & (u32(ix) < p.W);
  let v = f32(x[base + select(0u, u32(iy) * p.W + u32(ix), inside)]);
  return select(0.0, v, inside);
}
