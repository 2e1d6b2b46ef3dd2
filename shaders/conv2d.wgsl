// Dense 2-D convolution (groups = 1) with BN folded into w and bias, optional ReLU: the EfficientViT
// stem. Each invocation computes 16 output channels × 8 output pixels of one row: per (ci, ky, kx)
// it loads 4 vec4 of weights and 8 inputs and does 128 FMAs.
struct Params {
  Cin: u32, H: u32, W: u32, PSin: u32,
  Cout: u32, Ho: u32, Wo: u32, PSout: u32,
  KH: u32, KW: u32, stride: u32, pad: u32,
  tilesX: u32, // ceil(Wo / 8)
  tilesC: u32, // ceil(Cout / 16)
  count: u32,  // B · tilesC · Ho · tilesX
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // (B, Cin, PSin)
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;    // (Cin·KH·KW, ceil16(Cout)): 16 output channels per 4 vec4
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>; // (ceil16(Cout))
@group(0) @binding(4) var<storage, read_write> y: array<f32>;    // (B, Cout, PSout)

override WG: u32 = 16;
override RELU: bool = false;

fn pixel(base: u32, iy: i32, ix: i32) -> f32 {
  // Negative coordinates wrap to huge unsigned values, so one unsigned compare per axis tests both ends.
  let inside = u32(iy) < p.H && u32(ix) < p.W;
  let v = x[base + select(0u, u32(iy) * p.W + u32(ix), inside)];
  return select(0.0, v, inside);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * WG;
  if (id >= p.count) { return; }
  let tx = id % p.tilesX;
  var r = id / p.tilesX;
  let oy = r % p.Ho; r /= p.Ho;
  let tc = r % p.tilesC;
  let b = r / p.tilesC;
  let ox0 = tx * 8u;
  let s = i32(p.stride);
  let ix0 = i32(ox0) * s - i32(p.pad);
  let cq = p.tilesC * 4u; // vec4 per weight row

  var a0 = mat4x4<f32>(); var a1 = mat4x4<f32>(); var a2 = mat4x4<f32>(); var a3 = mat4x4<f32>();
  var a4 = mat4x4<f32>(); var a5 = mat4x4<f32>(); var a6 = mat4x4<f32>(); var a7 = mat4x4<f32>();
  for (var ci = 0u; ci < p.Cin; ci++) {
    let base = (b * p.Cin + ci) * p.PSin;
    for (var ky = 0u; ky < p.KH; ky++) {
      let iy = i32(oy) * s - i32(p.pad) + i32(ky);
      for (var kx = 0u; kx < p.KW; kx++) {
        let wi = ((ci * p.KH + ky) * p.KW + kx) * cq + tc * 4u;
        let w0 = w[wi]; let w1 = w[wi + 1u]; let w2 = w[wi + 2u]; let w3 = w[wi + 3u];
        let ix = ix0 + i32(kx);
        let v0 = pixel(base, iy, ix);         let v1 = pixel(base, iy, ix + s);
        let v2 = pixel(base, iy, ix + 2 * s); let v3 = pixel(base, iy, ix + 3 * s);
        let v4 = pixel(base, iy, ix + 4 * s); let v5 = pixel(base, iy, ix + 5 * s);
        let v6 = pixel(base, iy, ix + 6 * s); let v7 = pixel(base, iy, ix + 7 * s);
        let wm = mat4x4<f32>(w0, w1, w2, w3);
        a0 += wm * v0;
        a1 += wm * v1;
        a2 += wm * v2;
        a3 += wm * v3;
        a4 += wm * v4;
        a5 += wm * v5;
        a6 += wm * v6;
        a7 += wm * v7;
      }
    }
  }
  let acc = array<mat4x4<f32>, 8>(a0, a1, a2, a3, a4, a5, a6, a7);
  for (var q = 0u; q < 4u; q++) {
    let bv = bias[tc * 4u + q];
    for (var i = 0u; i < 4u; i++) {
      let co = tc * 16u + q * 4u + i;
      if (co >= p.Cout) { return; }
      let row = (b * p.Cout + co) * p.PSout + oy * p.Wo;
      for (var j = 0u; j < 8u; j++) {
        if (ox0 + j >= p.Wo) { break; }
        var v = acc[j][q][i] + bv[i];
        if (RELU) { v = max(v, 0.0); }
        y[row + ox0 + j] = v;
      }
    }
  }
}
