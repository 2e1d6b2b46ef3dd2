// Batched matrix multiplication on strided views, for the unfused schedule's bmm / addmm and the 1×1
// convolutions that read a channel slice in place (PyTorch eager runs each as one kernel):
//   c[b1, b2, m, n] = Σ_k a[b1, b2, m, k] · b[b1, b2, k, n]  (+ bias[n] or bias[m])
// Element (b1, b2, i, j) of a view is at off + b1·s1 + b2·s2 + i·s_row + j·s_col, so transposes are
// strides, and weights shared by the batch have batch strides 0. Two batch dims cover
// (image, head) batches whose heads are channel groups of one map.
// Register tile: each invocation owns 8 rows × 8 columns (16 vec4 accumulators c<row>_<column
// quad>); per step of k it loads 8 values of a and 8 of b (scalar loads: the views are strided) and
// does 16 vec4 fma. Rows ≥ M and columns ≥ N read the last row/column (valid memory) and are not
// stored.
struct Params {
  M: u32, N: u32, K: u32,
  nb2: u32,                 // size of batch dim 2 (dim 1 is count / (nb2 · tilesM · tilesN))
  tilesM: u32, tilesN: u32, // ceil(M / 8), ceil(N / 8)
  count: u32,               // nb1 · nb2 · tilesM · tilesN
  ao: u32, as1: u32, as2: u32, asr: u32, asc: u32, // a (M × K): offset, batch strides, row and column strides
  bo: u32, bs1: u32, bs2: u32, bsr: u32, bsc: u32, // b (K × N)
  co: u32, cs1: u32, cs2: u32, csr: u32, csc: u32, // c (M × N)
  biasMode: u32,            // 0: none, 1: bias[n] (a linear layer), 2: bias[m] (a convolution)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // (N) or (M), read when biasMode > 0
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override WG: u32 = 16;
#include "grid.wgsl"

fn store(m: u32, n0: u32, cb: u32, v: vec4<f32>) {
  if (m >= p.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n < p.N) {
      var r = v[j];
      if (p.biasMode == 1u) { r += bias[n]; } else if (p.biasMode == 2u) { r += bias[m]; }
      c[cb + m * p.csr + n * p.csc] = r;
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.tilesN, p.tilesM, p.nb2));
  let tn = t.x; let tm = t.y; let b2 = t.z; let b1 = t.w;
  let m0 = tm * 8u;
  let n0 = tn * 8u;
  let ab = p.ao + b1 * p.as1 + b2 * p.as2;
  let bb0 = p.bo + b1 * p.bs1 + b2 * p.bs2;
  let r0 = ab + min(m0, p.M - 1u) * p.asr;      let r1 = ab + min(m0 + 1u, p.M - 1u) * p.asr;
  let r2 = ab + min(m0 + 2u, p.M - 1u) * p.asr; let r3 = ab + min(m0 + 3u, p.M - 1u) * p.asr;
  let r4 = ab + min(m0 + 4u, p.M - 1u) * p.asr; let r5 = ab + min(m0 + 5u, p.M - 1u) * p.asr;
  let r6 = ab + min(m0 + 6u, p.M - 1u) * p.asr; let r7 = ab + min(m0 + 7u, p.M - 1u) * p.asr;
  let k0 = bb0 + min(n0, p.N - 1u) * p.bsc;      let k1 = bb0 + min(n0 + 1u, p.N - 1u) * p.bsc;
  let k2 = bb0 + min(n0 + 2u, p.N - 1u) * p.bsc; let k3 = bb0 + min(n0 + 3u, p.N - 1u) * p.bsc;
  let k4 = bb0 + min(n0 + 4u, p.N - 1u) * p.bsc; let k5 = bb0 + min(n0 + 5u, p.N - 1u) * p.bsc;
  let k6 = bb0 + min(n0 + 6u, p.N - 1u) * p.bsc; let k7 = bb0 + min(n0 + 7u, p.N - 1u) * p.bsc;

  var c0_0 = vec4<f32>(); var c0_1 = vec4<f32>(); var c1_0 = vec4<f32>(); var c1_1 = vec4<f32>();
  var c2_0 = vec4<f32>(); var c2_1 = vec4<f32>(); var c3_0 = vec4<f32>(); var c3_1 = vec4<f32>();
  var c4_0 = vec4<f32>(); var c4_1 = vec4<f32>(); var c5_0 = vec4<f32>(); var c5_1 = vec4<f32>();
  var c6_0 = vec4<f32>(); var c6_1 = vec4<f32>(); var c7_0 = vec4<f32>(); var c7_1 = vec4<f32>();
  for (var k = 0u; k < p.K; k++) {
    let ka = k * p.asc;
    let kb = k * p.bsr;
    let v0 = vec4(b[k0 + kb], b[k1 + kb], b[k2 + kb], b[k3 + kb]);
    let v1 = vec4(b[k4 + kb], b[k5 + kb], b[k6 + kb], b[k7 + kb]);
    let a0 = vec4(a[r0 + ka]); c0_0 = fma(a0, v0, c0_0); c0_1 = fma(a0, v1, c0_1);
    let a1 = vec4(a[r1 + ka]); c1_0 = fma(a1, v0, c1_0); c1_1 = fma(a1, v1, c1_1);
    let a2 = vec4(a[r2 + ka]); c2_0 = fma(a2, v0, c2_0); c2_1 = fma(a2, v1, c2_1);
    let a3 = vec4(a[r3 + ka]); c3_0 = fma(a3, v0, c3_0); c3_1 = fma(a3, v1, c3_1);
    let a4 = vec4(a[r4 + ka]); c4_0 = fma(a4, v0, c4_0); c4_1 = fma(a4, v1, c4_1);
    let a5 = vec4(a[r5 + ka]); c5_0 = fma(a5, v0, c5_0); c5_1 = fma(a5, v1, c5_1);
    let a6 = vec4(a[r6 + ka]); c6_0 = fma(a6, v0, c6_0); c6_1 = fma(a6, v1, c6_1);
    let a7 = vec4(a[r7 + ka]); c7_0 = fma(a7, v0, c7_0); c7_1 = fma(a7, v1, c7_1);
  }
  let cb = p.co + b1 * p.cs1 + b2 * p.cs2;
  store(m0, n0, cb, c0_0); store(m0, n0 + 4u, cb, c0_1);
  store(m0 + 1u, n0, cb, c1_0); store(m0 + 1u, n0 + 4u, cb, c1_1);
  store(m0 + 2u, n0, cb, c2_0); store(m0 + 2u, n0 + 4u, cb, c2_1);
  store(m0 + 3u, n0, cb, c3_0); store(m0 + 3u, n0 + 4u, cb, c3_1);
  store(m0 + 4u, n0, cb, c4_0); store(m0 + 4u, n0 + 4u, cb, c4_1);
  store(m0 + 5u, n0, cb, c5_0); store(m0 + 5u, n0 + 4u, cb, c5_1);
  store(m0 + 6u, n0, cb, c6_0); store(m0 + 6u, n0 + 4u, cb, c6_1);
  store(m0 + 7u, n0, cb, c7_0); store(m0 + 7u, n0 + 4u, cb, c7_1);
}
