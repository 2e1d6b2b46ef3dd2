// Depthwise K×K convolution (BN folded into w and bias), any stride and padding, with an optional
// ReLU and an optional residual (y = x + dw(x), stride 1). Each invocation computes 4 neighbouring
// output pixels of one row of one channel.
struct Params {
  C: u32, H: u32, W: u32, PSin: u32,
  Ho: u32, Wo: u32, PSout: u32,
  K: u32, stride: u32, pad: u32,
  tilesX: u32, // ceil(Wo / 4)
  count: u32,  // B · C · Ho · tilesX
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // (B, C, PSin)
@group(0) @binding(2) var<storage, read> w: array<f32>;        // (C, K, K)
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (C)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // (B, C, PSout)

override WG: u32 = 64;
override RELU: bool = false;
override RESIDUAL: bool = false;

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
  let plane = r; // b · C + c
  let c = plane % p.C;
  let base = plane * p.PSin;
  let s = i32(p.stride);
  let ox0 = tx * 4u;
  let ix0 = i32(ox0) * s - i32(p.pad);
  var acc = vec4<f32>(bias[c]);
  for (var ky = 0u; ky < p.K; ky++) {
    let iy = i32(oy) * s - i32(p.pad) + i32(ky);
    for (var kx = 0u; kx < p.K; kx++) {
      let wv = w[(c * p.K + ky) * p.K + kx];
      let ix = ix0 + i32(kx);
      let v = vec4<f32>(pixel(base, iy, ix), pixel(base, iy, ix + s), pixel(base, iy, ix + 2 * s), pixel(base, iy, ix + 3 * s));
      acc = fma(vec4(wv), v, acc);
    }
  }
  if (RELU) { acc = max(acc, vec4(0.0)); }
  let out = plane * p.PSout + oy * p.Wo + ox0;
  for (var j = 0u; j < 4u; j++) {
    if (ox0 + j >= p.Wo) { break; }
    var v = acc[j];
    if (RESIDUAL) { v += x[base + oy * p.W + ox0 + j]; }
    y[out + j] = v;
  }
}
