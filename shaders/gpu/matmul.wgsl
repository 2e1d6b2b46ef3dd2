// GPU family: batched matrix multiplication on strided views, as the CPU family's matmul.wgsl (the
// unfused schedule's bmm / addmm, the 1×1 convolutions that read a channel slice in place, the head):
//   c[b1, b2, m, n] = Σ_k a[b1, b2, m, k] · b[b1, b2, k, n]  (+ bias[n] or bias[m])
// Element (b1, b2, i, j) of a view is at off + b1·s1 + b2·s2 + i·s_row + j·s_col, so transposes are
// strides, and weights shared by the batch have batch strides 0.
//
// Shape: a workgroup of T × T invocations owns a 4T × 4T output tile (T = 16: 64 × 64, or T = 8:
// 32 × 32 where 64-wide tiles leave too few workgroups to fill a GPU; src/ops/matmul-gpu.ts picks),
// each invocation 4 rows × 4 columns (4 vec4 accumulators, 16 floats; outer4x4.wgsl). K runs in
// steps of 16: the workgroup gathers a[4T rows, 16 k] and b[16 k, 4T columns] from the strided views
// into workgroup memory (0 past M, N and K), consecutive invocations walking each view's
// smaller-stride dim so that the loads coalesce; then each invocation does 16 outer products from
// it. Elements past M or N are not stored. Workgroups: (ceil(N / 4T), ceil(M / 4T), nb1 · nb2).
#include "act.wgsl"

struct Params {
  M: u32, N: u32, K: u32,
  nb2: u32,                 // size of batch dim 2 (grid z = nb1 · nb2)
  ao: u32, as1: u32, as2: u32, asr: u32, asc: u32, // a (M × K): offset, batch strides, row and column strides
  bo: u32, bs1: u32, bs2: u32, bsr: u32, bsc: u32, // b (K × N)
  co: u32, cs1: u32, cs2: u32, csr: u32, csc: u32, // c (M × N)
  biasMode: u32,            // 0: none, 1: bias[n] (a linear layer), 2: bias[m] (a convolution)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<act>;      // view (nb1, nb2, M, K)
@group(0) @binding(2) var<storage, read> b: array<act>;      // view (nb1, nb2, K, N)
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // (N) or (M), read when biasMode > 0
@group(0) @binding(4) var<storage, read_write> c: array<act>; // view (nb1, nb2, M, N)

#include "outer4x4.wgsl"

override T: u32 = 16; // invocations per side: 16 (64 × 64 tiles) or 8 (32 × 32)
const KT = 16u;       // k per stage
const TMAX = 16u;     // the largest T (sizes the staging arrays)

// The staged tiles, [KT][T quads]: a[m0 + 4i .. +3, k0 + kk] at slot(kk, i), b[k0 + kk, n0 + 4j .. +3]
// at slot(kk, j). A row's quads are permuted by kk (XOR) so that staging along k, which writes one
// quad of each row, spreads the writes over the memory banks; reading a row stays one permutation.
var<workgroup> atile: array<vec4<f32>, KT * TMAX>;
var<workgroup> btile: array<vec4<f32>, KT * TMAX>;

fn slot(kk: u32, q: u32) -> u32 { return kk * T + (q ^ (kk % T)); }

// Element e (< 4T · KT) of a staged tile of 4T rows (a's rows or b's columns) × KT k, as (row, k):
// consecutive e walk along k when that is the view's smaller stride, else along the rows.
fn staged(e: u32, alongK: bool) -> vec2<u32> {
  if (alongK) { return vec2(e / KT, e % KT); }
  return vec2(e % (4u * T), e / (4u * T));
}

@compute @workgroup_size(T, T)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let b2 = wid.z % p.nb2;
  let b1 = wid.z / p.nb2;
  let n0 = wid.x * 4u * T; // the tile's first column
  let m0 = wid.y * 4u * T; // its first row
  let ab = p.ao + b1 * p.as1 + b2 * p.as2;
  let bb = p.bo + b1 * p.bs1 + b2 * p.bs2;
  let aAlongK = p.asc <= p.asr;
  let bAlongK = p.bsr <= p.bsc;

  var acc = array<vec4<f32>, 4>(); // acc[i]: row m0 + 4·lid.y + i at columns n0 + 4·lid.x .. +3
  for (var k0 = 0u; k0 < p.K; k0 += KT) {
    for (var e = li; e < 4u * T * KT; e += T * T) {
      let ra = staged(e, aAlongK);  // (row, kk) of a
      let m = m0 + ra.x;
      let ka = k0 + ra.y;
      var va = 0.0;
      if (m < p.M && ka < p.K) { va = f32(a[ab + m * p.asr + ka * p.asc]); }
      atile[slot(ra.y, ra.x / 4u)][ra.x % 4u] = va;

      let rb = staged(e, bAlongK);  // (column, kk) of b
      let n = n0 + rb.x;
      let kb = k0 + rb.y;
      var vb = 0.0;
      if (n < p.N && kb < p.K) { vb = f32(b[bb + kb * p.bsr + n * p.bsc]); }
      btile[slot(rb.y, rb.x / 4u)][rb.x % 4u] = vb;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KT; kk++) { outer4(&acc, atile[slot(kk, lid.y)], btile[slot(kk, lid.x)]); }
    workgroupBarrier();
  }

  let cb = p.co + b1 * p.cs1 + b2 * p.cs2;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * lid.y + i;
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * lid.x + j;
      if (m < p.M && n < p.N) {
        var r = acc[i][j];
        if (p.biasMode == 1u) { r += bias[n]; } else if (p.biasMode == 2u) { r += bias[m]; }
        c[cb + m * p.csr + n * p.csc] = act(r);
      }
    }
  }
}
