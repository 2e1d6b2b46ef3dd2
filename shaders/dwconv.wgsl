// Depthwise K×K convolution (BN folded into w and bias), with an optional ReLU and an optional
// residual (y = x + dw(x), stride 1). Three entry points share the bindings:
//   k3s1: 3×3 stride 1 pad 1. An invocation walks down `RB` output rows of one channel, TW = 16 (or
//         8) output columns wide, keeping the three input rows it needs as TW + 2-float segments in
//         registers: each step loads one new input row (18 loads for 16 outputs), and the taps
//         kx = 0, 1, 2 are the segment shifted by 0, 1, 2 (swizzles, no loads). The residual is the
//         middle row shifted by 1, already loaded.
//   k3s2: 3×3 stride 2 pad 1, TW = 8 (or 4) output columns: 2·TW + 1-float segments, two new input
//         rows per step.
//   main: any K, stride, pad: 4 outputs per invocation, a guarded load per tap.
// No branches in the loop bodies: out-of-image pixels are a clamped load and a select (a branch per
// load — WGSL's `&&` is one — made the old kernel several times slower on SwiftShader).
struct Params {
  C: u32, H: u32, W: u32, PSin: u32,
  Ho: u32, Wo: u32, PSout: u32,
  K: u32, stride: u32, pad: u32,
  tilesX: u32, // ceil(Wo / 4) (main), ceil(Wo / 16) (k3s1), ceil(Wo / 8) (k3s2)
  RB: u32,     // output rows per invocation (k3s1, k3s2; 1 for main)
  tilesY: u32, // ceil(Ho / RB)
  count: u32,  // B · C · tilesY · tilesX
  XO: u32,     // x: offset of channel 0 of image 0 (0 unless x is a channel slice of a bigger map)
  XBS: u32,    // x: floats between images (C · PSin unless x is a channel slice)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // (B, C, PSin) at XO, images XBS apart
@group(0) @binding(2) var<storage, read> w: array<f32>;        // (C, K, K)
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // (C)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;  // (B, C, PSout)

override WG: u32 = 64;
#include "grid.wgsl"
override RELU: bool = false;
override RESIDUAL: bool = false;
override TW: u32 = 16; // output columns per invocation: k3s1 16 or 8, k3s2 8 or 4 (the smaller for narrow maps)

// Input pixel at column c of the row starting at r, 0 outside the image (ok: the row is inside).
// Never reads outside the row, so NaNs in a plane's padding cannot leak in.
fn ld(r: u32, c: i32, ok: bool) -> f32 {
  return select(0.0, x[r + min(u32(c), p.W - 1u)], ok & (u32(c) < p.W));
}

// 20 consecutive input columns c0 .. c0 + 19 of input row iy (zeros outside the image); only the
// first n are loaded (rounded up to 10; n = TW + 2 for k3s1, 2·TW + 1 for k3s2, a constant after
// inlining), the rest are 0.
struct Seg { q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32>, q4: vec4<f32> }

fn seg(plane: u32, iy: i32, c0: i32, n: u32) -> Seg {
  let ok = u32(iy) < p.H;
  let r = plane + min(u32(iy), p.H - 1u) * p.W;
  var s: Seg;
  s.q0 = vec4(ld(r, c0, ok), ld(r, c0 + 1, ok), ld(r, c0 + 2, ok), ld(r, c0 + 3, ok));
  s.q1 = vec4(ld(r, c0 + 4, ok), ld(r, c0 + 5, ok), ld(r, c0 + 6, ok), ld(r, c0 + 7, ok));
  if (n <= 10u) {
    s.q2 = vec4(ld(r, c0 + 8, ok), ld(r, c0 + 9, ok), 0.0, 0.0);
    return s;
  }
  s.q2 = vec4(ld(r, c0 + 8, ok), ld(r, c0 + 9, ok), ld(r, c0 + 10, ok), ld(r, c0 + 11, ok));
  s.q3 = vec4(ld(r, c0 + 12, ok), ld(r, c0 + 13, ok), ld(r, c0 + 14, ok), ld(r, c0 + 15, ok));
  s.q4 = vec4(ld(r, c0 + 16, ok), 0.0, 0.0, 0.0);
  if (n == 18u) { s.q4.y = ld(r, c0 + 17, ok); }
  return s;
}

// One kernel row (taps k.x, k.y, k.z) over 4 outputs whose first tap column is quad a (b: the next quad).
fn taps1(acc: vec4<f32>, a: vec4<f32>, b: vec4<f32>, k: vec3<f32>) -> vec4<f32> {
  return fma(vec4(k.z), vec4(a.zw, b.xy), fma(vec4(k.y), vec4(a.yzw, b.x), fma(vec4(k.x), a, acc)));
}

// Stride 2: 4 outputs whose first tap columns are 0, 2, 4, 6 of the 8 columns in a, b (c: the next quad).
fn taps2(acc: vec4<f32>, a: vec4<f32>, b: vec4<f32>, c: vec4<f32>, k: vec3<f32>) -> vec4<f32> {
  return fma(vec4(k.z), vec4(a.z, b.xz, c.x), fma(vec4(k.y), vec4(a.yw, b.yw), fma(vec4(k.x), vec4(a.xz, b.xz), acc)));
}

fn out4(v: vec4<f32>, res: vec4<f32>) -> vec4<f32> {
  var r = v;
  if (RELU) { r = max(r, vec4(0.0)); }
  if (RESIDUAL) { r += res; }
  return r;
}

// Stores up to 4 outputs at o (n: how many of them are inside the row).
fn put4(o: u32, n: i32, v: vec4<f32>) {
  if (n >= 4) { y[o] = v.x; y[o + 1u] = v.y; y[o + 2u] = v.z; y[o + 3u] = v.w; return; }
  if (n > 0) { y[o] = v.x; }
  if (n > 1) { y[o + 1u] = v.y; }
  if (n > 2) { y[o + 2u] = v.z; }
}

struct Tile { plane: u32, c: u32, ox0: u32, oy0: u32, oy1: u32 }

// Where input plane b · C + c starts.
fn xplane(plane: u32) -> u32 { return p.XO + (plane / p.C) * p.XBS + (plane % p.C) * p.PSin; }

fn tile(id: u32, width: u32) -> Tile {
  let t = unflatten(id, vec3(p.tilesX, p.tilesY, 1u));
  let tx = t.x; let ty = t.y; let plane = t.w; // plane: b · C + c
  let oy0 = ty * p.RB;
  return Tile(plane, plane % p.C, tx * width, oy0, min(oy0 + p.RB, p.Ho));
}

// Channel c's 3×3 kernel, one row per vec3, and its bias in each lane.
struct Kernel3 { k0: vec3<f32>, k1: vec3<f32>, k2: vec3<f32>, bv: vec4<f32> }
fn kernel3(c: u32) -> Kernel3 {
  let i = c * 9u;
  return Kernel3(vec3(w[i], w[i + 1u], w[i + 2u]), vec3(w[i + 3u], w[i + 4u], w[i + 5u]), vec3(w[i + 6u], w[i + 7u], w[i + 8u]), vec4(bias[c]));
}

@compute @workgroup_size(WG)
fn k3s1(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = tile(id, TW);
  let k = kernel3(t.c);
  let xin = xplane(t.plane);
  let c0 = i32(t.ox0) - 1;
  let n = i32(p.Wo) - i32(t.ox0);
  var top = seg(xin, i32(t.oy0) - 1, c0, TW + 2u);
  var mid = seg(xin, i32(t.oy0), c0, TW + 2u);
  for (var oy = t.oy0; oy < t.oy1; oy++) {
    let bot = seg(xin, i32(oy) + 1, c0, TW + 2u);
    var a0 = taps1(taps1(taps1(k.bv, top.q0, top.q1, k.k0), mid.q0, mid.q1, k.k1), bot.q0, bot.q1, k.k2);
    var a1 = taps1(taps1(taps1(k.bv, top.q1, top.q2, k.k0), mid.q1, mid.q2, k.k1), bot.q1, bot.q2, k.k2);
    a0 = out4(a0, vec4(mid.q0.yzw, mid.q1.x));
    a1 = out4(a1, vec4(mid.q1.yzw, mid.q2.x));
    let o = t.plane * p.PSout + oy * p.Wo + t.ox0;
    put4(o, n, a0);
    put4(o + 4u, n - 4, a1);
    if (TW == 16u) {
      var a2 = taps1(taps1(taps1(k.bv, top.q2, top.q3, k.k0), mid.q2, mid.q3, k.k1), bot.q2, bot.q3, k.k2);
      var a3 = taps1(taps1(taps1(k.bv, top.q3, top.q4, k.k0), mid.q3, mid.q4, k.k1), bot.q3, bot.q4, k.k2);
      a2 = out4(a2, vec4(mid.q2.yzw, mid.q3.x));
      a3 = out4(a3, vec4(mid.q3.yzw, mid.q4.x));
      put4(o + 8u, n - 8, a2);
      put4(o + 12u, n - 12, a3);
    }
    top = mid;
    mid = bot;
  }
}

@compute @workgroup_size(WG)
fn k3s2(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = tile(id, TW);
  let k = kernel3(t.c);
  let xin = xplane(t.plane);
  let c0 = i32(t.ox0 * 2u) - 1;
  let n = i32(p.Wo) - i32(t.ox0);
  var top = seg(xin, i32(t.oy0 * 2u) - 1, c0, 2u * TW + 1u);
  for (var oy = t.oy0; oy < t.oy1; oy++) {
    let mid = seg(xin, i32(oy * 2u), c0, 2u * TW + 1u);
    let bot = seg(xin, i32(oy * 2u) + 1, c0, 2u * TW + 1u);
    var a0 = taps2(taps2(taps2(k.bv, top.q0, top.q1, top.q2, k.k0), mid.q0, mid.q1, mid.q2, k.k1), bot.q0, bot.q1, bot.q2, k.k2);
    let o = t.plane * p.PSout + oy * p.Wo + t.ox0;
    put4(o, n, out4(a0, vec4(0.0)));
    if (TW == 8u) {
      let a1 = taps2(taps2(taps2(k.bv, top.q2, top.q3, top.q4, k.k0), mid.q2, mid.q3, mid.q4, k.k1), bot.q2, bot.q3, bot.q4, k.k2);
      put4(o + 4u, n - 4, out4(a1, vec4(0.0)));
    }
    top = bot;
  }
}

#include "padded_pixel.wgsl"

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = invocation(gid, nwg);
  if (id >= p.count) { return; }
  let t = unflatten(id, vec3(p.tilesX, p.Ho, 1u));
  let tx = t.x; let oy = t.y; let plane = t.w; // plane: b · C + c
  let c = plane % p.C;
  let base = xplane(plane);
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
