// LayerNorm statistics: the one algorithm of every kernel that normalises (pointwise.wgsl's LN_IN,
// ln_qkv.wgsl, norm.wgsl, patch_embed.wgsl, local_prop_proj.wgsl). Each lane of a vec4 is a vector
// of its own (a pixel or a token); the statistics run over the vector's channels.
//  1. Shifted data: a kernel may take every value relative to one value of the same vector (its first
//     channel, or the mean of its first few), d = x − s. When |mean| ≫ spread, x and s are within a factor 2 of each other and d is
//     exact (Sterbenz), so nothing after that sees the offset. (Any shift works for step 2; a value of
//     the vector keeps the sums of step 3 at the spread's scale.)
//  2. Count, mean and M2 = Σ(d − mean)², combined by Welford's update and Chan et al.'s merge of two
//     parts. Σd² − n·mean² cancels when |mean| ≫ spread, so it is used on shifted data only, where the
//     shift is the mean of a few of the vector's own values (LnSums below): then it loses
//     log2(1 + n·(mean − shift)²/M2) bits, a few at most, however large the offset.
//  3. The kernel normalises (d − mean)·rstd, or, with γ folded into the next matrix, applies
//     Σ_k w·(d − mean) = Σ_k w·d − mean·Σ_k w: with d shifted both terms are of the spread's size.
// Biased variance, eps inside the square root, as torch.nn.LayerNorm.

struct LnStats {
  n: f32,          // values so far (the same for the 4 lanes)
  mean: vec4<f32>, // their mean
  m2: vec4<f32>,   // Σ (value − mean)²
}

fn ln_none() -> LnStats {
  return LnStats(0.0, vec4(0.0), vec4(0.0));
}

// Chan et al.: the statistics of two disjoint parts together.
fn ln_merge(a: LnStats, b: LnStats) -> LnStats {
  let n = a.n + b.n;
  let f = b.n / max(n, 1.0);
  let delta = b.mean - a.mean;
  return LnStats(n, fma(delta, vec4(f), a.mean), fma(delta * delta, vec4(a.n * f), a.m2 + b.m2));
}

// Welford: one more value per lane.
fn ln_push(a: LnStats, d: vec4<f32>) -> LnStats {
  return ln_merge(a, LnStats(1.0, d, vec4(0.0)));
}

// A part's term of a multi-part M2 (parts in different invocations, summed through workgroup memory;
// the whole mean is the sum of the parts' n·mean over the whole n): its M2 plus n·(its mean − the
// whole mean)². All parts must share the shift.
fn ln_part_m2(part: LnStats, mean: vec4<f32>) -> vec4<f32> {
  let dm = part.mean - mean;
  return fma(dm * dm, vec4(part.n), part.m2);
}

// Shifted sums Σd and Σd² for a kernel whose inner loop cannot afford a merge per step (pointwise.wgsl's
// LN_IN, beside its 16×16 tile): only for d shifted by the mean of a few of the vector's values (step 2).
struct LnSums {
  s1: vec4<f32>, // Σ d
  s2: vec4<f32>, // Σ d²
}

// Adds a block of 4 values per lane, d0 .. d3, of which d1 .. d3 count where keep.x .. keep.z is 1
// (0: past the vector's end; those values must be finite).
fn ln_sum4(a: ptr<function, LnSums>, d0: vec4<f32>, d1: vec4<f32>, d2: vec4<f32>, d3: vec4<f32>, keep: vec3<f32>) {
  let e1 = d1 * keep.x;
  let e2 = d2 * keep.y;
  let e3 = d3 * keep.z;
  (*a).s1 += (d0 + e1) + (e2 + e3);
  (*a).s2 = fma(e3, e3, fma(e2, e2, fma(e1, e1, fma(d0, d0, (*a).s2))));
}

// The statistics of n values from their shifted sums.
fn ln_from_sums(n: f32, a: LnSums) -> LnStats {
  let mean = a.s1 * (1.0 / n);
  return LnStats(n, mean, max(a.s2 - a.s1 * mean, vec4(0.0)));
}

// 1 / √(variance + eps).
fn ln_rstd(s: LnStats, eps: f32) -> vec4<f32> {
  return inverseSqrt(s.m2 / s.n + eps);
}
