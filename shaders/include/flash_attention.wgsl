// Flash attention for one workgroup of the GPU family (gpu/attention.wgsl,
// gpu/shifted_window_attention.wgsl, gpu/cascaded_attention.wgsl): FA_BQ queries n = q0 .. q0 + 15
// of one head, value channels v0 .. v0 + 63 of their output
//   o[n, j] = Σ_m softmax_m(logit(n, m, q_n·k_m)) · v_m[j]
// over the `tokens` keys m, in chunks of FA_BK staged through workgroup memory, with an online
// softmax: per query a running max and sum, the chunk's weights exp(logit − max) and the earlier
// chunks' sums rescaled by exp(max_old − max_new), so logits of any size neither overflow nor cancel.
// 64 invocations (FA_WG); per key chunk:
//  1. scores: q·k over the q·k channels in steps of FA_DC: the workgroup stages q [FA_DC, FA_BQ] (once
//     for the whole run when dqk ≤ FA_DC) and k [FA_DC, FA_BK]; invocation (r = lid / 4, lane =
//     lid % 4) holds query r's scores against keys 8·lane .. +7 (2 vec4);
//  2. the chunk's softmax step: the row max and row sum over the row's 4 consecutive invocations
//     (lane_groups.wgsl: subgroup shuffles in the `subgroups` form where the subgroups allow, else
//     workgroup memory); each of the 4 keeps the row's running max and sum in registers; the
//     weights go to `fa_p`, the rescale factors to `fa_a`;
//  3. the workgroup stages v [FA_BK, FA_DO] and invocation (qq = lid / 16, dq = lid % 16) adds
//     p · v into queries 4qq .. +3 × channels 4dq .. +3 (4 vec4, outer4x4.wgsl), after rescaling.
// 24 live accumulators per invocation (16 outputs, 8 scores). Queries and keys past `tokens` repeat
// the last token (so every gather stays in bounds): the queries' outputs are the caller's to drop,
// the keys get the logit FA_NEG (weight 0). Channels past dqk (q, k) and dv (v) are staged as 0.
// The including kernel declares
//   struct Ctx: what its gathers need to find the workgroup's head (image, head, window, …)
//   fn q_at(c: Ctx, ch: u32, n: u32) -> f32: q channel ch (< dqk) of token n (< tokens)
//   fn k_at(c: Ctx, ch: u32, m: u32) -> f32: k channel ch (< dqk) of token m
//   fn v_at(c: Ctx, ch: u32, m: u32) -> f32: value channel ch (< dv) of token m
//   fn logit(c: Ctx, s: f32, n: u32, m: u32) -> f32: query n's logit for key m from s = q_n·k_m
//     (its scale, biases and masks)
// and calls flash(…) from uniform control flow (it has barriers). Besides functions, this include
// declares the tile's constants (src/ops/attention-gpu.ts has the same, FLASH, for the op builders'
// grids and counts) and its workgroup arrays fa_* (one set per kernel: the tile is the algorithm's).
#include "outer4x4.wgsl"
#include "lane_groups.wgsl"

const FA_WG = 64u;  // invocations per workgroup
const FA_BQ = 16u;  // queries per workgroup
const FA_BK = 32u;  // keys per chunk
const FA_DC = 16u;  // q·k channels per staging step
const FA_DO = 64u;  // value channels per workgroup
const FA_LANES = 4u; // invocations per query while scoring (FA_WG / FA_BQ), FA_BK / 4 = 8 keys each
const FA_NEG = -3.0e38; // the logit of a key past the tokens
const LANES_WG = FA_WG;  // lane_groups.wgsl's workgroup

// The workgroup's tiles (13,440 bytes in all; with lane_groups.wgsl's 256, 13,696; 8 more in the subgroups form).
var<workgroup> fa_k: array<vec4<f32>, FA_DC * FA_BK / 4u>; // [FA_DC][FA_BK / 4]: k of the chunk's keys
var<workgroup> fa_v: array<vec4<f32>, FA_BK * FA_DO / 4u>; // [FA_BK][FA_DO / 4]: v of the chunk's keys
var<workgroup> fa_p: array<vec4<f32>, FA_BK * FA_BQ / 4u>; // [FA_BK][FA_BQ / 4]: the chunk's softmax weights exp(logit − max)
var<workgroup> fa_q: array<f32, FA_DC * FA_BQ>;            // [FA_DC][FA_BQ]
var<workgroup> fa_l: array<f32, FA_BQ>;                    // the running sum per query, at the end
var<workgroup> fa_a: array<f32, FA_BQ>;                    // this chunk's rescale factor exp(max_old − max_new) per query

// Stage q channels c0 .. c0 + 15 of the workgroup's queries: invocation lid writes query lid % 16,
// channels lid / 16 + 4i.
fn fa_stage_q(c: Ctx, lid: u32, q0: u32, c0: u32, tokens: u32, dqk: u32) {
  let r = lid % FA_BQ;
  let n = min(q0 + r, tokens - 1u);
  for (var i = 0u; i < FA_DC * FA_BQ / FA_WG; i++) {
    let ch = lid / FA_BQ + i * (FA_WG / FA_BQ);
    var v = 0.0;
    if (c0 + ch < dqk) { v = q_at(c, c0 + ch, n); }
    fa_q[ch * FA_BQ + r] = v;
  }
}

// Stage k channels c0 .. c0 + 15 of keys k0 .. k0 + 31: invocation lid writes key lid % 32 (lanes
// along the keys: consecutive tokens), channels lid / 32 + 2i.
fn fa_stage_k(c: Ctx, lid: u32, k0: u32, c0: u32, tokens: u32, dqk: u32) {
  let kk = lid % FA_BK;
  let m = min(k0 + kk, tokens - 1u);
  for (var i = 0u; i < FA_DC * FA_BK / FA_WG; i++) {
    let ch = lid / FA_BK + i * (FA_WG / FA_BK);
    var v = 0.0;
    if (c0 + ch < dqk) { v = k_at(c, c0 + ch, m); }
    fa_k[ch * (FA_BK / 4u) + kk / 4u][kk % 4u] = v;
  }
}

// Stage value channels v0 .. v0 + 63 of keys k0 .. k0 + 31: invocation lid writes key lid % 32,
// channel quads lid / 32 + 2i.
fn fa_stage_v(c: Ctx, lid: u32, k0: u32, v0: u32, tokens: u32, dv: u32) {
  let kk = lid % FA_BK;
  let m = min(k0 + kk, tokens - 1u);
  for (var i = 0u; i < FA_BK * FA_DO / 4u / FA_WG; i++) {
    let j = lid / FA_BK + i * (FA_WG / FA_BK);
    var v = vec4<f32>();
    for (var t = 0u; t < 4u; t++) {
      let ch = v0 + 4u * j + t;
      if (ch < dv) { v[t] = v_at(c, ch, m); }
    }
    fa_v[kk * (FA_DO / 4u) + j] = v;
  }
}

// The chunk's softmax step for query r = lid / 4 from this invocation's 8 logits lg (keys
// 8·lane .. +7): the new row max over the row's 4 invocations, the weights to fa_p, the running max
// and sum (*mx, *sum: every invocation of the row holds the same) updated, and (lane 0) the rescale
// factor to fa_a. The caller's next barrier publishes fa_p and fa_a.
fn fa_softmax(lg: array<vec4<f32>, 2>, lid: u32, shuffle: bool, mx: ptr<function, f32>, sum: ptr<function, f32>) {
  let r = lid / FA_LANES;
  let lane = lid % FA_LANES;
  let m8 = max(lg[0], lg[1]);
  let new_max = max(*mx, lanes_max(max(max(m8.x, m8.y), max(m8.z, m8.w)), lid, FA_LANES, shuffle));
  var e = array(exp(lg[0] - new_max), exp(lg[1] - new_max));
  for (var j = 0u; j < 8u; j++) {
    fa_p[(8u * lane + j) * (FA_BQ / 4u) + r / 4u][r % 4u] = e[j / 4u][j % 4u];
  }
  let chunk_sum = lanes_sum(dot(e[0] + e[1], vec4(1.0)), lid, FA_LANES, shuffle);
  let a = exp(*mx - new_max);
  if (lane == 0u) { fa_a[r] = a; }
  *sum = fma(*sum, a, chunk_sum);
  *mx = new_max;
}

// o (queries 4qq .. +3, channels 4dq .. +3) rescaled by the chunk's factors, plus Σ_m p · v.
fn fa_accumulate(o: ptr<function, array<vec4<f32>, 4>>, lid: u32) {
  let qq = lid / (FA_DO / 4u);
  let dq = lid % (FA_DO / 4u);
  for (var i = 0u; i < 4u; i++) { (*o)[i] *= fa_a[4u * qq + i]; }
  for (var kk = 0u; kk < FA_BK; kk++) {
    outer4(o, fa_p[kk * (FA_BQ / 4u) + qq], fa_v[kk * (FA_DO / 4u) + dq]);
  }
}

// The query of output row i of invocation lid (q0 + 4·(lid / 16) + i), and its first value channel.
fn fa_query(lid: u32, q0: u32, i: u32) -> u32 { return q0 + 4u * (lid / (FA_DO / 4u)) + i; }
fn fa_channel(lid: u32, v0: u32) -> u32 { return v0 + 4u * (lid % (FA_DO / 4u)); }

// The workgroup's attention: invocation lid's 4 queries (fa_query) × 4 value channels from
// fa_channel(lid, v0), normalised. tokens ≥ 1 keys and queries; dqk q·k channels; dv value channels.
fn flash(c: Ctx, lid: u32, q0: u32, v0: u32, tokens: u32, dqk: u32, dv: u32) -> array<vec4<f32>, 4> {
  let r = lid / FA_LANES;
  let lane = lid % FA_LANES;
  let n = min(q0 + r, tokens - 1u);
  let shuffle = lanes_shuffle(lid, FA_LANES);
  var mx = FA_NEG; // query r's running max and sum
  var sum = 0.0;
  let q_once = dqk <= FA_DC;
  if (q_once) { fa_stage_q(c, lid, q0, 0u, tokens, dqk); }
  var o = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < tokens; k0 += FA_BK) {
    // 1. Scores of query r against keys k0 + 8·lane .. +7.
    var s = array<vec4<f32>, 2>();
    for (var c0 = 0u; c0 < dqk; c0 += FA_DC) {
      if (!q_once) { fa_stage_q(c, lid, q0, c0, tokens, dqk); }
      fa_stage_k(c, lid, k0, c0, tokens, dqk);
      workgroupBarrier();
      for (var ch = 0u; ch < FA_DC; ch++) {
        let q = vec4(fa_q[ch * FA_BQ + r]);
        s[0] = fma(q, fa_k[ch * (FA_BK / 4u) + 2u * lane], s[0]);
        s[1] = fma(q, fa_k[ch * (FA_BK / 4u) + 2u * lane + 1u], s[1]);
      }
      workgroupBarrier();
    }
    var lg = array<vec4<f32>, 2>();
    for (var j = 0u; j < 8u; j++) {
      let m = k0 + 8u * lane + j;
      lg[j / 4u][j % 4u] = select(FA_NEG, logit(c, s[j / 4u][j % 4u], n, min(m, tokens - 1u)), m < tokens);
    }
    // 2. The softmax step; 3. Σ p · v.
    fa_softmax(lg, lid, shuffle, &mx, &sum);
    fa_stage_v(c, lid, k0, v0, tokens, dv);
    workgroupBarrier();
    fa_accumulate(&o, lid);
    workgroupBarrier();
  }
  if (lane == 0u) { fa_l[r] = sum; }
  workgroupBarrier();
  for (var i = 0u; i < 4u; i++) { o[i] /= fa_l[4u * (lid / (FA_DO / 4u)) + i]; }
  return o;
}
