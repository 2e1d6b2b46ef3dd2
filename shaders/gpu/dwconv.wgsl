// GPU family: depthwise K×K convolution (BN folded into w and bias), any K, stride and padding, with
// the CPU family's optional ReLU and residual (y = x + dw(x), size kept) and the same bindings:
//   y[b,c,oy,ox] = act(bias[c] + Σ_{ky,kx} w[c,ky,kx] · x[b,c, oy·s − pad + ky, ox·s − pad + kx]) (+ x[b,c,oy,ox])
//
// Shape: a workgroup owns a tile of one output plane (b, c): TQ pixel quads wide (4·TQ outputs) and
// TH = WG / TQ rows tall, one quad of 4 outputs per invocation (4 accumulators). It first stages the
// input the tile reads, its (4·TQ − 1)·s + K columns × (TH − 1)·s + K rows (the halo included, zeros
// outside the image), in workgroup memory with coalesced loads; then each invocation runs its K²
// taps × 4 outputs from there. Workgroups: (tilesX · tilesY, C, B). The op builder (dwTileGpu in
// src/ops/dwconv.ts) picks TQ and TH from the map and checks that the staged input fits in HALO.
struct Params {
  C: u32, H: u32, W: u32, PSin: u32,
  Ho: u32, Wo: u32, PSout: u32,
  K: u32, stride: u32, pad: u32,
  tilesX: u32, // ceil(Wo / (4·TQ)): tiles per row of tiles
  IW: u32,     // staged input columns: (4·TQ − 1)·stride + K
  IH: u32,     // staged input rows: (TH − 1)·stride + K
  XO: u32,     // x: offset of channel 0 of image 0 (0 unless x is a channel slice of a bigger map)
  XBS: u32,    // x: floats between images (C · PSin unless x is a channel slice)
}

#include "act.wgsl"
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<act>;        // (B, C, PSin) at XO, images XBS apart
@group(0) @binding(2) var<storage, read> w: array<f32>;        // (C, K, K)
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (C)
@group(0) @binding(4) var<storage, read_write> y: array<act>;  // (B, C, PSout)

override TQ: u32 = 4;  // pixel quads per tile row: 1, 2 or 4
override WG: u32 = 64; // invocations: TQ · TH
override RELU: bool = false;
override RESIDUAL: bool = false;

const HALO = 2048u; // floats of staged input: IW · IH ≤ HALO
var<workgroup> xs: array<f32, HALO>; // (IH, IW): the tile's input rows

#include "padded_pixel.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.z;
  let c = wid.y;
  let th = WG / TQ;
  let ox0 = (wid.x % p.tilesX) * 4u * TQ; // the tile's first output column and row
  let oy0 = (wid.x / p.tilesX) * th;
  let s = p.stride;
  let plane = p.XO + b * p.XBS + c * p.PSin;

  // Stage input rows iy0 .. iy0 + IH − 1, columns ix0 .. ix0 + IW − 1 (consecutive invocations, consecutive columns).
  let iy0 = i32(oy0 * s) - i32(p.pad);
  let ix0 = i32(ox0 * s) - i32(p.pad);
  for (var i = lid; i < p.IW * p.IH; i += WG) {
    xs[i] = pixel(plane, iy0 + i32(i / p.IW), ix0 + i32(i % p.IW));
  }
  workgroupBarrier();

  // This invocation's quad: row ty, columns 4·tx .. 4·tx + 3 of the tile.
  let tx = lid % TQ;
  let ty = lid / TQ;
  var acc = vec4(bias[c]);
  for (var ky = 0u; ky < p.K; ky++) {
    let row = (ty * s + ky) * p.IW + 4u * tx * s;
    for (var kx = 0u; kx < p.K; kx++) {
      let tap = w[(c * p.K + ky) * p.K + kx];
      for (var j = 0u; j < 4u; j++) { acc[j] = fma(tap, xs[row + j * s + kx], acc[j]); }
    }
  }
  if (RELU) { acc = max(acc, vec4(0.0)); }

  let oy = oy0 + ty;
  let ox = ox0 + 4u * tx;
  if (oy < p.Ho) {
    for (var j = 0u; j < 4u; j++) {
      if (ox + j < p.Wo) {
        var v = acc[j];
        if (RESIDUAL) { v += f32(x[plane + oy * p.W + ox + j]); }
        y[(b * p.C + c) * p.PSout + oy * p.Wo + ox + j] = act(v);
      }
    }
  }
}
