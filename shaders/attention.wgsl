// Multi-head softmax attention over N tokens, from a qkv map (EdgeViT's global sparse attention on its
// delegate tokens). Channel s·C + head·d + j of qkv holds q (s = 0), k (1), v (2), as upstream's
// reshape to [B, N, 3, heads, d]; tokens are the h×w pixels in row-major order.
//   y[b, head·d + j, n] = Σ_m softmax_m(scale · q_n·k_m) · v_m[j]
// One invocation per (image, head, 8 queries), register-tiled for SwiftShader (every computed-index
// load is a per-lane scalar loop, arithmetic is cheap: reuse each loaded value as often as possible,
// and chain 4 fma per accumulator per step, as pointwise.wgsl does):
//  1. scores, 8 keys at a time: per 4 channels 8 vec4 of q (8 queries) and 8 of k (8 keys)
//     feed 64 vec4 fma into s[2·key + query quad]; the scaled scores go to this invocation's rows of
//     the scratch `e`, the running max per query stays in registers;
//  2. e = exp(score − max) in place, and the row sums (keys N..PS get e = 0);
//  3. y = Σ_m e_m v_m / sum, 12 channels × 8 queries in 24 vec4 accumulators o[2·channel + query
//     quad], 4 keys per step (8 vec4 of e, 12 vec4 of v, 96 vec4 fma).
// The accumulator arrays are indexed by constants only (functions called with constant rows), so
// SwiftShader keeps them in registers (shaders/README.md).
// The scores go through storage rather than a private array (per-lane memory) or workgroup memory
// (zero-initialised: slow to compile on SwiftShader). Query quads past the plane repeat the last one
// and are not written; key quads past the plane repeat the last one and are masked; channels past d
// repeat channel d−1 (q zeroed in 1., not written in 3.). Keys in the plane's padding (N ≤ m < PS)
// are masked, so the padding may hold anything finite.
// Tiles (8 queries, 8 keys, 12 channels) from a sweep on SwiftShader (2 cores, Node): 12×16 or
// 16×12 query×key tiles were ≤ 15% faster but took 2–3× as long to compile; 12 channels cover
// EdgeViT's d = 36 and 48 exactly.
struct Params {
  C: u32,     // channels of y (qkv has 3C)
  d: u32,     // channels per head
  heads: u32,
  N: u32,     // tokens
  PS: u32,    // plane stride (N rounded up to 4)
  QT: u32,    // query tiles per head: ceil(N / 8)
  NK: u32,    // N rounded up to 8: scratch rows per query tile
  count: u32, // B · heads · QT
  scale: f32, // d^-0.5
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;     // (B, 3C, PS)
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>; // (B, C, PS)
@group(0) @binding(3) var<storage, read_write> e: array<vec4<f32>>; // (count, NK, 2) scratch: scores, then exp, of the tile's 8 queries per key

override WG: u32 = 4; // invocations per workgroup (multiple of 4)
#include "grid.wgsl"

// Key i of the tile (a constant): s[2i + h] += Σ_t q[2t + h] · k[t] over 4 channels t, for the
// two query quads h (k: key i's 4 channels).
fn qk(s: ptr<function, array<vec4<f32>, 16>>, i: u32, k: vec4<f32>, q: array<vec4<f32>, 8>) {
  (*s)[2u * i] = fma(q[6], vec4(k.w), fma(q[4], vec4(k.z), fma(q[2], vec4(k.y), fma(q[0], vec4(k.x), (*s)[2u * i]))));
  (*s)[2u * i + 1u] = fma(q[7], vec4(k.w), fma(q[5], vec4(k.z), fma(q[3], vec4(k.y), fma(q[1], vec4(k.x), (*s)[2u * i + 1u]))));
}

// Channel c of the output tile (a constant): o[2c + h] += Σ_t e[2t + h] · v[t] over 4 keys t, for
// the two query quads h (v: channel c at the 4 keys).
fn ev(o: ptr<function, array<vec4<f32>, 24>>, c: u32, v: vec4<f32>, e: array<vec4<f32>, 8>) {
  (*o)[2u * c] = fma(e[6], vec4(v.w), fma(e[4], vec4(v.z), fma(e[2], vec4(v.y), fma(e[0], vec4(v.x), (*o)[2u * c]))));
  (*o)[2u * c + 1u] = fma(e[7], vec4(v.w), fma(e[5], vec4(v.z), fma(e[3], vec4(v.y), fma(e[1], vec4(v.x), (*o)[2u * c + 1u]))));
}

// The 8 queries' q at channel j (a quad per vec4), zero past d; and the 8 keys' k at channel j.
fn qchan(qrow: u32, j: u32, qa0: u32, qa1: u32) -> array<vec4<f32>, 2> {
  let ps4 = p.PS / 4u;
  let z = j < p.d;
  let r = qrow + min(j, p.d - 1u) * ps4;
  return array(select(vec4<f32>(), qkv[r + qa0], z), select(vec4<f32>(), qkv[r + qa1], z));
}
fn kchan(krow: u32, j: u32, ka0: u32, ka1: u32) -> array<vec4<f32>, 2> {
  let r = krow + min(j, p.d - 1u) * (p.PS / 4u);
  return array(qkv[r + ka0], qkv[r + ka1]);
}

// Key i's scaled scores to the scratch at r, and into the running max if the key is real.
fn score_out(mx: ptr<function, array<vec4<f32>, 2>>, r: u32, i: u32, real: bool, s0: vec4<f32>, s1: vec4<f32>) {
  let a = s0 * p.scale; let b = s1 * p.scale;
  e[r + 2u * i] = a; e[r + 2u * i + 1u] = b;
  if (real) { (*mx)[0] = max((*mx)[0], a); (*mx)[1] = max((*mx)[1], b); }
}

// Channel c of y at plane offset o: its two query quads (the second only inside the plane).
fn y_out(o: u32, qa0: u32, qa1: u32, second: bool, a: vec4<f32>, b: vec4<f32>) {
  y[o + qa0] = a;
  if (second) { y[o + qa1] = b; }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.QT, p.heads, 1u));
  let qt = t.x; let head = t.y; let b = t.w;
  let ps4 = p.PS / 4u;
  let d = p.d;
  let qrow = (b * 3u * p.C + head * d) * ps4; // plane of this head's q channel 0, in vec4
  let krow = qrow + p.C * ps4;
  let vrow = krow + p.C * ps4;
  let qa0 = min(2u * qt + 0u, ps4 - 1u);
  let qa1 = min(2u * qt + 1u, ps4 - 1u);
  let eb = id * p.NK * 2u;                   // this tile's scratch rows, in vec4

  // 1. Scores and the running max.
  var mx = array(vec4(-3.4e38), vec4(-3.4e38));
  for (var k0 = 0u; k0 < p.N; k0 += 8u) {
    let ka0 = min(k0 / 4u + 0u, ps4 - 1u);
    let ka1 = min(k0 / 4u + 1u, ps4 - 1u);
    var s = array<vec4<f32>, 16>();
    for (var j = 0u; j < d; j += 4u) {
      // Channels j..j+3; past d they repeat channel d−1 with q zeroed.
      let q0 = qchan(qrow, j, qa0, qa1); let q1 = qchan(qrow, j + 1u, qa0, qa1);
      let q2 = qchan(qrow, j + 2u, qa0, qa1); let q3 = qchan(qrow, j + 3u, qa0, qa1);
      let q = array(q0[0], q0[1], q1[0], q1[1], q2[0], q2[1], q3[0], q3[1]);
      let c0 = kchan(krow, j, ka0, ka1); let c1 = kchan(krow, j + 1u, ka0, ka1);
      let c2 = kchan(krow, j + 2u, ka0, ka1); let c3 = kchan(krow, j + 3u, ka0, ka1);
      // Rows of the transposes: key i's 4 channels.
      let k = transpose(mat4x4(c0[0], c1[0], c2[0], c3[0]));
      let kk = transpose(mat4x4(c0[1], c1[1], c2[1], c3[1]));
      qk(&s, 0u, k[0], q); qk(&s, 1u, k[1], q); qk(&s, 2u, k[2], q); qk(&s, 3u, k[3], q);
      qk(&s, 4u, kk[0], q); qk(&s, 5u, kk[1], q); qk(&s, 6u, kk[2], q); qk(&s, 7u, kk[3], q);
    }
    let r = eb + k0 * 2u;
    score_out(&mx, r, 0u, k0 < p.N, s[0], s[1]); score_out(&mx, r, 1u, k0 + 1u < p.N, s[2], s[3]);
    score_out(&mx, r, 2u, k0 + 2u < p.N, s[4], s[5]); score_out(&mx, r, 3u, k0 + 3u < p.N, s[6], s[7]);
    score_out(&mx, r, 4u, k0 + 4u < p.N, s[8], s[9]); score_out(&mx, r, 5u, k0 + 5u < p.N, s[10], s[11]);
    score_out(&mx, r, 6u, k0 + 6u < p.N, s[12], s[13]); score_out(&mx, r, 7u, k0 + 7u < p.N, s[14], s[15]);
  }
  let mx0 = mx[0]; let mx1 = mx[1];
  // 2. exp(score − max) in place, row sums; keys N..PS (the last quad's padding) get 0.
  var sum0 = vec4<f32>(); var sum1 = vec4<f32>();
  for (var m = 0u; m < p.N; m++) {
    let r = eb + m * 2u;
    let e0 = exp(e[r + 0u] - mx0); e[r + 0u] = e0; sum0 += e0;
    let e1 = exp(e[r + 1u] - mx1); e[r + 1u] = e1; sum1 += e1;
  }
  for (var m = p.N; m < p.PS; m++) {
    e[eb + m * 2u + 0u] = vec4<f32>(); e[eb + m * 2u + 1u] = vec4<f32>();
  }
  let inv0 = 1.0 / sum0; let inv1 = 1.0 / sum1;

  // 3. y = e·v / sum, 12 channels at a time.
  let last = vec4(p.N) > vec4(p.PS - 4u) + vec4(0u, 1u, 2u, 3u); // valid keys of the last quad
  let yrow = (b * p.C + head * d) * ps4;
  for (var j0 = 0u; j0 < d; j0 += 12u) {
    var o = array<vec4<f32>, 24>();
    for (var m4 = 0u; m4 < ps4; m4++) {
      let r = eb + m4 * 8u;
      let es = array(e[r], e[r + 1u], e[r + 2u], e[r + 3u], e[r + 4u], e[r + 5u], e[r + 6u], e[r + 7u]);
      let keep = vec4(m4 + 1u < ps4) | last;
      let v = vrow + m4;
      // Channels past d repeat channel d − 1 (not written).
      ev(&o, 0u, select(vec4<f32>(), qkv[v + min(j0, d - 1u) * ps4], keep), es);
      ev(&o, 1u, select(vec4<f32>(), qkv[v + min(j0 + 1u, d - 1u) * ps4], keep), es);
      ev(&o, 2u, select(vec4<f32>(), qkv[v + min(j0 + 2u, d - 1u) * ps4], keep), es);
      ev(&o, 3u, select(vec4<f32>(), qkv[v + min(j0 + 3u, d - 1u) * ps4], keep), es);
      ev(&o, 4u, select(vec4<f32>(), qkv[v + min(j0 + 4u, d - 1u) * ps4], keep), es);
      ev(&o, 5u, select(vec4<f32>(), qkv[v + min(j0 + 5u, d - 1u) * ps4], keep), es);
      ev(&o, 6u, select(vec4<f32>(), qkv[v + min(j0 + 6u, d - 1u) * ps4], keep), es);
      ev(&o, 7u, select(vec4<f32>(), qkv[v + min(j0 + 7u, d - 1u) * ps4], keep), es);
      ev(&o, 8u, select(vec4<f32>(), qkv[v + min(j0 + 8u, d - 1u) * ps4], keep), es);
      ev(&o, 9u, select(vec4<f32>(), qkv[v + min(j0 + 9u, d - 1u) * ps4], keep), es);
      ev(&o, 10u, select(vec4<f32>(), qkv[v + min(j0 + 10u, d - 1u) * ps4], keep), es);
      ev(&o, 11u, select(vec4<f32>(), qkv[v + min(j0 + 11u, d - 1u) * ps4], keep), es);
    }
    let rows = min(12u, d - j0);
    let yo = yrow + j0 * ps4;
    let second = 2u * qt + 1u < ps4;
    if (0u < rows) { y_out(yo, qa0, qa1, second, o[0] * inv0, o[1] * inv1); }
    if (1u < rows) { y_out(yo + ps4, qa0, qa1, second, o[2] * inv0, o[3] * inv1); }
    if (2u < rows) { y_out(yo + 2u * ps4, qa0, qa1, second, o[4] * inv0, o[5] * inv1); }
    if (3u < rows) { y_out(yo + 3u * ps4, qa0, qa1, second, o[6] * inv0, o[7] * inv1); }
    if (4u < rows) { y_out(yo + 4u * ps4, qa0, qa1, second, o[8] * inv0, o[9] * inv1); }
    if (5u < rows) { y_out(yo + 5u * ps4, qa0, qa1, second, o[10] * inv0, o[11] * inv1); }
    if (6u < rows) { y_out(yo + 6u * ps4, qa0, qa1, second, o[12] * inv0, o[13] * inv1); }
    if (7u < rows) { y_out(yo + 7u * ps4, qa0, qa1, second, o[14] * inv0, o[15] * inv1); }
    if (8u < rows) { y_out(yo + 8u * ps4, qa0, qa1, second, o[16] * inv0, o[17] * inv1); }
    if (9u < rows) { y_out(yo + 9u * ps4, qa0, qa1, second, o[18] * inv0, o[19] * inv1); }
    if (10u < rows) { y_out(yo + 10u * ps4, qa0, qa1, second, o[20] * inv0, o[21] * inv1); }
    if (11u < rows) { y_out(yo + 11u * ps4, qa0, qa1, second, o[22] * inv0, o[23] * inv1); }
  }
}
