// The implicit GEMM of the GPU family's dense convolutions (gpu/conv2d.wgsl, gpu/patch_embed.wgsl):
//   acc[m, o] = Σ_k w[m, k] · x[ci, oy·stride − pad + ky, ox·stride − pad + kx]   (0 in the padding)
// over the K = Cin·KH·KW taps k = (ci·KH + ky)·KW + kx, for output pixels o = oy·Wo + ox (flattened,
// as the output plane stores them). A workgroup of PQ × 16 invocations owns 64 channels × 4·PQ pixels;
// invocation (tx, ty) channels m0 + 4ty .. +3 at pixel quad q (4 vec4 accumulators, 16 floats).
// K runs in steps of 16: the workgroup stages w[16 k, 64 m] (256 vec4, coalesced along m) and the 16
// taps of its pixels, gathered from x while staging (invocation (tx, ty) tap k0 + ty of quad tx),
// then each invocation does 16 × 4 vec4 FMAs from workgroup memory.
// The including kernel declares
//   p: params with Cin, H, W, PSin (the input), Wo, P (= Ho·Wo, pixels per image), KH, KW, stride, pad,
//      K (taps), KS16 (K rounded up to 16: the weights' rows), MS (their columns: Cout rounded up to 64)
//   x: array<act> (B, Cin, PSin); w: array<wvec4> (KS16, MS / 4), zero padded (transposeWeightsGpu
//      in src/ops/pointwise.ts)
//   ws, xs: var<workgroup> array<vec4<f32>, 256> ([16 k][16 channel quads], [16 k][PQ pixel quads])
//   override PQ: u32 (pixel quads per workgroup, ≤ 16)
// and includes weights.wgsl (wload).
#include "padded_pixel.wgsl"

// Where the 4 pixels of output quad q start in the (padded) input; pixels past the plane (o ≥ P)
// start at row H, so every tap of theirs is padding.
struct Origins { iy: vec4<i32>, ix: vec4<i32> }

fn conv_origins(q: u32) -> Origins {
  let o = vec4(4u * q) + vec4(0u, 1u, 2u, 3u);
  let s = i32(p.stride);
  let iy = vec4<i32>(o / p.Wo) * s - i32(p.pad);
  let ix = vec4<i32>(o % p.Wo) * s - i32(p.pad);
  return Origins(select(iy, vec4(i32(p.H)), o >= vec4(p.P)), ix);
}

// Tap k (< K) of the 4 pixels at org in image b.
fn conv_tap(b: u32, k: u32, org: Origins) -> vec4<f32> {
  let ci = k / (p.KH * p.KW);
  let r = k % (p.KH * p.KW);
  let ky = i32(r / p.KW);
  let kx = i32(r % p.KW);
  let base = (b * p.Cin + ci) * p.PSin;
  return vec4(pixel(base, org.iy.x + ky, org.ix.x + kx), pixel(base, org.iy.y + ky, org.ix.y + kx),
              pixel(base, org.iy.z + ky, org.ix.z + kx), pixel(base, org.iy.w + ky, org.ix.w + kx));
}

// The product for channels m0 + 4ty + i (acc[i]) at pixel quad q of image b. (tx, ty): the
// invocation's local id. Every invocation of the workgroup must call it, in uniform control flow
// (it has barriers); it ends with one, so ws and xs are free for the caller afterwards.
fn conv_tile(b: u32, m0: u32, q: u32, tx: u32, ty: u32) -> array<vec4<f32>, 4> {
  let org = conv_origins(q);
  var acc = array<vec4<f32>, 4>();
  for (var k0 = 0u; k0 < p.KS16; k0 += 16u) {
    // The weights of taps k0 .. k0 + 15 for the tile's 64 channels: ws[16·kk + c] = w[k0 + kk, m0 + 4c ..].
    for (var i = ty * PQ + tx; i < 256u; i += 16u * PQ) {
      ws[i] = wload(w[(k0 + i / 16u) * (p.MS / 4u) + m0 / 4u + i % 16u]);
    }
    // Tap k0 + ty of pixel quad q (0 past K).
    let k = k0 + ty;
    var v = vec4<f32>();
    if (k < p.K) { v = conv_tap(b, k, org); }
    xs[ty * PQ + tx] = v;
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a = ws[kk * 16u + ty];
      let xv = xs[kk * PQ + tx];
      for (var i = 0u; i < 4u; i++) { acc[i] = fma(vec4(a[i]), xv, acc[i]); }
    }
    workgroupBarrier();
  }
  return acc;
}
