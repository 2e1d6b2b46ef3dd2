// Swin's (shifted) window attention, straight from the qkv map: the cyclic shift, the window
// partition and its reverse are indexing, the relative position bias is a [heads, N, N] table
// gathered at load, and the mask between the regions the shift made neighbours is computed here.
//   y[b, head·d + j, pixel(t)] = Σ_u softmax_u(scale·q_t·k_u + bias[head, t, u] + mask(t, u)) · v_u[j]
// for the N = ws² tokens t, u of each window, where token t of window (wy, wx) is the map pixel
// ((wy·ws + t / ws + shift) mod H, (wx·ws + t % ws + shift) mod W) (torch.roll by −shift, then
// window_partition), and mask(t, u) = −100 when shift > 0 and t, u lie in different regions of the
// shifted frame (its rows and columns cut at H − ws and H − shift), as upstream's attn_mask.
// One invocation per (image, window, head, 4 query tokens): every k and v value loaded serves the 4
// queries (vec4 lanes), q is loaded once per channel; scores stay in a private array (N ≤ 64, d ≤ 64).
// Query lanes past N repeat token N − 1 and are not written.
struct Params {
  C: u32,      // channels of y (qkv has 3C)
  d: u32,      // channels per head
  heads: u32,
  H: u32, W: u32,
  PS: u32,     // plane stride of qkv and y (H·W rounded up to 4)
  ws: u32,     // window side
  shift: u32,  // cyclic shift (0: none)
  nWw: u32,    // windows per row (W / ws)
  nW: u32,     // windows per image
  N: u32,      // tokens per window (ws²)
  QT: u32,     // query quads per window: ceil(N / 4)
  count: u32,  // B · nW · heads · QT
  scale: f32,  // d^-0.5
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;        // (B, 3C, PS): q, k, v channels as upstream's [B, N, 3, heads, d]
@group(0) @binding(2) var<storage, read> bias: array<f32>;       // (heads, N, N)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;    // (B, C, PS)

override WG: u32 = 64;

// Row and column (in the shifted frame) of token t of window (wy, wx).
fn frame(wy: u32, wx: u32, t: u32) -> vec2<u32> { return vec2<u32>(wy * p.ws + t / p.ws, wx * p.ws + t % p.ws); }

fn pixel(f: vec2<u32>) -> u32 { return ((f.x + p.shift) % p.H) * p.W + (f.y + p.shift) % p.W; }

fn region(f: vec2<u32>) -> u32 {
  let rh = select(select(2u, 1u, f.x < p.H - p.shift), 0u, f.x < p.H - p.ws);
  let rw = select(select(2u, 1u, f.y < p.W - p.shift), 0u, f.y < p.W - p.ws);
  return rh * 3u + rw;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let t0 = (id % p.QT) * 4u;
  var r = id / p.QT;
  let head = r % p.heads; r /= p.heads;
  let win = r % p.nW;
  let b = r / p.nW;
  let wy = win / p.nWw;
  let wx = win % p.nWw;
  let qc = (b * 3u * p.C + head * p.d) * p.PS;
  let kc = qc + p.C * p.PS;
  let vc = kc + p.C * p.PS;
  // The 4 queries: their pixels and regions.
  let ts = vec4<u32>(t0, min(t0 + 1u, p.N - 1u), min(t0 + 2u, p.N - 1u), min(t0 + 3u, p.N - 1u));
  let f0 = frame(wy, wx, ts.x); let f1 = frame(wy, wx, ts.y); let f2 = frame(wy, wx, ts.z); let f3 = frame(wy, wx, ts.w);
  let qp = vec4<u32>(pixel(f0), pixel(f1), pixel(f2), pixel(f3));
  let rq = vec4<u32>(region(f0), region(f1), region(f2), region(f3));
  var q = array<vec4<f32>, 64>();
  for (var c = 0u; c < p.d; c++) {
    let o = qc + c * p.PS;
    q[c] = vec4<f32>(qkv[o + qp.x], qkv[o + qp.y], qkv[o + qp.z], qkv[o + qp.w]) * p.scale;
  }
  var s = array<vec4<f32>, 64>();
  var kp = array<u32, 64>();
  var mx = vec4<f32>(-3.0e38);
  for (var u = 0u; u < p.N; u++) {
    let fu = frame(wy, wx, u);
    kp[u] = pixel(fu);
    var dot = vec4<f32>(0.0);
    for (var c = 0u; c < p.d; c++) { dot += q[c] * qkv[kc + c * p.PS + kp[u]]; }
    let bi = (head * p.N + ts) * p.N + u;
    var v = dot + vec4<f32>(bias[bi.x], bias[bi.y], bias[bi.z], bias[bi.w]);
    if (p.shift > 0u) { v += select(vec4<f32>(0.0), vec4<f32>(-100.0), rq != vec4<u32>(region(fu))); }
    s[u] = v;
    mx = max(mx, v);
  }
  var sum = vec4<f32>(0.0);
  for (var u = 0u; u < p.N; u++) { let e = exp(s[u] - mx); s[u] = e; sum += e; }
  let yb = (b * p.C + head * p.d) * p.PS;
  let n = min(4u, p.N - t0);
  for (var c = 0u; c < p.d; c++) {
    var acc = vec4<f32>(0.0);
    for (var u = 0u; u < p.N; u++) { acc += s[u] * qkv[vc + c * p.PS + kp[u]]; }
    let o = acc / sum;
    let yc = yb + c * p.PS;
    y[yc + qp.x] = o.x;
    if (n > 1u) { y[yc + qp.y] = o.y; }
    if (n > 2u) { y[yc + qp.z] = o.z; }
    if (n > 3u) { y[yc + qp.w] = o.w; }
  }
}
