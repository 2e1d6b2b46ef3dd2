// GPU family: EfficientViT's Residual(FFN) in one dispatch, as the CPU family's ffn.wgsl:
//   y = x + w2 · relu(w1 · x + b1) + b2,   x, y: (B, C, H, W), w1: (Hd, C), w2: (C, Hd)
//
// Shape: a workgroup of 8 × 16 invocations owns a 64 (output channel) × 32 (pixel) tile of y, each
// invocation 4 channels × 4 pixels (4 vec4 accumulators, 16 floats; outer4x4.wgsl). The hidden
// activations of the tile's 32 pixels never leave the workgroup: the hidden dim runs in chunks of 16
// rows, and per chunk
//  1. h[16, 32 pixels] = relu(w1[chunk, :] · x[:, tile] + b1[chunk]) into workgroup memory: C in steps
//     of 16, staging x[16 c, 32 pixels] and w1[16 c, chunk]; invocation (tx, ty) computes hidden
//     row ty of the chunk at pixel quad tx (one vec4);
//  2. acc += w2[tile rows, chunk] · h: staging w2[chunk, 64 rows], then 16 outer4 steps.
// Recomputed: every output-channel tile of a pixel tile computes that tile's whole hidden layer, so
// the first matrix product runs ceil(C / 64) times (once for C ≤ 64): the price of one dispatch
// without a hidden buffer, with ≤ 16 (+ 4) live accumulators. Workgroups: (ceil(PS / 32), ceil(C / 64), B).
// Weights: transposed as gpu/pointwise.wgsl's (transposeWeightsGpu in src/ops/pointwise.ts), zero
// padded, so that no weight load needs a bounds check: w1 [CS16, HS] (vec4 along hidden rows), w2
// [HS16, CS64] (vec4 along output channels). Hidden rows past Hd are relu(0 + 0) = 0 (zero weights
// and b1); channels and pixels past x's are staged as 0; rows past C and quads past the plane are
// not written.
struct Params {
  C: u32,    // channels in and out
  PS: u32,   // plane stride in floats (H·W rounded up to 4)
  HS16: u32, // hidden rows rounded up to 16 (the chunks; w2's rows)
  HS: u32,   // hidden rows rounded up to 64 (w1's columns)
  CS16: u32, // C rounded up to 16 (w1's rows)
  CS64: u32, // C rounded up to 64 (w2's columns)
}

#include "act.wgsl"
#include "weights.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act4>;            // (B, C, PS)
@group(0) @binding(2) var<storage, read> w1: array<wvec4>;          // (CS16, HS / 4): w1[r, c] at c·HS/4 + r/4, lane r % 4
@group(0) @binding(3) var<storage, read> b1: array<vec4<f32>>;      // (HS)
@group(0) @binding(4) var<storage, read> w2: array<wvec4>;          // (HS16, CS64 / 4): w2[o, r] at r·CS64/4 + o/4, lane o % 4
@group(0) @binding(5) var<storage, read> b2: array<vec4<f32>>;      // (CS64)
@group(0) @binding(6) var<storage, read_write> y: array<act4>;      // (B, C, PS)

#include "outer4x4.wgsl"

const PQ = 8u;  // pixel quads per tile (32 pixels): the workgroup's x
const OQ = 16u; // output-channel quads per tile (64 channels): the workgroup's y
const HC = 16u; // hidden rows per chunk (= OQ: phase 1 gives each invocation one row)
const KT = 16u; // input channels per stage of phase 1

var<workgroup> xs: array<vec4<f32>, 128>;  // [KT][PQ]: x, channels k0.. of the tile's pixel quads
var<workgroup> w1s: array<vec4<f32>, 64>;  // [KT][HC / 4]: w1 of the chunk's rows, channels k0..
var<workgroup> hs: array<vec4<f32>, 128>;  // [HC][PQ]: the chunk's hidden activations
var<workgroup> w2s: array<vec4<f32>, 256>; // [HC][OQ]: w2 of the tile's rows, the chunk's hidden rows

@compute @workgroup_size(8, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let ps4 = p.PS / 4u;
  let b = wid.z;
  let o0 = wid.y * 4u * OQ; // the tile's first output channel
  let tx = lid.x;           // this invocation's pixel quad in the tile
  let ty = lid.y;           // its output quad (phase 2), its hidden row (phase 1), its staging row
  let q = wid.x * PQ + tx;
  let inPlane = q < ps4;

  var acc = array<vec4<f32>, 4>();
  for (var h0 = 0u; h0 < p.HS16; h0 += HC) {
    // 1. Hidden row h0 + ty at pixel quad q.
    var hv = vec4<f32>();
    for (var k0 = 0u; k0 < p.CS16; k0 += KT) {
      let k = k0 + ty;
      var v = vec4<f32>();
      if (k < p.C && inPlane) { v = vec4<f32>(x[(b * p.C + k) * ps4 + q]); }
      xs[ty * PQ + tx] = v;
      if (li < KT * HC / 4u) { w1s[li] = wload(w1[(k0 + li / 4u) * (p.HS / 4u) + h0 / 4u + li % 4u]); }
      workgroupBarrier();
      for (var kk = 0u; kk < KT; kk++) {
        hv = fma(vec4(w1s[kk * 4u + ty / 4u][ty % 4u]), xs[kk * PQ + tx], hv);
      }
      workgroupBarrier();
    }
    hs[ty * PQ + tx] = max(hv + b1[(h0 + ty) / 4u][ty % 4u], vec4(0.0));
    // Stage w2[tile rows, chunk]: 256 vec4, two per invocation.
    for (var i = li; i < HC * OQ; i += PQ * OQ) {
      w2s[i] = wload(w2[(h0 + i / OQ) * (p.CS64 / 4u) + o0 / 4u + i % OQ]);
    }
    workgroupBarrier();

    // 2. acc += w2[o0 + 4ty .. +3, chunk] · h[chunk, quad tx].
    for (var kk = 0u; kk < HC; kk++) {
      outer4(&acc, w2s[kk * OQ + ty], hs[kk * PQ + tx]);
    }
    workgroupBarrier();
  }

  // y = x + b2 + acc for output channels o0 + 4ty .. +3 (past C skipped) at quad q.
  if (inPlane) {
    let bq = b2[o0 / 4u + ty];
    for (var i = 0u; i < 4u; i++) {
      let o = o0 + 4u * ty + i;
      if (o < p.C) {
        let at = (b * p.C + o) * ps4 + q;
        y[at] = act4(vec4<f32>(x[at]) + bq[i] + acc[i]);
      }
    }
  }
}
