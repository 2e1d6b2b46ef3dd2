// Exact GELU, x·Φ(x), through erfc (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7) so that the
// negative tail keeps its relative accuracy: 1 + erf(z) = erfc(−z).
fn gelu(x: vec4<f32>) -> vec4<f32> {
  let a = abs(x) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let erfc_a = poly * exp(-a * a);
  return 0.5 * x * select(erfc_a, 2.0 - erfc_a, x >= vec4(0.0));
}
