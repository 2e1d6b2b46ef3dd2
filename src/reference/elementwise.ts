// Element-wise activations, arithmetic and row softmax. Every value is computed in float64 and
// rounded to float32 only when stored, so these are at least as exact as PyTorch's float32 kernels.

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969),
// coefficients as in netlib specfun CALERF; relative error below 1e-15 in float64.
const ERF_A = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const ERF_B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const ERFC_C = [
  5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
  1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8,
];
const ERFC_D = [
  1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3,
  4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3,
];
const ERFC_P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
const ERFC_Q = [2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
/** Cody's boundary between the small-argument erf fit and the erfc fits. */
const SMALL = 0.46875;
const ONE_OVER_SQRT_PI = 0.56418958354775628695;

/** exp(-y²) computed as exp(-a²)·exp(-(y-a)(y+a)) with a = y rounded to 1/16, to keep the tail exact. */
function expMinusSquare(y: number): number {
  const a = Math.trunc(y * 16) / 16;
  return Math.exp(-a * a) * Math.exp(-(y - a) * (y + a));
}

/** erfc(y) for y > 0.46875 (Cody's second and third ranges). */
function erfcPositive(y: number): number {
  if (y <= 4) {
    let num = ERFC_C[8] * y, den = y;
    for (let i = 0; i < 7; i++) { num = (num + ERFC_C[i]) * y; den = (den + ERFC_D[i]) * y; }
    return expMinusSquare(y) * (num + ERFC_C[7]) / (den + ERFC_D[7]);
  }
  if (y >= 26.543) return 0; // Cody's XBIG: erfc underflows beyond it
  const z = 1 / (y * y);
  let num = ERFC_P[5] * z, den = z;
  for (let i = 0; i < 4; i++) { num = (num + ERFC_P[i]) * z; den = (den + ERFC_Q[i]) * z; }
  const r = z * (num + ERFC_P[4]) / (den + ERFC_Q[4]);
  return expMinusSquare(y) * (ONE_OVER_SQRT_PI - r) / y;
}

/** erf(x) for |x| ≤ 0.46875 (Cody's first range). */
function erfSmall(x: number): number {
  const z = x * x;
  let num = ERF_A[4] * z, den = z;
  for (let i = 0; i < 3; i++) { num = (num + ERF_A[i]) * z; den = (den + ERF_B[i]) * z; }
  return x * (num + ERF_A[3]) / (den + ERF_B[3]);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= SMALL) return erfSmall(x);
  const e = 1 - erfcPositive(y);
  return x < 0 ? -e : e;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= SMALL) return 1 - erfSmall(x);
  const c = erfcPositive(y);
  return x < 0 ? 2 - c : c;
}

/** Exact GELU, x·Φ(x) = ½·x·erfc(−x/√2) (erfc keeps the negative tail accurate). */
export const geluScalar = (x: number): number => 0.5 * x * erfc(-x / Math.SQRT2);
export const sigmoidScalar = (x: number): number => 1 / (1 + Math.exp(-x));

function map(x: Float32Array, f: (v: number) => number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
  return y;
}

export const relu = (x: Float32Array): Float32Array => map(x, (v) => (v > 0 ? v : 0));
export const sigmoid = (x: Float32Array): Float32Array => map(x, sigmoidScalar);
export const gelu = (x: Float32Array): Float32Array => map(x, geluScalar);

function zip(a: Float32Array, b: Float32Array, f: (u: number, v: number) => number): Float32Array {
  if (a.length !== b.length) throw new Error(`element-wise op on ${a.length} vs ${b.length} values`);
  const y = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = f(a[i], b[i]);
  return y;
}

export const add = (a: Float32Array, b: Float32Array): Float32Array => zip(a, b, (u, v) => u + v);
export const mul = (a: Float32Array, b: Float32Array): Float32Array => zip(a, b, (u, v) => u * v);

/** Softmax along each row of a row-major [rows, cols] matrix, max-subtracted as PyTorch does. */
export function softmaxRows(x: Float32Array, shape: [number, number]): Float32Array {
  const [rows, cols] = shape;
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
    let sum = 0;
    const e = new Float64Array(cols);
    for (let c = 0; c < cols; c++) { e[c] = Math.exp(x[r * cols + c] - max); sum += e[c]; }
    for (let c = 0; c < cols; c++) y[r * cols + c] = e[c] / sum;
  }
  return y;
}
