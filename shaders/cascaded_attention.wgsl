// One head of EfficientViT's cascaded group attention over every r×r window of the map. Window
// partition, zero padding to a multiple of r and the crop are done by indexing: tokens outside the
// image read x as 0 (so their q, k, v are the qkv bias, as upstream pads before attention) and
// are never written to cat.
//   f = x[chunk i] (+ previous head's output) → qkv (1×1, BN folded) → q = dw_ks×ks(q) inside the
//   window → softmax(q·k·scale + bias[|Δrow|·r + |Δcol|]) → out = Σ_m p_m v_m
// Two dispatches per head, each of independent invocations (so any number of workgroups keeps
// SwiftShader's threads busy, even for a map that is a single window), register-tiled because
// every load with a computed index costs a per-lane scalar loop and arithmetic is cheap:
//   qkv:    8 tokens × 16 outputs per invocation (32 vec4 accumulators); per input channel it
//           loads 8 features and 16 weights for 128 FMAs; q, k, v go to a storage scratch.
//   attend: 4 tokens of one window row per invocation. The depthwise conv on their q slides along
//           the row (per tap one new source token and one weight row for the 4 queries), then the
//           softmax in two passes over the keys (max; then Σ exp and Σ exp·v, 16 value channels at
//           a time), each key's k (and v) loaded once for the 4 queries; no per-token score array.
// Loop bodies have no branches: window borders are clamped indices and selects.
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
  count: u32,  // invocations: windows · ceil(N / 8) · QS / 16 (qkv), windows · r · ceil(r / 4) (attend)
  write_win: u32, // attend: 1 = also write the head's window output to win, for the next head (a param, not an override: one pipeline for every head)
}

#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;               // (B, C, PS)
@group(0) @binding(2) var<storage, read> prev: array<f32>;            // (B·winY·winX, d, N) when HAS_PREV
@group(0) @binding(3) var<storage, read> wqkv: array<wvec4>;           // (d, QS): transposed, zero padded
@group(0) @binding(4) var<storage, read> bqkv: array<vec4<f32>>;      // (QS)
@group(0) @binding(5) var<storage, read> wdw: array<vec4<f32>>;       // (ks·ks, 16): transposed, pre-scaled by key_dim^-0.5
@group(0) @binding(6) var<storage, read> bdw: array<vec4<f32>>;       // (16): pre-scaled likewise
@group(0) @binding(7) var<storage, read> ab: array<f32>;              // (r·r) this head's bias per offset
@group(0) @binding(8) var<storage, read_write> cat: array<f32>;       // (B, C, PS) all heads' outputs
@group(0) @binding(9) var<storage, read_write> win: array<f32>;       // (B·winY·winX, d, N) when write_win
@group(0) @binding(10) var<storage, read_write> qkv: array<vec4<f32>>; // (B·winY·winX, N, QS/4) scratch: q, k, v per token

override WG: u32 = 4;
#include "grid.wgsl"
override HAS_PREV: bool = false;

const Z = vec4<f32>(0.0);

// Window token n (clamped to N - 1 past the end) of the window whose first pixel is (oy, ox).
struct Tok { n: u32, pix: u32, inside: bool, valid: bool }

fn tok(ty: u32, tx: u32, oy: u32, ox: u32) -> Tok {
  let txc = min(tx, p.r - 1u);
  let tyc = min(ty, p.r - 1u);
  let y = oy + tyc;
  let xx = ox + txc;
  let valid = (tx < p.r) & (ty < p.r);
  return Tok(tyc * p.r + txc, min(y, p.H - 1u) * p.W + min(xx, p.W - 1u), valid & (y < p.H) & (xx < p.W), valid);
}

struct Win { b: u32, bw: u32, oy: u32, ox: u32, base: u32 }

fn window(bw: u32) -> Win {
  let wyx = bw % (p.winX * p.winY);
  return Win(bw / (p.winX * p.winY), bw, (wyx / p.winX) * p.r, (wyx % p.winX) * p.r, bw * p.N * (p.QS / 4u));
}

// Input feature of token t on the channel plane at xp: x (0 outside the image) + previous head's output.
fn feat(xp: u32, pp: u32, t: Tok) -> f32 {
  var f = select(0.0, x[xp + t.pix], t.inside);
  if (HAS_PREV) { f += prev[pp + t.n]; }
  return f;
}

// Token n of window w in row-major order (n ≥ N: not valid).
fn tokN(n: u32, w: Win) -> Tok {
  return tok(select(n / p.r, p.r, n >= p.N), n % p.r, w.oy, w.ox);
}

fn put16(base: u32, t: Tok, j4: u32, a0: vec4<f32>, a1: vec4<f32>, a2: vec4<f32>, a3: vec4<f32>) {
  if (!t.valid) { return; }
  let o = base + t.n * (p.QS / 4u) + j4;
  qkv[o] = a0; qkv[o + 1u] = a1; qkv[o + 2u] = a2; qkv[o + 3u] = a3;
}

@compute @workgroup_size(WG)
fn qkv_main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let groups = (p.N + 7u) / 8u;
  let chunks = p.QS / 16u;
  let g = id % groups;
  let j4 = ((id / groups) % chunks) * 4u; // first vec4 of the 16 outputs in a token's scratch row
  let w = window(id / (groups * chunks));
  let b = w.b; let bw = w.bw; let base = w.base;
  let S = p.QS / 4u;
  let n0 = g * 8u;
  let b0 = bqkv[j4]; let b1 = bqkv[j4 + 1u]; let b2 = bqkv[j4 + 2u]; let b3 = bqkv[j4 + 3u];
  let t0 = tokN(n0, w); let t1 = tokN(n0 + 1u, w); let t2 = tokN(n0 + 2u, w); let t3 = tokN(n0 + 3u, w);
  let t4 = tokN(n0 + 4u, w); let t5 = tokN(n0 + 5u, w); let t6 = tokN(n0 + 6u, w); let t7 = tokN(n0 + 7u, w);
  var a0_0 = b0; var a0_1 = b1; var a0_2 = b2; var a0_3 = b3;
  var a1_0 = b0; var a1_1 = b1; var a1_2 = b2; var a1_3 = b3;
  var a2_0 = b0; var a2_1 = b1; var a2_2 = b2; var a2_3 = b3;
  var a3_0 = b0; var a3_1 = b1; var a3_2 = b2; var a3_3 = b3;
  var a4_0 = b0; var a4_1 = b1; var a4_2 = b2; var a4_3 = b3;
  var a5_0 = b0; var a5_1 = b1; var a5_2 = b2; var a5_3 = b3;
  var a6_0 = b0; var a6_1 = b1; var a6_2 = b2; var a6_3 = b3;
  var a7_0 = b0; var a7_1 = b1; var a7_2 = b2; var a7_3 = b3;
  for (var c = 0u; c < p.d; c++) {
    let xp = (b * p.C + p.chunk + c) * p.PS;
    let pp = (bw * p.d + c) * p.N;
    let f0 = feat(xp, pp, t0); let f1 = feat(xp, pp, t1); let f2 = feat(xp, pp, t2); let f3 = feat(xp, pp, t3);
    let f4 = feat(xp, pp, t4); let f5 = feat(xp, pp, t5); let f6 = feat(xp, pp, t6); let f7 = feat(xp, pp, t7);
    let wi = c * S + j4;
    let w0 = wload(wqkv[wi]); let w1 = wload(wqkv[wi + 1u]); let w2 = wload(wqkv[wi + 2u]); let w3 = wload(wqkv[wi + 3u]);
    a0_0 = fma(w0, vec4(f0), a0_0); a0_1 = fma(w1, vec4(f0), a0_1); a0_2 = fma(w2, vec4(f0), a0_2); a0_3 = fma(w3, vec4(f0), a0_3);
    a1_0 = fma(w0, vec4(f1), a1_0); a1_1 = fma(w1, vec4(f1), a1_1); a1_2 = fma(w2, vec4(f1), a1_2); a1_3 = fma(w3, vec4(f1), a1_3);
    a2_0 = fma(w0, vec4(f2), a2_0); a2_1 = fma(w1, vec4(f2), a2_1); a2_2 = fma(w2, vec4(f2), a2_2); a2_3 = fma(w3, vec4(f2), a2_3);
    a3_0 = fma(w0, vec4(f3), a3_0); a3_1 = fma(w1, vec4(f3), a3_1); a3_2 = fma(w2, vec4(f3), a3_2); a3_3 = fma(w3, vec4(f3), a3_3);
    a4_0 = fma(w0, vec4(f4), a4_0); a4_1 = fma(w1, vec4(f4), a4_1); a4_2 = fma(w2, vec4(f4), a4_2); a4_3 = fma(w3, vec4(f4), a4_3);
    a5_0 = fma(w0, vec4(f5), a5_0); a5_1 = fma(w1, vec4(f5), a5_1); a5_2 = fma(w2, vec4(f5), a5_2); a5_3 = fma(w3, vec4(f5), a5_3);
    a6_0 = fma(w0, vec4(f6), a6_0); a6_1 = fma(w1, vec4(f6), a6_1); a6_2 = fma(w2, vec4(f6), a6_2); a6_3 = fma(w3, vec4(f6), a6_3);
    a7_0 = fma(w0, vec4(f7), a7_0); a7_1 = fma(w1, vec4(f7), a7_1); a7_2 = fma(w2, vec4(f7), a7_2); a7_3 = fma(w3, vec4(f7), a7_3);
  }
  put16(base, t0, j4, a0_0, a0_1, a0_2, a0_3);
  put16(base, t1, j4, a1_0, a1_1, a1_2, a1_3);
  put16(base, t2, j4, a2_0, a2_1, a2_2, a2_3);
  put16(base, t3, j4, a3_0, a3_1, a3_2, a3_3);
  put16(base, t4, j4, a4_0, a4_1, a4_2, a4_3);
  put16(base, t5, j4, a5_0, a5_1, a5_2, a5_3);
  put16(base, t6, j4, a6_0, a6_1, a6_2, a6_3);
  put16(base, t7, j4, a7_0, a7_1, a7_2, a7_3);
}

// Raw q (16 channels) of window token (sy, sx), 0 outside the window (coordinates wrap below 0).
struct Q16 { q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32> }

fn src(base: u32, sy: u32, sx: u32) -> Q16 {
  let ok = (sy < p.r) & (sx < p.r);
  let i = base + (min(sy, p.r - 1u) * p.r + min(sx, p.r - 1u)) * (p.QS / 4u);
  return Q16(select(Z, qkv[i], ok), select(Z, qkv[i + 1u], ok), select(Z, qkv[i + 2u], ok), select(Z, qkv[i + 3u], ok));
}

fn absdiff(a: u32, b: u32) -> u32 { return max(a, b) - min(a, b); }

// Writes token t's outputs for channels c16 .. c16 + 15 (those < d) to cat (if inside) and win.
fn out16(w: Win, t: Tok, c16: u32, o0: vec4<f32>, o1: vec4<f32>, o2: vec4<f32>, o3: vec4<f32>) {
  if (!t.valid) { return; }
  let v = array<vec4<f32>, 4>(o0, o1, o2, o3);
  for (var c = c16; c < min(c16 + 16u, p.d); c++) {
    let o = v[(c - c16) / 4u][c % 4u];
    if (t.inside) { cat[(w.b * p.C + p.chunk + c) * p.PS + t.pix] = o; }
    if (p.write_win != 0u) { win[(w.bw * p.d + c) * p.N + t.n] = o; }
  }
}

// The scores of 4 queries against the key at km (its 16 channels, 4 vec4), plus the attention bias
// (bb: the bias row of |ty − ky|, mx: the key's column): dq[4i ..] holds query i's 16 channels.
fn scores(dq: array<vec4<f32>, 16>, km: u32, bb: u32, tx0: u32, mx: u32) -> vec4<f32> {
  let k0 = qkv[km]; let k1 = qkv[km + 1u]; let k2 = qkv[km + 2u]; let k3 = qkv[km + 3u];
  return vec4(dot(dq[0], k0) + dot(dq[1], k1) + dot(dq[2], k2) + dot(dq[3], k3) + ab[bb + absdiff(tx0, mx)],
              dot(dq[4], k0) + dot(dq[5], k1) + dot(dq[6], k2) + dot(dq[7], k3) + ab[bb + absdiff(tx0 + 1u, mx)],
              dot(dq[8], k0) + dot(dq[9], k1) + dot(dq[10], k2) + dot(dq[11], k3) + ab[bb + absdiff(tx0 + 2u, mx)],
              dot(dq[12], k0) + dot(dq[13], k1) + dot(dq[14], k2) + dot(dq[15], k3) + ab[bb + absdiff(tx0 + 3u, mx)]);
}

@compute @workgroup_size(WG)
fn attend(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let sw = (p.r + 3u) / 4u;             // strips of 4 tokens per window row
  let strip = id % (p.r * sw);
  let w = window(id / (p.r * sw));
  let base = w.base;
  let S = p.QS / 4u;
  let ty = strip / sw;
  let tx0 = (strip % sw) * 4u;
  let u0 = tok(ty, tx0, w.oy, w.ox); let u1 = tok(ty, tx0 + 1u, w.oy, w.ox);
  let u2 = tok(ty, tx0 + 2u, w.oy, w.ox); let u3 = tok(ty, tx0 + 3u, w.oy, w.ox);

  // Depthwise conv on q within the window (zero outside it), sliding along the row: for tap
  // column dx, query t reads source column tx0 + t + dx - ks/2, which query t + 1 read at dx - 1.
  let hk = p.ks / 2u;
  let c0 = tx0 - hk;
  let e0 = bdw[0]; let e1 = bdw[1]; let e2 = bdw[2]; let e3 = bdw[3];
  var d0_0 = e0; var d0_1 = e1; var d0_2 = e2; var d0_3 = e3;
  var d1_0 = e0; var d1_1 = e1; var d1_2 = e2; var d1_3 = e3;
  var d2_0 = e0; var d2_1 = e1; var d2_2 = e2; var d2_3 = e3;
  var d3_0 = e0; var d3_1 = e1; var d3_2 = e2; var d3_3 = e3;
  for (var dy = 0u; dy < p.ks; dy++) {
    let sy = ty + dy - hk; // wraps below 0: src() rejects it
    var s0 = src(base, sy, c0); var s1 = src(base, sy, c0 + 1u); var s2 = src(base, sy, c0 + 2u);
    for (var dx = 0u; dx < p.ks; dx++) {
      let s3 = src(base, sy, c0 + 3u + dx);
      let wi = (dy * p.ks + dx) * 4u;
      let w0 = wdw[wi]; let w1 = wdw[wi + 1u]; let w2 = wdw[wi + 2u]; let w3 = wdw[wi + 3u];
      d0_0 = fma(w0, s0.q0, d0_0); d0_1 = fma(w1, s0.q1, d0_1); d0_2 = fma(w2, s0.q2, d0_2); d0_3 = fma(w3, s0.q3, d0_3);
      d1_0 = fma(w0, s1.q0, d1_0); d1_1 = fma(w1, s1.q1, d1_1); d1_2 = fma(w2, s1.q2, d1_2); d1_3 = fma(w3, s1.q3, d1_3);
      d2_0 = fma(w0, s2.q0, d2_0); d2_1 = fma(w1, s2.q1, d2_1); d2_2 = fma(w2, s2.q2, d2_2); d2_3 = fma(w3, s2.q3, d2_3);
      d3_0 = fma(w0, s3.q0, d3_0); d3_1 = fma(w1, s3.q1, d3_1); d3_2 = fma(w2, s3.q2, d3_2); d3_3 = fma(w3, s3.q3, d3_3);
      s0 = s1; s1 = s2; s2 = s3;
    }
  }

  let dq = array(d0_0, d0_1, d0_2, d0_3, d1_0, d1_1, d1_2, d1_3, d2_0, d2_1, d2_2, d2_3, d3_0, d3_1, d3_2, d3_3);

  // Pass 1: each query's largest score (q is pre-scaled through wdw, bdw).
  var xm = vec4(-3.4e38);
  var mx = 0u;
  var ky = 0u;
  for (var m = 0u; m < p.N; m++) {
    xm = max(xm, scores(dq, base + m * S + 4u, absdiff(ty, ky) * p.r, tx0, mx));
    let wrap = mx + 1u == p.r;
    mx = select(mx + 1u, 0u, wrap);
    ky = select(ky, ky + 1u, wrap);
  }

  // Pass 2, per 16 value channels: Σ exp(s - max) and Σ exp(s - max)·v.
  for (var c16 = 0u; c16 < p.d; c16 += 16u) {
    var l = vec4(0.0);
    var o0_0 = Z; var o0_1 = Z; var o0_2 = Z; var o0_3 = Z;
    var o1_0 = Z; var o1_1 = Z; var o1_2 = Z; var o1_3 = Z;
    var o2_0 = Z; var o2_1 = Z; var o2_2 = Z; var o2_3 = Z;
    var o3_0 = Z; var o3_1 = Z; var o3_2 = Z; var o3_3 = Z;
    var mx = 0u;
    var ky = 0u;
    for (var m = 0u; m < p.N; m++) {
      let km = base + m * S + 4u;
      let e = exp(scores(dq, km, absdiff(ty, ky) * p.r, tx0, mx) - xm);
      l += e;
      let e0 = e.x; let e1 = e.y; let e2 = e.z; let e3 = e.w;
      let vm = km + 4u + c16 / 4u;
      let v0 = qkv[vm]; let v1 = qkv[vm + 1u]; let v2 = qkv[vm + 2u]; let v3 = qkv[vm + 3u];
      o0_0 = fma(vec4(e0), v0, o0_0); o0_1 = fma(vec4(e0), v1, o0_1); o0_2 = fma(vec4(e0), v2, o0_2); o0_3 = fma(vec4(e0), v3, o0_3);
      o1_0 = fma(vec4(e1), v0, o1_0); o1_1 = fma(vec4(e1), v1, o1_1); o1_2 = fma(vec4(e1), v2, o1_2); o1_3 = fma(vec4(e1), v3, o1_3);
      o2_0 = fma(vec4(e2), v0, o2_0); o2_1 = fma(vec4(e2), v1, o2_1); o2_2 = fma(vec4(e2), v2, o2_2); o2_3 = fma(vec4(e2), v3, o2_3);
      o3_0 = fma(vec4(e3), v0, o3_0); o3_1 = fma(vec4(e3), v1, o3_1); o3_2 = fma(vec4(e3), v2, o3_2); o3_3 = fma(vec4(e3), v3, o3_3);
      let wrap = mx + 1u == p.r;
      mx = select(mx + 1u, 0u, wrap);
      ky = select(ky, ky + 1u, wrap);
    }
    out16(w, u0, c16, o0_0 / l.x, o0_1 / l.x, o0_2 / l.x, o0_3 / l.x);
    out16(w, u1, c16, o1_0 / l.y, o1_1 / l.y, o1_2 / l.y, o1_3 / l.y);
    out16(w, u2, c16, o2_0 / l.z, o2_1 / l.z, o2_2 / l.z, o2_3 / l.z);
    out16(w, u3, c16, o3_0 / l.w, o3_1 / l.w, o3_2 / l.w, o3_3 / l.w);
  }
}
