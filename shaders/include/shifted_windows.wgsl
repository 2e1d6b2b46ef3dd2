// Swin's windows of a map rolled by −shift, by indexing (both families' shifted_window_attention.wgsl):
// token t of window (wy, wx) lies at `frame(wy, wx, t)` in the shifted frame, which is map pixel
// `pixel(frame)`; two tokens are masked from each other when their `region`s differ.
// The including kernel declares p: params with H, W (the map), ws (window side), shift.

// Row and column (in the shifted frame) of token t of window (wy, wx).
fn frame(wy: u32, wx: u32, t: u32) -> vec2<u32> { return vec2<u32>(wy * p.ws + t / p.ws, wx * p.ws + t % p.ws); }

// The map pixel (row-major) at frame position f: torch.roll by −shift undone.
fn pixel(f: vec2<u32>) -> u32 { return ((f.x + p.shift) % p.H) * p.W + (f.y + p.shift) % p.W; }

// Which of the 3 × 3 regions of the shifted frame f lies in (rows and columns cut at H − ws and
// H − shift), as upstream's attn_mask.
fn region(f: vec2<u32>) -> u32 {
  let rh = select(select(2u, 1u, f.x < p.H - p.shift), 0u, f.x < p.H - p.ws);
  let rw = select(select(2u, 1u, f.y < p.W - p.shift), 0u, f.y < p.W - p.ws);
  return rh * 3u + rw;
}
