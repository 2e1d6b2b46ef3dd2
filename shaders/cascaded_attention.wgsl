// One head of EfficientViT's cascaded group attention over every r×r window of the map; one
// workgroup per (image, window), one invocation per window token. Window partition, zero padding
// to a multiple of r and the crop are done by indexing: tokens outside the image read x as 0 (so
// their q, k, v are the qkv bias, as upstream pads before attention) and are never written to cat.
//   f = x[chunk i] (+ previous head's output) → qkv (1×1, BN folded) → q = dw_ks×ks(q) inside the
//   window → softmax(q·k·scale + bias[|Δrow|·r + |Δcol|]) → out = Σ_m p_m v_m
struct Params {
  C: u32,      // channels of x
  H: u32, W: u32, PS: u32,
  d: u32,      // value dim of a head (= its input chunk width)
  chunk: u32,  // first channel of this head in x and in cat
  r: u32,      // window side
  N: u32,      // r·r
  winX: u32, winY: u32,
  ks: u32,     // depthwise kernel on q
  QS: u32,     // rows of wqkv: 32 + d rounded up to 16
  scale: f32,  // key_dim^-0.5
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;               // (B, C, PS)
@group(0) @binding(2) var<storage, read> prev: array<f32>;            // (B·winY·winX, d, N) when HAS_PREV
@group(0) @binding(3) var<storage, read> wqkv: array<vec4<f32>>;      // (d, QS): transposed, zero padded
@group(0) @binding(4) var<storage, read> bqkv: array<vec4<f32>>;      // (QS)
@group(0) @binding(5) var<storage, read> wdw: array<vec4<f32>>;       // (ks·ks, 16): transposed
@group(0) @binding(6) var<storage, read> bdw: array<vec4<f32>>;       // (16)
@group(0) @binding(7) var<storage, read> ab: array<f32>;              // (r·r) this head's bias per offset
@group(0) @binding(8) var<storage, read_write> cat: array<f32>;       // (B, C, PS) all heads' outputs
@group(0) @binding(9) var<storage, read_write> win: array<f32>;       // (B·winY·winX, d, N) when WRITE_WIN
@group(0) @binding(10) var<storage, read_write> qkv: array<vec4<f32>>; // (B·winY·winX, N, QS/4) scratch: q, k, v per token

override WG: u32 = 64;
override HAS_PREV: bool = false;
override WRITE_WIN: bool = false;
const MAX_N = 49u;
// q, k, v go through a storage scratch buffer rather than workgroup memory: on CPU-backed devices
// workgroup loads cost the same, and zero-initialising 30 KiB of workgroup memory made this
// pipeline take ~15 s to compile on SwiftShader.

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = lid.x;
  let bw = wid.x;                       // (b · winY + wy) · winX + wx
  let b = bw / (p.winX * p.winY);
  let wyx = bw % (p.winX * p.winY);
  let ty = n / p.r;
  let tx = n % p.r;
  let y = (wyx / p.winX) * p.r + ty;
  let xx = (wyx % p.winX) * p.r + tx;
  let isToken = n < p.N;
  let inside = isToken && y < p.H && xx < p.W;
  let pix = min(y, p.H - 1u) * p.W + min(xx, p.W - 1u);
  let S = p.QS / 4u;               // vec4 per token in the scratch
  let base = bw * p.N * S;

  // qkv for this token, 16 outputs at a time: rows 0..15 → q, 16..31 → k, 32.. → v.
  if (isToken) {
    for (var j16 = 0u; j16 < p.QS / 16u; j16++) {
      var a0 = bqkv[j16 * 4u]; var a1 = bqkv[j16 * 4u + 1u]; var a2 = bqkv[j16 * 4u + 2u]; var a3 = bqkv[j16 * 4u + 3u];
      for (var c = 0u; c < p.d; c++) {
        var f = select(0.0, x[(b * p.C + p.chunk + c) * p.PS + pix], inside);
        if (HAS_PREV) { f += prev[(bw * p.d + c) * p.N + n]; }
        let wi = c * (p.QS / 4u) + j16 * 4u;
        a0 = fma(wqkv[wi], vec4(f), a0); a1 = fma(wqkv[wi + 1u], vec4(f), a1);
        a2 = fma(wqkv[wi + 2u], vec4(f), a2); a3 = fma(wqkv[wi + 3u], vec4(f), a3);
      }
      let o = base + n * S + j16 * 4u;
      qkv[o] = a0; qkv[o + 1u] = a1; qkv[o + 2u] = a2; qkv[o + 3u] = a3;
    }
  }
  storageBarrier();
  workgroupBarrier();
  if (!isToken) { return; }

  // Depthwise conv on q within the window (zero outside it).
  let hk = i32(p.ks / 2u);
  var q0 = bdw[0]; var q1 = bdw[1]; var q2 = bdw[2]; var q3 = bdw[3];
  for (var dy = 0u; dy < p.ks; dy++) {
    let sy = i32(ty) + i32(dy) - hk;
    if (sy < 0 || sy >= i32(p.r)) { continue; }
    for (var dx = 0u; dx < p.ks; dx++) {
      let sx = i32(tx) + i32(dx) - hk;
      if (sx < 0 || sx >= i32(p.r)) { continue; }
      let m = u32(sy) * p.r + u32(sx);
      let wi = (dy * p.ks + dx) * 4u;
      let qm = base + m * S;
      q0 = fma(wdw[wi], qkv[qm], q0); q1 = fma(wdw[wi + 1u], qkv[qm + 1u], q1);
      q2 = fma(wdw[wi + 2u], qkv[qm + 2u], q2); q3 = fma(wdw[wi + 3u], qkv[qm + 3u], q3);
    }
  }

  // Softmax over the window's tokens, then the weighted sum of v.
  var e: array<f32, MAX_N>;
  var mx = -3.4e38;
  for (var m = 0u; m < p.N; m++) {
    let my = m / p.r;
    let mx_ = m % p.r;
    let dy = max(my, ty) - min(my, ty);
    let dx = max(mx_, tx) - min(mx_, tx);
    let km = base + m * S + 4u;
    let s = (dot(q0, qkv[km]) + dot(q1, qkv[km + 1u]) + dot(q2, qkv[km + 2u]) + dot(q3, qkv[km + 3u])) * p.scale + ab[dy * p.r + dx];
    e[m] = s;
    mx = max(mx, s);
  }
  var sum = 0.0;
  for (var m = 0u; m < p.N; m++) {
    let v = exp(e[m] - mx);
    e[m] = v;
    sum += v;
  }
  let inv = 1.0 / sum;
  for (var c4 = 0u; c4 * 4u < p.d; c4++) {
    var o = vec4<f32>(0.0);
    for (var m = 0u; m < p.N; m++) { o = fma(vec4(e[m]), qkv[base + m * S + 8u + c4], o); }
    o *= inv;
    for (var j = 0u; j < 4u; j++) {
      let c = c4 * 4u + j;
      if (c >= p.d) { break; }
      if (inside) { cat[(b * p.C + p.chunk + c) * p.PS + pix] = o[j]; }
      if (WRITE_WIN) { win[(bw * p.d + c) * p.N + n] = o[j]; }
    }
  }
}
