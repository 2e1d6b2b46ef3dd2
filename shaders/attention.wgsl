// Multi-head softmax attention over N tokens, from a qkv map (EdgeViT's global sparse attention on its
// delegate tokens). Channel s·C + head·d + j of qkv holds q (s = 0), k (1), v (2), as upstream's
// reshape to [B, N, 3, heads, d]; tokens are the h×w pixels in row-major order.
//   y[b, head·d + j, n] = Σ_m softmax_m(scale · q_n·k_m) · v_m[j]
// One invocation per (image, head, 8 queries), register-tiled for SwiftShader (every computed-index
// load is a per-lane scalar loop, arithmetic is cheap: reuse each loaded value as often as possible,
// and chain 4 fma per accumulator per step, as pointwise.wgsl does):
//  1. scores, 8 keys at a time: per 4 channels 8 vec4 of q (8 queries) and 8 of k (8 keys)
//     feed 64 vec4 fma into s<key>_<query quad>; the scaled scores go to this invocation's rows of
//     the scratch `e`, the running max per query stays in registers;
//  2. e = exp(score − max) in place, and the row sums (keys N..PS get e = 0);
//  3. y = Σ_m e_m v_m / sum, 12 channels × 8 queries in 24 vec4 accumulators o<channel>_<query quad>,
//     4 keys per step (8 vec4 of e, 12 vec4 of v, 96 vec4 fma).
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

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let qt = id % p.QT;
  let head = (id / p.QT) % p.heads;
  let b = id / (p.QT * p.heads);
  let ps4 = p.PS / 4u;
  let d = p.d;
  let qrow = (b * 3u * p.C + head * d) * ps4; // plane of this head's q channel 0, in vec4
  let krow = qrow + p.C * ps4;
  let vrow = krow + p.C * ps4;
  let qa0 = min(2u * qt + 0u, ps4 - 1u);
  let qa1 = min(2u * qt + 1u, ps4 - 1u);
  let eb = id * p.NK * 2u;                   // this tile's scratch rows, in vec4

  // 1. Scores and the running max.
  var mx0 = vec4(-3.4e38); var mx1 = vec4(-3.4e38);
  for (var k0 = 0u; k0 < p.N; k0 += 8u) {
    let ka0 = min(k0 / 4u + 0u, ps4 - 1u);
    let ka1 = min(k0 / 4u + 1u, ps4 - 1u);
    var s0_0 = vec4<f32>(); var s0_1 = vec4<f32>();
    var s1_0 = vec4<f32>(); var s1_1 = vec4<f32>();
    var s2_0 = vec4<f32>(); var s2_1 = vec4<f32>();
    var s3_0 = vec4<f32>(); var s3_1 = vec4<f32>();
    var s4_0 = vec4<f32>(); var s4_1 = vec4<f32>();
    var s5_0 = vec4<f32>(); var s5_1 = vec4<f32>();
    var s6_0 = vec4<f32>(); var s6_1 = vec4<f32>();
    var s7_0 = vec4<f32>(); var s7_1 = vec4<f32>();
    for (var j = 0u; j < d; j += 4u) {
      // Channels j..j+3; past d they repeat channel d−1 with q zeroed.
      let j0 = j;
      let q00 = qkv[qrow + j0 * ps4 + qa0]; let q01 = qkv[qrow + j0 * ps4 + qa1];
      let k0_0 = qkv[krow + j0 * ps4 + ka0]; let k0_1 = qkv[krow + j0 * ps4 + ka1];
      let j1 = min(j + 1u, d - 1u); let z1 = j + 1u < d;
      let q10 = select(vec4<f32>(), qkv[qrow + j1 * ps4 + qa0], z1); let q11 = select(vec4<f32>(), qkv[qrow + j1 * ps4 + qa1], z1);
      let k1_0 = qkv[krow + j1 * ps4 + ka0]; let k1_1 = qkv[krow + j1 * ps4 + ka1];
      let j2 = min(j + 2u, d - 1u); let z2 = j + 2u < d;
      let q20 = select(vec4<f32>(), qkv[qrow + j2 * ps4 + qa0], z2); let q21 = select(vec4<f32>(), qkv[qrow + j2 * ps4 + qa1], z2);
      let k2_0 = qkv[krow + j2 * ps4 + ka0]; let k2_1 = qkv[krow + j2 * ps4 + ka1];
      let j3 = min(j + 3u, d - 1u); let z3 = j + 3u < d;
      let q30 = select(vec4<f32>(), qkv[qrow + j3 * ps4 + qa0], z3); let q31 = select(vec4<f32>(), qkv[qrow + j3 * ps4 + qa1], z3);
      let k3_0 = qkv[krow + j3 * ps4 + ka0]; let k3_1 = qkv[krow + j3 * ps4 + ka1];
      s0_0 = fma(q30, vec4(k3_0.x), fma(q20, vec4(k2_0.x), fma(q10, vec4(k1_0.x), fma(q00, vec4(k0_0.x), s0_0))));
      s0_1 = fma(q31, vec4(k3_0.x), fma(q21, vec4(k2_0.x), fma(q11, vec4(k1_0.x), fma(q01, vec4(k0_0.x), s0_1))));
      s1_0 = fma(q30, vec4(k3_0.y), fma(q20, vec4(k2_0.y), fma(q10, vec4(k1_0.y), fma(q00, vec4(k0_0.y), s1_0))));
      s1_1 = fma(q31, vec4(k3_0.y), fma(q21, vec4(k2_0.y), fma(q11, vec4(k1_0.y), fma(q01, vec4(k0_0.y), s1_1))));
      s2_0 = fma(q30, vec4(k3_0.z), fma(q20, vec4(k2_0.z), fma(q10, vec4(k1_0.z), fma(q00, vec4(k0_0.z), s2_0))));
      s2_1 = fma(q31, vec4(k3_0.z), fma(q21, vec4(k2_0.z), fma(q11, vec4(k1_0.z), fma(q01, vec4(k0_0.z), s2_1))));
      s3_0 = fma(q30, vec4(k3_0.w), fma(q20, vec4(k2_0.w), fma(q10, vec4(k1_0.w), fma(q00, vec4(k0_0.w), s3_0))));
      s3_1 = fma(q31, vec4(k3_0.w), fma(q21, vec4(k2_0.w), fma(q11, vec4(k1_0.w), fma(q01, vec4(k0_0.w), s3_1))));
      s4_0 = fma(q30, vec4(k3_1.x), fma(q20, vec4(k2_1.x), fma(q10, vec4(k1_1.x), fma(q00, vec4(k0_1.x), s4_0))));
      s4_1 = fma(q31, vec4(k3_1.x), fma(q21, vec4(k2_1.x), fma(q11, vec4(k1_1.x), fma(q01, vec4(k0_1.x), s4_1))));
      s5_0 = fma(q30, vec4(k3_1.y), fma(q20, vec4(k2_1.y), fma(q10, vec4(k1_1.y), fma(q00, vec4(k0_1.y), s5_0))));
      s5_1 = fma(q31, vec4(k3_1.y), fma(q21, vec4(k2_1.y), fma(q11, vec4(k1_1.y), fma(q01, vec4(k0_1.y), s5_1))));
      s6_0 = fma(q30, vec4(k3_1.z), fma(q20, vec4(k2_1.z), fma(q10, vec4(k1_1.z), fma(q00, vec4(k0_1.z), s6_0))));
      s6_1 = fma(q31, vec4(k3_1.z), fma(q21, vec4(k2_1.z), fma(q11, vec4(k1_1.z), fma(q01, vec4(k0_1.z), s6_1))));
      s7_0 = fma(q30, vec4(k3_1.w), fma(q20, vec4(k2_1.w), fma(q10, vec4(k1_1.w), fma(q00, vec4(k0_1.w), s7_0))));
      s7_1 = fma(q31, vec4(k3_1.w), fma(q21, vec4(k2_1.w), fma(q11, vec4(k1_1.w), fma(q01, vec4(k0_1.w), s7_1))));
    }
    let r = eb + k0 * 2u;
    s0_0 *= p.scale; e[r + 0u] = s0_0; s0_1 *= p.scale; e[r + 1u] = s0_1;
    s1_0 *= p.scale; e[r + 2u] = s1_0; s1_1 *= p.scale; e[r + 3u] = s1_1;
    s2_0 *= p.scale; e[r + 4u] = s2_0; s2_1 *= p.scale; e[r + 5u] = s2_1;
    s3_0 *= p.scale; e[r + 6u] = s3_0; s3_1 *= p.scale; e[r + 7u] = s3_1;
    s4_0 *= p.scale; e[r + 8u] = s4_0; s4_1 *= p.scale; e[r + 9u] = s4_1;
    s5_0 *= p.scale; e[r + 10u] = s5_0; s5_1 *= p.scale; e[r + 11u] = s5_1;
    s6_0 *= p.scale; e[r + 12u] = s6_0; s6_1 *= p.scale; e[r + 13u] = s6_1;
    s7_0 *= p.scale; e[r + 14u] = s7_0; s7_1 *= p.scale; e[r + 15u] = s7_1;
    if (k0 + 8u <= p.N) {
      mx0 = max(mx0, s0_0); mx1 = max(mx1, s0_1);
      mx0 = max(mx0, s1_0); mx1 = max(mx1, s1_1);
      mx0 = max(mx0, s2_0); mx1 = max(mx1, s2_1);
      mx0 = max(mx0, s3_0); mx1 = max(mx1, s3_1);
      mx0 = max(mx0, s4_0); mx1 = max(mx1, s4_1);
      mx0 = max(mx0, s5_0); mx1 = max(mx1, s5_1);
      mx0 = max(mx0, s6_0); mx1 = max(mx1, s6_1);
      mx0 = max(mx0, s7_0); mx1 = max(mx1, s7_1);
    } else {
      if (k0 + 0u < p.N) { mx0 = max(mx0, s0_0); mx1 = max(mx1, s0_1); }
      if (k0 + 1u < p.N) { mx0 = max(mx0, s1_0); mx1 = max(mx1, s1_1); }
      if (k0 + 2u < p.N) { mx0 = max(mx0, s2_0); mx1 = max(mx1, s2_1); }
      if (k0 + 3u < p.N) { mx0 = max(mx0, s3_0); mx1 = max(mx1, s3_1); }
      if (k0 + 4u < p.N) { mx0 = max(mx0, s4_0); mx1 = max(mx1, s4_1); }
      if (k0 + 5u < p.N) { mx0 = max(mx0, s5_0); mx1 = max(mx1, s5_1); }
      if (k0 + 6u < p.N) { mx0 = max(mx0, s6_0); mx1 = max(mx1, s6_1); }
      if (k0 + 7u < p.N) { mx0 = max(mx0, s7_0); mx1 = max(mx1, s7_1); }
    }
  }

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
    let v0row = vrow + min(j0 + 0u, d - 1u) * ps4;
    let v1row = vrow + min(j0 + 1u, d - 1u) * ps4;
    let v2row = vrow + min(j0 + 2u, d - 1u) * ps4;
    let v3row = vrow + min(j0 + 3u, d - 1u) * ps4;
    let v4row = vrow + min(j0 + 4u, d - 1u) * ps4;
    let v5row = vrow + min(j0 + 5u, d - 1u) * ps4;
    let v6row = vrow + min(j0 + 6u, d - 1u) * ps4;
    let v7row = vrow + min(j0 + 7u, d - 1u) * ps4;
    let v8row = vrow + min(j0 + 8u, d - 1u) * ps4;
    let v9row = vrow + min(j0 + 9u, d - 1u) * ps4;
    let v10row = vrow + min(j0 + 10u, d - 1u) * ps4;
    let v11row = vrow + min(j0 + 11u, d - 1u) * ps4;
    var o0_0 = vec4<f32>(); var o0_1 = vec4<f32>();
    var o1_0 = vec4<f32>(); var o1_1 = vec4<f32>();
    var o2_0 = vec4<f32>(); var o2_1 = vec4<f32>();
    var o3_0 = vec4<f32>(); var o3_1 = vec4<f32>();
    var o4_0 = vec4<f32>(); var o4_1 = vec4<f32>();
    var o5_0 = vec4<f32>(); var o5_1 = vec4<f32>();
    var o6_0 = vec4<f32>(); var o6_1 = vec4<f32>();
    var o7_0 = vec4<f32>(); var o7_1 = vec4<f32>();
    var o8_0 = vec4<f32>(); var o8_1 = vec4<f32>();
    var o9_0 = vec4<f32>(); var o9_1 = vec4<f32>();
    var o10_0 = vec4<f32>(); var o10_1 = vec4<f32>();
    var o11_0 = vec4<f32>(); var o11_1 = vec4<f32>();
    for (var m4 = 0u; m4 < ps4; m4++) {
      let r = eb + m4 * 8u;
      let e0_0 = e[r + 0u]; let e0_1 = e[r + 1u];
      let e1_0 = e[r + 2u]; let e1_1 = e[r + 3u];
      let e2_0 = e[r + 4u]; let e2_1 = e[r + 5u];
      let e3_0 = e[r + 6u]; let e3_1 = e[r + 7u];
      let keep = vec4(m4 + 1u < ps4) | last;
      let v0 = select(vec4<f32>(), qkv[v0row + m4], keep);
      let v1 = select(vec4<f32>(), qkv[v1row + m4], keep);
      let v2 = select(vec4<f32>(), qkv[v2row + m4], keep);
      let v3 = select(vec4<f32>(), qkv[v3row + m4], keep);
      let v4 = select(vec4<f32>(), qkv[v4row + m4], keep);
      let v5 = select(vec4<f32>(), qkv[v5row + m4], keep);
      let v6 = select(vec4<f32>(), qkv[v6row + m4], keep);
      let v7 = select(vec4<f32>(), qkv[v7row + m4], keep);
      let v8 = select(vec4<f32>(), qkv[v8row + m4], keep);
      let v9 = select(vec4<f32>(), qkv[v9row + m4], keep);
      let v10 = select(vec4<f32>(), qkv[v10row + m4], keep);
      let v11 = select(vec4<f32>(), qkv[v11row + m4], keep);
      o0_0 = fma(e3_0, vec4(v0.w), fma(e2_0, vec4(v0.z), fma(e1_0, vec4(v0.y), fma(e0_0, vec4(v0.x), o0_0))));
      o0_1 = fma(e3_1, vec4(v0.w), fma(e2_1, vec4(v0.z), fma(e1_1, vec4(v0.y), fma(e0_1, vec4(v0.x), o0_1))));
      o1_0 = fma(e3_0, vec4(v1.w), fma(e2_0, vec4(v1.z), fma(e1_0, vec4(v1.y), fma(e0_0, vec4(v1.x), o1_0))));
      o1_1 = fma(e3_1, vec4(v1.w), fma(e2_1, vec4(v1.z), fma(e1_1, vec4(v1.y), fma(e0_1, vec4(v1.x), o1_1))));
      o2_0 = fma(e3_0, vec4(v2.w), fma(e2_0, vec4(v2.z), fma(e1_0, vec4(v2.y), fma(e0_0, vec4(v2.x), o2_0))));
      o2_1 = fma(e3_1, vec4(v2.w), fma(e2_1, vec4(v2.z), fma(e1_1, vec4(v2.y), fma(e0_1, vec4(v2.x), o2_1))));
      o3_0 = fma(e3_0, vec4(v3.w), fma(e2_0, vec4(v3.z), fma(e1_0, vec4(v3.y), fma(e0_0, vec4(v3.x), o3_0))));
      o3_1 = fma(e3_1, vec4(v3.w), fma(e2_1, vec4(v3.z), fma(e1_1, vec4(v3.y), fma(e0_1, vec4(v3.x), o3_1))));
      o4_0 = fma(e3_0, vec4(v4.w), fma(e2_0, vec4(v4.z), fma(e1_0, vec4(v4.y), fma(e0_0, vec4(v4.x), o4_0))));
      o4_1 = fma(e3_1, vec4(v4.w), fma(e2_1, vec4(v4.z), fma(e1_1, vec4(v4.y), fma(e0_1, vec4(v4.x), o4_1))));
      o5_0 = fma(e3_0, vec4(v5.w), fma(e2_0, vec4(v5.z), fma(e1_0, vec4(v5.y), fma(e0_0, vec4(v5.x), o5_0))));
      o5_1 = fma(e3_1, vec4(v5.w), fma(e2_1, vec4(v5.z), fma(e1_1, vec4(v5.y), fma(e0_1, vec4(v5.x), o5_1))));
      o6_0 = fma(e3_0, vec4(v6.w), fma(e2_0, vec4(v6.z), fma(e1_0, vec4(v6.y), fma(e0_0, vec4(v6.x), o6_0))));
      o6_1 = fma(e3_1, vec4(v6.w), fma(e2_1, vec4(v6.z), fma(e1_1, vec4(v6.y), fma(e0_1, vec4(v6.x), o6_1))));
      o7_0 = fma(e3_0, vec4(v7.w), fma(e2_0, vec4(v7.z), fma(e1_0, vec4(v7.y), fma(e0_0, vec4(v7.x), o7_0))));
      o7_1 = fma(e3_1, vec4(v7.w), fma(e2_1, vec4(v7.z), fma(e1_1, vec4(v7.y), fma(e0_1, vec4(v7.x), o7_1))));
      o8_0 = fma(e3_0, vec4(v8.w), fma(e2_0, vec4(v8.z), fma(e1_0, vec4(v8.y), fma(e0_0, vec4(v8.x), o8_0))));
      o8_1 = fma(e3_1, vec4(v8.w), fma(e2_1, vec4(v8.z), fma(e1_1, vec4(v8.y), fma(e0_1, vec4(v8.x), o8_1))));
      o9_0 = fma(e3_0, vec4(v9.w), fma(e2_0, vec4(v9.z), fma(e1_0, vec4(v9.y), fma(e0_0, vec4(v9.x), o9_0))));
      o9_1 = fma(e3_1, vec4(v9.w), fma(e2_1, vec4(v9.z), fma(e1_1, vec4(v9.y), fma(e0_1, vec4(v9.x), o9_1))));
      o10_0 = fma(e3_0, vec4(v10.w), fma(e2_0, vec4(v10.z), fma(e1_0, vec4(v10.y), fma(e0_0, vec4(v10.x), o10_0))));
      o10_1 = fma(e3_1, vec4(v10.w), fma(e2_1, vec4(v10.z), fma(e1_1, vec4(v10.y), fma(e0_1, vec4(v10.x), o10_1))));
      o11_0 = fma(e3_0, vec4(v11.w), fma(e2_0, vec4(v11.z), fma(e1_0, vec4(v11.y), fma(e0_0, vec4(v11.x), o11_0))));
      o11_1 = fma(e3_1, vec4(v11.w), fma(e2_1, vec4(v11.z), fma(e1_1, vec4(v11.y), fma(e0_1, vec4(v11.x), o11_1))));
    }
    let rows = min(12u, d - j0);
    let o = yrow + j0 * ps4;
    if (0u < rows) { y[o + 0u * ps4 + qa0] = o0_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 0u * ps4 + qa1] = o0_1 * inv1; } }
    if (1u < rows) { y[o + 1u * ps4 + qa0] = o1_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 1u * ps4 + qa1] = o1_1 * inv1; } }
    if (2u < rows) { y[o + 2u * ps4 + qa0] = o2_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 2u * ps4 + qa1] = o2_1 * inv1; } }
    if (3u < rows) { y[o + 3u * ps4 + qa0] = o3_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 3u * ps4 + qa1] = o3_1 * inv1; } }
    if (4u < rows) { y[o + 4u * ps4 + qa0] = o4_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 4u * ps4 + qa1] = o4_1 * inv1; } }
    if (5u < rows) { y[o + 5u * ps4 + qa0] = o5_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 5u * ps4 + qa1] = o5_1 * inv1; } }
    if (6u < rows) { y[o + 6u * ps4 + qa0] = o6_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 6u * ps4 + qa1] = o6_1 * inv1; } }
    if (7u < rows) { y[o + 7u * ps4 + qa0] = o7_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 7u * ps4 + qa1] = o7_1 * inv1; } }
    if (8u < rows) { y[o + 8u * ps4 + qa0] = o8_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 8u * ps4 + qa1] = o8_1 * inv1; } }
    if (9u < rows) { y[o + 9u * ps4 + qa0] = o9_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 9u * ps4 + qa1] = o9_1 * inv1; } }
    if (10u < rows) { y[o + 10u * ps4 + qa0] = o10_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 10u * ps4 + qa1] = o10_1 * inv1; } }
    if (11u < rows) { y[o + 11u * ps4 + qa0] = o11_0 * inv0; if (2u * qt + 1u < ps4) { y[o + 11u * ps4 + qa1] = o11_1 * inv1; } }
  }
}
