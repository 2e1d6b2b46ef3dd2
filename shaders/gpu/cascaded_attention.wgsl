// GPU family: one head of EfficientViT's cascaded group attention over every r×r window of the map,
// as the CPU family's cascaded_attention.wgsl. Window partition, zero padding to a multiple of r and
// the crop are done by indexing: tokens outside the image read x as 0 (so their q, k, v come from the
// qkv bias and the previous head, as upstream pads before attention) and are never written to cat.
//   f = x[chunk i] (+ previous head's output) → qkv (1×1, BN folded) → q = dw_ks×ks(q) inside the
//   window → softmax(q·k·scale + bias[|Δrow|·r + |Δcol|]) → out = Σ_m p_m v_m
// Two dispatches per head (the cascade makes heads sequential):
//   qkv_main: the 1×1 conv as a GEMM over the windows' tokens (t = window · N + token): a workgroup of
//     8 × 8 invocations owns 32 tokens × 32 outputs, each invocation 4 outputs × 4 tokens (4 vec4,
//     outer4x4.wgsl); the input channels in steps of 16, weights and gathered features staged in
//     workgroup memory. Writes q, k, v per token to the scratch. Workgroups: (ceil(tokens / 32), QS / 32, 1).
//   attend: flash attention (flash_attention.wgsl): a workgroup of 64 invocations per (window,
//     16 queries, 64 value channels); q (16 channels, staged once) is the depthwise conv of the raw q
//     of its window neighbours, computed while staging; 32 keys per chunk, bias by offset, an online
//     softmax. Workgroups: (ceil(N / 16), ceil(d / 64), windows).
struct Params {
  C: u32,      // channels of x
  H: u32, W: u32, PS: u32,
  d: u32,      // value dim of a head (= its input chunk width)
  chunk: u32,  // first channel of this head in x and in cat
  r: u32,      // window side
  N: u32,      // r·r
  winX: u32, winY: u32,
  ks: u32,     // depthwise kernel on q
  QS: u32,     // scratch floats per token and columns of wqkv: 32 + d rounded up to 32
  KS16: u32,   // rows of wqkv: d rounded up to 16
  tokens: u32, // tokens of all windows: B·winY·winX·N
  DT: u32,     // attend: value-channel tiles ceil(d / 64)
  write_win: u32, // attend: 1 = also write the head's window output to win, for the next head (a param, not an override: one pipeline for every head)
}

#include "weights.wgsl"
#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;                // (B, C, PS)
@group(0) @binding(2) var<storage, read> prev: array<act>;             // (B·winY·winX, d, N) when HAS_PREV
@group(0) @binding(3) var<storage, read> wqkv: array<wvec4>;           // (KS16, QS / 4): transposed, zero padded
@group(0) @binding(4) var<storage, read> bqkv: array<vec4<f32>>;       // (QS)
@group(0) @binding(5) var<storage, read> wdw: array<f32>;              // (ks·ks, 16): transposed, pre-scaled by key_dim^-0.5
@group(0) @binding(6) var<storage, read> bdw: array<f32>;              // (16): pre-scaled likewise
@group(0) @binding(7) var<storage, read> ab: array<f32>;               // (r·r) this head's bias per offset
@group(0) @binding(8) var<storage, read_write> cat: array<act>;        // (B, C, PS) all heads' outputs
@group(0) @binding(9) var<storage, read_write> win: array<act>;        // (B·winY·winX, d, N) when write_win
@group(0) @binding(10) var<storage, read_write> qkv: array<act4>;      // (T, QS / 4) scratch: q (0..15), k (16..31), v (32..) per token

override HAS_PREV: bool = false;

#include "outer4x4.wgsl"

// Window bw (image-major): its image and the map pixel of its token 0.
struct Window { b: u32, oy: u32, ox: u32 }

fn window(bw: u32) -> Window {
  let wyx = bw % (p.winX * p.winY);
  return Window(bw / (p.winX * p.winY), (wyx / p.winX) * p.r, (wyx % p.winX) * p.r);
}

// ---- qkv_main ----

const T = 8u;   // invocations per side; each owns 4 outputs × 4 tokens
const KT = 16u; // input channels per stage

var<workgroup> ws: array<vec4<f32>, 128>; // [KT][32 outputs / 4]
var<workgroup> fs: array<vec4<f32>, 128>; // [KT][32 tokens / 4]

// Input feature c (< d) of token t (< tokens): x (0 outside the image) + the previous head's output.
fn feat(t: u32, c: u32) -> f32 {
  let bw = t / p.N;
  let n = t % p.N;
  let w = window(bw);
  let iy = w.oy + n / p.r;
  let ix = w.ox + n % p.r;
  var f = 0.0;
  if (iy < p.H && ix < p.W) { f = f32(x[(w.b * p.C + p.chunk + c) * p.PS + iy * p.W + ix]); }
  if (HAS_PREV) { f += f32(prev[(bw * p.d + c) * p.N + n]); }
  return f;
}

@compute @workgroup_size(8, 8)
fn qkv_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tx = lid.x;          // this invocation's token quad (staging: also the output quad of the weights it loads)
  let ty = lid.y;          // its output quad (staging: its channel)
  let t0 = wid.x * 32u + 4u * tx;
  let o0 = wid.y * 32u;
  // acc[i][j]: output o0 + 4ty + i of token t0 + j, from its bias.
  let bq = bqkv[o0 / 4u + ty];
  var acc = array(vec4(bq[0]), vec4(bq[1]), vec4(bq[2]), vec4(bq[3]));
  for (var k0 = 0u; k0 < p.KS16; k0 += KT) {
    // Stage rows r + ty of the step: the weights of channel k for outputs o0 + 4tx .. +3, and
    // channel k of tokens t0 .. t0 + 3 (0 past d; tokens past the last repeat it).
    for (var r = 0u; r < KT; r += T) {
      let k = k0 + r + ty;
      ws[(r + ty) * T + tx] = wload(wqkv[k * (p.QS / 4u) + o0 / 4u + tx]);
      var f = vec4<f32>();
      if (k < p.d) {
        for (var j = 0u; j < 4u; j++) { f[j] = feat(min(t0 + j, p.tokens - 1u), k); }
      }
      fs[(r + ty) * T + tx] = f;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) {
      outer4(&acc, ws[kk * T + ty], fs[kk * T + tx]);
    }
    workgroupBarrier();
  }
  // A token's 4 outputs are one vec4 of its row.
  for (var j = 0u; j < 4u; j++) {
    if (t0 + j < p.tokens) {
      qkv[(t0 + j) * (p.QS / 4u) + o0 / 4u + ty] = act4(vec4(acc[0][j], acc[1][j], acc[2][j], acc[3][j]));
    }
  }
}

// ---- attend ----

// Float i of the scratch.
fn scratch(i: u32) -> f32 { return f32(qkv[i / 4u][i % 4u]); }

fn absdiff(a: u32, b: u32) -> u32 { return max(a, b) - min(a, b); }

// The workgroup's window: its scratch rows start at float `base`.
struct Ctx { base: u32 }

// q channel ch of token n: the depthwise conv (pre-scaled) of the raw q of its neighbours inside
// the window (0 outside it; coordinates below 0 wrap and fail the test).
fn q_at(c: Ctx, ch: u32, n: u32) -> f32 {
  let ty = n / p.r;
  let tx = n % p.r;
  let hk = p.ks / 2u;
  var q = bdw[ch];
  for (var dy = 0u; dy < p.ks; dy++) {
    for (var dx = 0u; dx < p.ks; dx++) {
      let sy = ty + dy - hk;
      let sx = tx + dx - hk;
      if (sy < p.r && sx < p.r) { q = fma(wdw[(dy * p.ks + dx) * 16u + ch], scratch(c.base + (sy * p.r + sx) * p.QS + ch), q); }
    }
  }
  return q;
}
fn k_at(c: Ctx, ch: u32, m: u32) -> f32 { return scratch(c.base + m * p.QS + 16u + ch); }
fn v_at(c: Ctx, ch: u32, m: u32) -> f32 { return scratch(c.base + m * p.QS + 32u + ch); }
fn logit(c: Ctx, s: f32, n: u32, m: u32) -> f32 { return s + ab[absdiff(n / p.r, m / p.r) * p.r + absdiff(n % p.r, m % p.r)]; }

#include "flash_attention.wgsl"

@compute @workgroup_size(64)
fn attend(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bw = wid.z;
  let w = window(bw);
  let v0 = wid.y * FA_DO;
  let q0 = wid.x * FA_BQ;
  var o = flash(Ctx(bw * p.N * p.QS), lid, q0, v0, p.N, 16u, p.d);

  // Token n's channels to cat (inside the image) and, for the next head, to win.
  let ch0 = fa_channel(lid, v0);
  for (var i = 0u; i < 4u; i++) {
    let n = fa_query(lid, q0, i);
    let iy = w.oy + n / p.r;
    let ix = w.ox + n % p.r;
    if (n < p.N) {
      for (var t = 0u; t < 4u; t++) {
        let ch = ch0 + t;
        if (ch < p.d) {
          if (iy < p.H && ix < p.W) { cat[(w.b * p.C + p.chunk + ch) * p.PS + iy * p.W + ix] = act(o[i][t]); }
          if (p.write_win != 0u) { win[(bw * p.d + ch) * p.N + n] = act(o[i][t]); }
        }
      }
    }
  }
}
