// 1×1 convolution with bias and fused epilogues (ReLU before/after, residual add, per-(b,k) input
// scale from squeeze-excite). Weights arrive BN-folded: w [M, K] row-major, bias [M]. The kernel
// (shaders/pointwise.wgsl) owns 16×16 output tiles; the weights are stored tile by tile so that the
// 16 rows × 4 columns it reads per step are 16 consecutive vec4.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength, expectShape, grid1d } from './common.ts';
import { foldLayerNorm } from '../weights/fold.ts';

export interface PointwiseOptions {
  reluIn?: boolean;
  reluOut?: boolean;
  residual?: Tensor;
  /** [B, K] multiplier on the input channels (squeeze-excite gate) */
  scale?: Tensor;
  /** exact GELU on the output (before the residual) */
  geluOut?: boolean;
  /** [K] subtracted from the input channels after ReLU and the scale (a BatchNorm's running mean, its scale folded into w) */
  shift?: Float32Array;
  /** LayerNorm over the input channels at each pixel, fused (γ, β folded into w and bias) */
  ln?: { gamma: Float32Array; beta: Float32Array; eps: number };
  /** workgroup size (multiple of 4); default: 16, or 4 when there are few tiles (see bench/README.md) */
  wg?: number;
}

/** Σ_k w[r, k] of each row of a row-major [m, k] matrix (in float64, rounded once). */
export function rowSums(w: Float32Array, m: number, k: number): Float32Array {
  const out = new Float32Array(m);
  for (let r = 0; r < m; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += w[r * k + c];
    out[r] = sum;
  }
  return out;
}

/** The GPU family's tile: each workgroup of 16 × 16 invocations owns GPU_TILE rows × GPU_TILE pixels, staging GPU_KT input channels at a time. */
export const GPU_TILE = 64, GPU_KT = 16;

/**
 * shaders/gpu/pointwise.wgsl's parallelism: 16 × 16 invocations, each 4 rows × 4 pixels (16
 * accumulators) over K rounded up to 16; workgroup memory ws, xs (256 vec4 each) and zs (16 vec4).
 */
export const GPU_POINTWISE_PARALLELISM = (ks16: number) => ({ workgroupSize: 256, workgroupMemory: 16 * (256 + 256 + 16), accumulators: 16, serialFmas: 16 * ks16 });

/**
 * The GPU family's weight layout (shaders/gpu/pointwise.wgsl): w [m, k] row-major → transposed,
 * [ceil16(k)][ceil64(m)], zero padded.
 */
export function transposeWeightsGpu(w: Float32Array, m: number, k: number): Float32Array {
  const ms = roundUp(m, GPU_TILE), ks = roundUp(k, GPU_KT);
  const out = new Float32Array(ks * ms);
  for (let r = 0; r < m; r++) for (let c = 0; c < k; c++) out[c * ms + r] = w[r * k + c];
  return out;
}

/** Output tile of one invocation: TILE_M rows × TILE_P pixels. */
export const TILE_M = 16, TILE_P = 16;

/** w [m, k] row-major → [ceil16(m) / 16][ks / 4][16 rows][4 columns], zero padded (ks ≥ k, a multiple of 4). */
export function tileWeights(w: Float32Array, m: number, k: number, ks = roundUp(k, 4)): Float32Array {
  if (ks % 4 !== 0 || ks < k) throw new Error(`tileWeights: padded width ${ks} must be a multiple of 4 and ≥ ${k}`);
  const tiles = Math.ceil(m / TILE_M);
  const out = new Float32Array(tiles * ks * TILE_M);
  for (let r = 0; r < m; r++) {
    const t = Math.floor(r / TILE_M), i = r % TILE_M;
    for (let c = 0; c < k; c++) out[((t * (ks / 4) + (c >> 2)) * TILE_M + i) * 4 + (c & 3)] = w[r * k + c];
  }
  return out;
}

export function pointwise(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, m: number, opts: PointwiseOptions = {}): Tensor {
  const [B, K, H, W] = x.shape;
  expectLength(name, 'weight', w, m * K);
  expectLength(name, 'bias', bias, m);
  const y = g.tensor(name, [B, m, H, W]);
  if (opts.residual) expectShape(name, opts.residual, [B, m, H, W]);
  if (opts.scale) expectShape(name, opts.scale, [B, K]);
  if (opts.shift) expectLength(name, 'input shift', opts.shift, K);
  if (opts.shift && opts.ln) throw new Error(`${name}: an input shift and a LayerNorm cannot be fused together`);
  if (opts.ln) { expectLength(name, 'LayerNorm weight', opts.ln.gamma, K); expectLength(name, 'LayerNorm bias', opts.ln.beta, K); }
  const folded = opts.ln ? foldLayerNorm(w, m, bias, opts.ln) : null;
  if (g.tuning.kernels === 'gpu') return pointwiseGpu(g, name, x, y, folded?.weight ?? w, folded?.bias ?? bias, m, opts, !!folded);
  const ref = g.matrixWeight(`${name}.weight`, tileWeights(folded?.weight ?? w, m, K));
  const b = g.weight(`${name}.bias`, folded?.bias ?? bias, roundUp(m, TILE_M));
  const rsum = folded ? g.weight(`${name}.rowsum`, rowSums(folded.weight, m, K), roundUp(m, TILE_M)) : null;
  const PS = x.planeStride;
  const tilesM = Math.ceil(m / TILE_M), tilesP = Math.ceil(PS / TILE_P);
  const count = B * tilesM * tilesP;
  // Small layers need small workgroups to give every worker of the adapter one (g.tuning).
  const t = g.tuning.pointwise;
  const wg = opts.wg ?? (count < t.smallBelow ? t.smallWg : t.wg);
  if (wg % 4 !== 0) throw new Error(`${name}: workgroup size ${wg} must be a multiple of 4 (GPUs and SwiftShader run 4 lanes at a time)`);
  g.node({
    name,
    kernel: g.kernel({
      file: 'pointwise.wgsl', entry: 'main',
      overrides: {
        WG: wg, RELU_IN: !!opts.reluIn, RELU_OUT: !!opts.reluOut, GELU_OUT: !!opts.geluOut, HAS_RES: !!opts.residual, HAS_SCALE: !!opts.scale,
        ...(opts.shift ? { HAS_SHIFT: true } : {}),
        ...(opts.ln ? { LN_IN: true, LN_EPS: opts.ln.eps } : {}),
      },
    }),
    bind: {
      x: { tensor: x }, w: { weight: ref }, bias: { weight: b }, y: { tensor: y },
      res: opts.residual ? { tensor: opts.residual } : { empty: true },
      scale: opts.scale ? { tensor: opts.scale } : { empty: true },
      rsum: rsum ? { weight: rsum } : { empty: true },
      shift: opts.shift ? { weight: g.weight(`${name}.shift`, opts.shift, roundUp(K, 4)) } : { empty: true },
    },
    params: { M: m, K, PS, KS: roundUp(K, 4), tilesM, tilesP, count },
    workgroups: grid1d(count, wg),
    flops: 2 * B * m * K * H * W,
    // Reads: x's padded planes, the tiled weights and bias (and rowsum with LN, the shift), the residual and the gate, each once; writes y.
    bytesRead: 4 * (x.size + tilesM * TILE_M * (1 + (rsum ? 1 : 0)) + (opts.shift ? roundUp(K, 4) : 0) + (opts.residual ? y.size : 0) + (opts.scale ? opts.scale.size : 0)) + g.matrixBytes * tilesM * TILE_M * roundUp(K, 4),
    bytesWritten: 4 * y.size,
    // One 16 × 16 register tile per invocation: K multiply-adds into each of its 256 outputs, one after another.
    parallelism: { workgroupSize: wg, workgroupMemory: 0, accumulators: TILE_M * TILE_P, serialFmas: TILE_M * TILE_P * K },
  });
  return y;
}

/**
 * The GPU family's dispatch (shaders/gpu/pointwise.wgsl): the same stages from the same (folded)
 * weights; its weights are named `…@gpu` (another layout, never shared with the CPU family's).
 */
function pointwiseGpu(g: GraphBuilder, name: string, x: Tensor, y: Tensor, w: Float32Array, bias: Float32Array, m: number, opts: PointwiseOptions, ln: boolean): Tensor {
  const [B, K, H, W] = x.shape;
  const PS = x.planeStride, MS = roundUp(m, GPU_TILE), KS16 = roundUp(K, GPU_KT);
  const tilesP = Math.ceil(PS / GPU_TILE), tilesM = MS / GPU_TILE;
  const { splits, KPS } = splitK(g, tilesP * tilesM * B, KS16, ln);
  const stages = {
    RELU_IN: !!opts.reluIn, RELU_OUT: !!opts.reluOut, GELU_OUT: !!opts.geluOut, HAS_RES: !!opts.residual, HAS_SCALE: !!opts.scale,
    ...(opts.shift ? { HAS_SHIFT: true } : {}),
    ...(ln && opts.ln ? { LN_IN: true, LN_EPS: opts.ln.eps } : {}),
  };
  const wRef = g.matrixWeight(`${name}.weight@gpu`, transposeWeightsGpu(w, m, K));
  const bRef = g.weight(`${name}.bias@gpu`, bias, MS);
  const inputs = {
    scale: opts.scale ? { tensor: opts.scale } : { empty: true as const },
    rsum: ln ? { weight: g.weight(`${name}.rowsum@gpu`, rowSums(w, m, K), MS) } : { empty: true as const },
    shift: opts.shift ? { weight: g.weight(`${name}.shift`, opts.shift, roundUp(K, 4)) } : { empty: true as const },
  };
  const params = { M: m, K, PS, KS: roundUp(K, 4), KS16, MS, splits, KPS, B };
  const flops = 2 * B * m * K * H * W;
  // Reads: each row tile reads x's planes once, each pixel tile the weights once; bias, rowsum, the
  // shift and the gate per workgroup (small). Without a split: the residual once, y written once.
  const bytesRead = 4 * (x.size * tilesM + B * tilesP * tilesM * GPU_TILE * (ln ? 2 : 1)) + g.matrixBytes * B * tilesP * KS16 * MS;
  if (splits === 1) {
    g.node({
      name,
      kernel: g.kernel({ file: 'gpu/pointwise.wgsl', entry: 'main', overrides: stages }),
      bind: { x: { tensor: x }, w: { weight: wRef }, bias: { weight: bRef }, y: { tensor: y }, res: opts.residual ? { tensor: opts.residual } : { empty: true }, ...inputs },
      params, workgroups: [tilesP, tilesM, B],
      flops, bytesRead: bytesRead + (opts.residual ? 4 * y.size : 0), bytesWritten: 4 * y.size,
      parallelism: GPU_POINTWISE_PARALLELISM(KS16),
    });
    return y;
  }
  // Split-K: the splits' partial sums, then their sum with the bias and the output stage.
  const part = g.tensor(`${name}.partials`, [splits * B, m, H, W]);
  g.node({
    name: `${name}.split`,
    kernel: g.kernel({ file: 'gpu/pointwise.wgsl', entry: 'main', overrides: { ...stages, RELU_OUT: false, GELU_OUT: false, HAS_RES: false, SPLIT_K: true } }),
    bind: { x: { tensor: x }, w: { weight: wRef }, bias: { weight: bRef }, y: { tensor: part }, res: { empty: true }, ...inputs },
    params, workgroups: [tilesP, tilesM, B * splits],
    flops, bytesRead, bytesWritten: 4 * part.size,
    parallelism: GPU_POINTWISE_PARALLELISM(KPS),
  });
  const count = B * m * (PS / 4);
  g.node({
    name,
    // No matrix weights: the f32 form, whatever the pool's (g.kernel would ask for a half form).
    kernel: { file: 'gpu/pointwise.wgsl', entry: 'reduce', overrides: { RELU_OUT: !!opts.reluOut, GELU_OUT: !!opts.geluOut, HAS_RES: !!opts.residual } },
    bind: { x: { tensor: part }, bias: { weight: bRef }, y: { tensor: y }, res: opts.residual ? { tensor: opts.residual } : { empty: true } },
    params, workgroups: grid1d(count, GPU_REDUCE_WG),
    // One add per split and output, beyond the GEMM's FLOPs (counted by the first dispatch).
    flops: splits * B * m * H * W,
    bytesRead: 4 * (part.size + MS + (opts.residual ? y.size : 0)), bytesWritten: 4 * y.size,
    // One output vec4 per invocation: the splits' vec4 added one after another.
    parallelism: { workgroupSize: GPU_REDUCE_WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 * splits },
  });
  return y;
}

/** gpu/pointwise.wgsl's `reduce` entry point: invocations per workgroup. */
const GPU_REDUCE_WG = 64;

/**
 * How many K splits the GPU kernel runs (Tuning.splitK): a dispatch of fewer than `below` workgroups
 * splits K into chunks of at least `minK` (multiples of 16) until it has about `below`; a LayerNorm
 * input does not split (its statistics need every channel in one workgroup).
 */
export function splitK(g: GraphBuilder, workgroups: number, ks16: number, ln: boolean): { splits: number; KPS: number } {
  const t = g.tuning.splitK;
  if (ln || workgroups >= t.below || ks16 < 2 * t.minK) return { splits: 1, KPS: ks16 };
  const want = Math.min(Math.floor(ks16 / t.minK), Math.ceil(t.below / workgroups));
  const KPS = roundUp(Math.ceil(ks16 / want), GPU_KT);
  return { splits: Math.ceil(ks16 / KPS), KPS };
}
