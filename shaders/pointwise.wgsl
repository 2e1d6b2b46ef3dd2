// 1×1 convolution (a matmul per image) with fused input and output epilogues:
//   y[b,m,p] = act_out(bias[m] + Σ_k w[m,k] · scale[b,k] · act_in(x[b,k,p])) + res[b,m,p]
// Register tiling for load-bound devices: each invocation owns a 16 (m) × 16 (p) output tile held
// in 16 mat4x4 accumulators; per 4 steps of k it loads 16 vec4 of w and 16 vec4 of x and does 1024
// FMAs. Pixel planes are padded to a multiple of 4 (PS); w rows to KS = ceil4(K), rows to ceil16(M).
struct Params {
  M: u32,      // output channels
  K: u32,      // input channels
  PS: u32,     // plane stride in floats (H·W rounded up to 4)
  KS: u32,     // w row stride in floats (K rounded up to 4, zero padded)
  tilesM: u32, // ceil(M / 16)
  tilesP: u32, // ceil(PS / 16)
  count: u32,  // B · tilesM · tilesP
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;      // (B, K, PS)
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;      // (ceil16(M), KS)
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;   // (ceil16(M))
@group(0) @binding(4) var<storage, read> res: array<vec4<f32>>;    // (B, M, PS), read when HAS_RES
@group(0) @binding(5) var<storage, read> scale: array<vec4<f32>>;  // (B, KS), read when HAS_SCALE
@group(0) @binding(6) var<storage, read_write> y: array<vec4<f32>>; // (B, M, PS)

override WG: u32 = 16;
override RELU_IN: bool = false;
override RELU_OUT: bool = false;
override HAS_RES: bool = false;
override HAS_SCALE: bool = false;

// Four rows k..k+3 of x at pixel quads q0..q3, with the optional input scale and ReLU applied.
fn load_k4(b: u32, k: u32, q: vec4<u32>, sc: vec4<f32>, valid: vec4<bool>) -> array<mat4x4<f32>, 4> {
  let ps4 = p.PS / 4u;
  let r0 = (b * p.K + min(k, p.K - 1u)) * ps4;
  let r1 = (b * p.K + min(k + 1u, p.K - 1u)) * ps4;
  let r2 = (b * p.K + min(k + 2u, p.K - 1u)) * ps4;
  let r3 = (b * p.K + min(k + 3u, p.K - 1u)) * ps4;
  var out: array<mat4x4<f32>, 4>;
  for (var j = 0u; j < 4u; j++) {
    var m = mat4x4<f32>(x[r0 + q[j]], x[r1 + q[j]], x[r2 + q[j]], x[r3 + q[j]]);
    if (RELU_IN) {
      m = mat4x4<f32>(max(m[0], vec4(0.0)), max(m[1], vec4(0.0)), max(m[2], vec4(0.0)), max(m[3], vec4(0.0)));
    }
    m = mat4x4<f32>(m[0] * select(0.0, sc.x, valid.x), m[1] * select(0.0, sc.y, valid.y),
                    m[2] * select(0.0, sc.z, valid.z), m[3] * select(0.0, sc.w, valid.w));
    out[j] = m;
  }
  return out;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let tp = id % p.tilesP;
  let tm = (id / p.tilesP) % p.tilesM;
  let b = id / (p.tilesP * p.tilesM);
  let m0 = tm * 16u;
  let ps4 = p.PS / 4u;
  let qlast = ps4 - 1u;
  let q = vec4<u32>(min(tp * 4u, qlast), min(tp * 4u + 1u, qlast), min(tp * 4u + 2u, qlast), min(tp * 4u + 3u, qlast));
  let ks4 = p.KS / 4u;

  // c<q><mb>: output pixels quad q, rows m0 + 4mb .. +3; column i holds row m0 + 4mb + i.
  var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>(); var c02 = mat4x4<f32>(); var c03 = mat4x4<f32>();
  var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>(); var c12 = mat4x4<f32>(); var c13 = mat4x4<f32>();
  var c20 = mat4x4<f32>(); var c21 = mat4x4<f32>(); var c22 = mat4x4<f32>(); var c23 = mat4x4<f32>();
  var c30 = mat4x4<f32>(); var c31 = mat4x4<f32>(); var c32 = mat4x4<f32>(); var c33 = mat4x4<f32>();

  for (var k4 = 0u; k4 < ks4; k4++) {
    let k = k4 * 4u;
    var sc = vec4<f32>(1.0);
    if (HAS_SCALE) { sc = scale[b * ks4 + k4]; }
    let valid = vec4<bool>(k < p.K, k + 1u < p.K, k + 2u < p.K, k + 3u < p.K);
    let bt = load_k4(b, k, q, sc, valid);
    let wi = m0 * ks4 + k4;
    // At<mb>: columns are w rows m0 + 4mb + i, each holding w[m, k..k+3].
    let a0 = mat4x4<f32>(w[wi], w[wi + ks4], w[wi + 2u * ks4], w[wi + 3u * ks4]);
    let a1 = mat4x4<f32>(w[wi + 4u * ks4], w[wi + 5u * ks4], w[wi + 6u * ks4], w[wi + 7u * ks4]);
    let a2 = mat4x4<f32>(w[wi + 8u * ks4], w[wi + 9u * ks4], w[wi + 10u * ks4], w[wi + 11u * ks4]);
    let a3 = mat4x4<f32>(w[wi + 12u * ks4], w[wi + 13u * ks4], w[wi + 14u * ks4], w[wi + 15u * ks4]);
    c00 += bt[0] * a0; c01 += bt[0] * a1; c02 += bt[0] * a2; c03 += bt[0] * a3;
    c10 += bt[1] * a0; c11 += bt[1] * a1; c12 += bt[1] * a2; c13 += bt[1] * a3;
    c20 += bt[2] * a0; c21 += bt[2] * a1; c22 += bt[2] * a2; c23 += bt[2] * a3;
    c30 += bt[3] * a0; c31 += bt[3] * a1; c32 += bt[3] * a2; c33 += bt[3] * a3;
  }

  let c = array<array<mat4x4<f32>, 4>, 4>(
    array<mat4x4<f32>, 4>(c00, c01, c02, c03), array<mat4x4<f32>, 4>(c10, c11, c12, c13),
    array<mat4x4<f32>, 4>(c20, c21, c22, c23), array<mat4x4<f32>, 4>(c30, c31, c32, c33));
  for (var mb = 0u; mb < 4u; mb++) {
    let bv = bias[tm * 4u + mb];
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + mb * 4u + i;
      if (m >= p.M) { return; }
      for (var j = 0u; j < 4u; j++) {
        let qq = tp * 4u + j;
        if (qq > qlast) { break; }
        var v = c[j][mb][i] + bv[i];
        if (RELU_OUT) { v = max(v, vec4(0.0)); }
        let o = (b * p.M + m) * ps4 + qq;
        if (HAS_RES) { v += res[o]; }
        y[o] = v;
      }
    }
  }
}
