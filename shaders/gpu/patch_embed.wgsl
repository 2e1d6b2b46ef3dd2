// GPU family: EdgeViT's / Swin's patch embedding in one dispatch, the CPU family's patch_embed.wgsl:
// a strided conv (kernel = stride = KH = KW, no padding), then LayerNorm over the output channels at
// every output pixel:
//   v[m, o] = bias[m] + Σ_{ci,ky,kx} w[m, ci, ky, kx] · x[ci, KH·oy + ky, KW·ox + kx]
//   y[m, o] = (v[m, o] − mean_o) / √(var_o + eps) · gamma[m] + beta[m]   (biased variance)
// (Without the LayerNorm the op builder runs gpu/conv2d.wgsl instead.)
// The conv is gpu/conv2d.wgsl's implicit GEMM (implicit_gemm.wgsl: 64 channels × 4·PQ pixels per
// workgroup of PQ × 16 invocations, 4 × 4 per invocation), but the LayerNorm needs every channel of a
// pixel in one workgroup: each workgroup owns 4·PQ pixels and runs the GEMM over the MS / 64 channel
// tiles one after another. Workgroups: (ceil(PSout / 4PQ), 1, B).
// LayerNorm statistics (layer_norm.wgsl) of d = v − z, z = channel 0 of the pixel (passed on through
// workgroup memory from the invocation that holds it): each invocation runs Welford over its channels
// of every tile, then Chan's merge over the workgroup's 16 channel quads goes through two workgroup
// sums (the mean, then each part's M2 plus its mean's deviation). The tiles but the last wait in y as
// d until the statistics are known; each invocation reads back only what it wrote itself.
struct Params {
  Cin: u32, H: u32, W: u32, PSin: u32,
  Cout: u32, Wo: u32, P: u32, PSout: u32, // P = Ho·Wo output pixels per image
  KH: u32, KW: u32, stride: u32, pad: u32, // KH = KW = stride, pad = 0
  K: u32,    // taps: Cin·KH·KW
  KS16: u32, // K rounded up to 16 (the weights' rows)
  MS: u32,   // Cout rounded up to 64 (the weights' columns)
  eps: f32,
}

#include "weights.wgsl"
#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;             // (B, Cin, PSin)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (KS16, MS / 4): w[m, k] at k·MS/4 + m/4, lane m % 4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (MS)
@group(0) @binding(4) var<storage, read> gamma: array<vec4<f32>>;   // (MS)
@group(0) @binding(5) var<storage, read> beta: array<vec4<f32>>;    // (MS)
@group(0) @binding(6) var<storage, read_write> y: array<act4>;       // (B, Cout, PSout)

override PQ: u32 = 16; // pixel quads per workgroup (the workgroup is PQ × 16)

var<workgroup> ws: array<vec4<f32>, 256>; // [16 k][16 channel quads]; then the statistics' sums [16 channel quads][PQ]
var<workgroup> xs: array<vec4<f32>, 256>; // [16 k][PQ pixel quads]
var<workgroup> zs: array<vec4<f32>, 16>;  // [PQ]: the shift z of the workgroup's pixels

#include "implicit_gemm.wgsl"
#include "layer_norm.wgsl"

// Σ over the 16 channel quads of pixel quad tx of each invocation's s, through ws.
fn quad_sum(tx: u32, ty: u32, s: vec4<f32>) -> vec4<f32> {
  ws[ty * PQ + tx] = s;
  workgroupBarrier();
  var t = vec4<f32>();
  for (var r = 0u; r < 16u; r++) { t += ws[r * PQ + tx]; }
  workgroupBarrier(); // ws is written again by the next call
  return t;
}

@compute @workgroup_size(PQ, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let tx = lid.x;
  let ty = lid.y;
  let q = wid.x * PQ + tx; // this invocation's pixel quad
  let ps4 = p.PSout / 4u;
  let tiles = p.MS / 64u;

  var z = vec4<f32>();
  var st = ln_none();
  var d = array<vec4<f32>, 4>(); // channels m0 + 4ty + i of the current tile, less z
  for (var t = 0u; t < tiles; t++) {
    let m0 = t * 64u;
    let acc = conv_tile(b, m0, q, tx, ty);
    let bq = bias[m0 / 4u + ty];
    if (t == 0u) { // z: channel 0 (the first tile's row 0, held by ty = 0)
      if (ty == 0u) { zs[tx] = acc[0] + bq[0]; }
      workgroupBarrier();
      z = zs[tx];
    }
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + 4u * ty + i;
      d[i] = (acc[i] + bq[i]) - z;
      if (m < p.Cout) {
        st = ln_push(st, d[i]);
        if (t + 1u < tiles && q < ps4) { y[(b * p.Cout + m) * ps4 + q] = act4(d[i]); }
      }
    }
  }

  // The pixels' statistics over all Cout channels: Chan's merge of the 16 channel quads' parts.
  let mean = quad_sum(tx, ty, st.n * st.mean) / f32(p.Cout);
  let m2 = quad_sum(tx, ty, ln_part_m2(st, mean));
  let rstd = ln_rstd(LnStats(f32(p.Cout), mean, m2), p.eps);

  if (q >= ps4) { return; }
  for (var t = 0u; t < tiles; t++) {
    let m0 = t * 64u;
    let ga = gamma[m0 / 4u + ty];
    let be = beta[m0 / 4u + ty];
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + 4u * ty + i;
      let o = (b * p.Cout + m) * ps4 + q;
      if (m < p.Cout) {
        var di = d[i]; // the last tile is still in registers, the earlier ones wait in y
        if (t + 1u < tiles) { di = vec4<f32>(y[o]); }
        y[o] = act4(fma((di - mean) * rstd, vec4(ga[i]), vec4(be[i])));
      }
    }
  }
}
