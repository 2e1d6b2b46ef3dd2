// Swin's (shifted) window attention, straight from the qkv map: the cyclic shift, the window
// partition and its reverse are indexing, the relative position bias is a [heads, N, N] table
// gathered at load, and the mask between the regions the shift made neighbours is computed here.
//   y[b, head·d + j, pixel(t)] = Σ_u softmax_u(scale·q_t·k_u + bias[head, t, u] + mask(t, u)) · v_u[j]
// for the N = ws² tokens t, u of each window, where token t of window (wy, wx) is the map pixel
// ((wy·ws + t / ws + shift) mod H, (wx·ws + t % ws + shift) mod W) (torch.roll by −shift, then
// window_partition), and mask(t, u) = −100 when shift > 0 and t, u lie in different regions of the
// shifted frame (its rows and columns cut at H − ws and H − shift), as upstream's attn_mask.
// One invocation per (image, window, head, 8 query tokens): every k and v value loaded serves the 8
// queries (two vec4 of lanes), q is loaded once per channel; scores stay in private arrays (N ≤ 64,
// d ≤ 64). Query lanes past N repeat token N − 1 and are not written. (8 queries measured 14% faster
// than 4 on SwiftShader at Swin-T's first stage; the compile takes ~0.1 s longer.)
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
  QT: u32,     // query octets per window: ceil(N / 8)
  count: u32,  // B · nW · heads · QT
  scale: f32,  // d^-0.5
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;        // (B, 3C, PS): q, k, v channels as upstream's [B, N, 3, heads, d]
@group(0) @binding(2) var<storage, read> bias: array<f32>;       // (heads, N, N)
@group(0) @binding(3) var<storage, read_write> y: array<f32>;    // (B, C, PS)

override WG: u32 = 64;
#include "grid.wgsl"
#include "shifted_windows.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.QT, p.heads, p.nW));
  let t0 = t.x * 8u; let head = t.y; let win = t.z; let b = t.w;
  let wy = win / p.nWw;
  let wx = win % p.nWw;
  let qc = (b * 3u * p.C + head * p.d) * p.PS;
  let kc = qc + p.C * p.PS;
  let vc = kc + p.C * p.PS;
  let m = p.N - 1u;
  let ta = vec4<u32>(t0, min(t0 + 1u, m), min(t0 + 2u, m), min(t0 + 3u, m));
  let tb = vec4<u32>(min(t0 + 4u, m), min(t0 + 5u, m), min(t0 + 6u, m), min(t0 + 7u, m));
  let fa0 = frame(wy, wx, ta.x); let fa1 = frame(wy, wx, ta.y); let fa2 = frame(wy, wx, ta.z); let fa3 = frame(wy, wx, ta.w);
  let fb0 = frame(wy, wx, tb.x); let fb1 = frame(wy, wx, tb.y); let fb2 = frame(wy, wx, tb.z); let fb3 = frame(wy, wx, tb.w);
  let pa = vec4<u32>(pixel(fa0), pixel(fa1), pixel(fa2), pixel(fa3));
  let pb = vec4<u32>(pixel(fb0), pixel(fb1), pixel(fb2), pixel(fb3));
  let ra = vec4<u32>(region(fa0), region(fa1), region(fa2), region(fa3));
  let rb = vec4<u32>(region(fb0), region(fb1), region(fb2), region(fb3));
  var qa = array<vec4<f32>, 64>();
  var qb = array<vec4<f32>, 64>();
  for (var c = 0u; c < p.d; c++) {
    let o = qc + c * p.PS;
    qa[c] = vec4<f32>(qkv[o + pa.x], qkv[o + pa.y], qkv[o + pa.z], qkv[o + pa.w]) * p.scale;
    qb[c] = vec4<f32>(qkv[o + pb.x], qkv[o + pb.y], qkv[o + pb.z], qkv[o + pb.w]) * p.scale;
  }
  var sa = array<vec4<f32>, 64>();
  var sb = array<vec4<f32>, 64>();
  var kp = array<u32, 64>();
  var ma = vec4<f32>(-3.0e38);
  var mb = vec4<f32>(-3.0e38);
  for (var u = 0u; u < p.N; u++) {
    let fu = frame(wy, wx, u);
    kp[u] = pixel(fu);
    var da = vec4<f32>(0.0);
    var db = vec4<f32>(0.0);
    for (var c = 0u; c < p.d; c++) { let k = qkv[kc + c * p.PS + kp[u]]; da += qa[c] * k; db += qb[c] * k; }
    let ia = (head * p.N + ta) * p.N + u;
    let ib = (head * p.N + tb) * p.N + u;
    da += vec4<f32>(bias[ia.x], bias[ia.y], bias[ia.z], bias[ia.w]);
    db += vec4<f32>(bias[ib.x], bias[ib.y], bias[ib.z], bias[ib.w]);
    if (p.shift > 0u) {
      let ru = vec4<u32>(region(fu));
      da += select(vec4<f32>(0.0), vec4<f32>(-100.0), ra != ru);
      db += select(vec4<f32>(0.0), vec4<f32>(-100.0), rb != ru);
    }
    sa[u] = da; sb[u] = db;
    ma = max(ma, da); mb = max(mb, db);
  }
  var suma = vec4<f32>(0.0);
  var sumb = vec4<f32>(0.0);
  for (var u = 0u; u < p.N; u++) {
    let ea = exp(sa[u] - ma); sa[u] = ea; suma += ea;
    let eb = exp(sb[u] - mb); sb[u] = eb; sumb += eb;
  }
  let yb = (b * p.C + head * p.d) * p.PS;
  let n = min(8u, p.N - t0);
  for (var c = 0u; c < p.d; c++) {
    var acca = vec4<f32>(0.0);
    var accb = vec4<f32>(0.0);
    for (var u = 0u; u < p.N; u++) { let v = qkv[vc + c * p.PS + kp[u]]; acca += sa[u] * v; accb += sb[u] * v; }
    let oa = acca / suma;
    let ob = accb / sumb;
    let yc = yb + c * p.PS;
    y[yc + pa.x] = oa.x;
    if (n > 1u) { y[yc + pa.y] = oa.y; }
    if (n > 2u) { y[yc + pa.z] = oa.z; }
    if (n > 3u) { y[yc + pa.w] = oa.w; }
    if (n > 4u) { y[yc + pb.x] = ob.x; }
    if (n > 5u) { y[yc + pb.y] = ob.y; }
    if (n > 6u) { y[yc + pb.z] = ob.z; }
    if (n > 7u) { y[yc + pb.w] = ob.w; }
  }
}
