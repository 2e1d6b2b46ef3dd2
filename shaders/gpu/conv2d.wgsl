// GPU family: dense 2-D convolution (groups = 1) with BN folded into w and bias, optional ReLU — the
// CPU family's conv2d.wgsl (both its entry points: any kernel size, stride and padding), and the
// patch embedding without its LayerNorm (kernel = stride, no padding: DeiT's):
//   y[b, m, o] = act(bias[m] + Σ_k w[m, k] · x[b, ci, oy·stride − pad + ky, ox·stride − pad + kx])
// as an implicit GEMM (implicit_gemm.wgsl): a workgroup of PQ × 16 invocations owns 64 output channels
// × 4·PQ output pixels (flattened oy·Wo + ox), each invocation 4 channels × 4 pixels (16 floats); K =
// Cin·KH·KW runs in steps of 16 staged through workgroup memory, the input patches gathered (zero
// padding) as they are staged. Workgroups: (ceil(PSout / 4PQ), MS / 64, B). PQ is 16, or 4 when
// 64-pixel tiles leave too few workgroups to fill a GPU (src/ops/conv2d-gpu.ts).
// Weights: [KS16, MS] (w [Cout, Cin·KH·KW] transposed, zero padded; transposeWeightsGpu), bias (MS).
// Whole output quads are stored: pixels past Ho·Wo in the plane's last quad get act(bias).
struct Params {
  Cin: u32, H: u32, W: u32, PSin: u32,
  Cout: u32, Wo: u32, P: u32, PSout: u32, // P = Ho·Wo output pixels per image
  KH: u32, KW: u32, stride: u32, pad: u32,
  K: u32,    // taps: Cin·KH·KW
  KS16: u32, // K rounded up to 16 (the weights' rows)
  MS: u32,   // Cout rounded up to 64 (the weights' columns)
  relu: u32, // 1: ReLU on the output (a param, not an override, as in the CPU family)
}

#include "weights.wgsl"
#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;             // (B, Cin, PSin)
@group(0) @binding(2) var<storage, read> w: array<wvec4>;           // (KS16, MS / 4): w[m, k] at k·MS/4 + m/4, lane m % 4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;    // (MS)
@group(0) @binding(4) var<storage, read_write> y: array<act4>;       // (B, Cout, PSout)

override PQ: u32 = 16; // pixel quads per workgroup (the workgroup is PQ × 16)

var<workgroup> ws: array<vec4<f32>, 256>; // [16 k][16 channel quads]
var<workgroup> xs: array<vec4<f32>, 256>; // [16 k][PQ pixel quads]

#include "implicit_gemm.wgsl"

@compute @workgroup_size(PQ, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wid.z;
  let m0 = wid.y * 64u;        // the tile's first channel
  let q = wid.x * PQ + lid.x;  // this invocation's pixel quad
  let acc = conv_tile(b, m0, q, lid.x, lid.y);

  let ps4 = p.PSout / 4u;
  if (q >= ps4) { return; }
  let bq = bias[m0 / 4u + lid.y];
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * lid.y + i;
    if (m < p.Cout) {
      var v = acc[i] + bq[i];
      if (p.relu != 0u) { v = max(v, vec4(0.0)); }
      y[(b * p.Cout + m) * ps4 + q] = act4(v);
    }
  }
}
