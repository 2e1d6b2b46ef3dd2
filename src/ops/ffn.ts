// EfficientViT's Residual(FFN) as one fused kernel (shaders/ffn.wgsl):
//   y = x + w2 · relu(w1 · x + b1) + b2,   x: [B, C, H, W], w1: [Hd, C], w2: [C, Hd] row-major, BN folded.
// Tunables chosen here from the shape: PQ (pixel quads per workgroup), WG (one invocation per 16
// hidden rows), HD (hidden rows). The hidden layer goes through a scratch tensor that only this
// node uses (the memory planner shares its buffer with other short-lived tensors). The fused
// schedule uses this kernel when the adapter's Tuning says `ffnOneKernel` (GPU adapters), else two
// pointwise dispatches, which measured faster on SwiftShader (bench/README-pointwise.md); the
// `fused-ffn` schedule always uses it. With Tuning.kernels = 'gpu' the GPU family's gpu/ffn.wgsl runs
// instead: the hidden activations stay in workgroup memory, no scratch tensor.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { GPU_KT, GPU_TILE, TILE_M, tileWeights, transposeWeightsGpu } from './pointwise.ts';
import { DEFAULT_LIMITS } from '../tuning.ts';

export interface FfnOptions {
  /** fewer workgroups than this leave the adapter's workers idle (ffn(): default the tuning's) */
  minWorkgroups?: number;
  /** the largest workgroup allowed (ffn(): default the tuning's maxInvocations; ffnTiling: WebGPU's default limit) */
  maxInvocations?: number;
  /** pixel quads per workgroup: 4, 2 or 1 (default from the shape, see ffnTiling) */
  pq?: number;
}

export interface FfnTiling { pq: number; wg: number; hd: number; tilesP: number }

/**
 * PQ: 4 (16 pixels per workgroup, the most reuse of each weight load) unless that leaves fewer than
 * minWorkgroups workgroups, then 2 or 1. WG: one invocation per 16 hidden rows (phase 1), which
 * also covers the C/16 output tiles (phase 2).
 */
export function ffnTiling(B: number, C: number, hidden: number, planeStride: number, opts: FfnOptions & { minWorkgroups: number }): FfnTiling {
  const ps4 = planeStride / 4;
  const hd = roundUp(hidden, TILE_M);
  let pq = opts.pq ?? 4;
  if (opts.pq === undefined) while (pq > 1 && B * Math.ceil(ps4 / pq) < opts.minWorkgroups) pq /= 2;
  if (![1, 2, 4].includes(pq)) throw new Error(`ffn: pq must be 1, 2 or 4, got ${pq}`);
  const wg = roundUp(Math.max(hd / TILE_M, Math.ceil(C / TILE_M)), 4);
  const maxInv = opts.maxInvocations ?? DEFAULT_LIMITS.maxComputeInvocationsPerWorkgroup;
  if (wg > maxInv) throw new Error(`ffn: ${hidden} hidden rows need ${wg} invocations per workgroup, the device allows ${maxInv}; build the FFN from two pointwise ops`);
  return { pq, wg, hd, tilesP: Math.ceil(ps4 / pq) };
}

export function ffn(g: GraphBuilder, name: string, x: Tensor, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, opts: FfnOptions = {}): Tensor {
  if (x.shape.length !== 4) throw new Error(`${name}: ffn input ${x.name} has shape [${x.shape}], expected [B, C, H, W]`);
  const [B, C, H, W] = x.shape;
  const hidden = b1.length;
  expectLength(name, 'w1 [hidden, C]', w1, hidden * C);
  expectLength(name, 'w2 [C, hidden]', w2, C * hidden);
  expectLength(name, 'b2', b2, C);
  const y = g.tensor(name, [B, C, H, W]);
  if (g.tuning.kernels === 'gpu') return ffnGpu(g, name, x, y, w1, b1, w2, b2);
  const PS = x.planeStride;
  const t = ffnTiling(B, C, hidden, PS, { ...opts, minWorkgroups: opts.minWorkgroups ?? g.tuning.ffn.minWorkgroups, maxInvocations: opts.maxInvocations ?? g.tuning.maxInvocations });
  const count = B * t.tilesP;
  // (B · tilesP, HD, PQ quads): each workgroup's hidden tile, contiguous.
  const hiddenScratch = g.tensor(`${name}.hidden`, [count, t.hd, 1, 4 * t.pq]);
  const w1t = tileWeights(w1, hidden, C), w2t = tileWeights(w2, C, hidden, t.hd);
  g.node({
    name,
    kernel: g.kernel({ file: 'ffn.wgsl', entry: 'main', overrides: { WG: t.wg, PQ: t.pq, HD: t.hd } }),
    bind: {
      x: { tensor: x }, y: { tensor: y }, h: { tensor: hiddenScratch },
      w1: { weight: g.matrixWeight(`${name}.w1`, w1t) },
      b1: { weight: g.weight(`${name}.b1`, b1, t.hd) },
      w2: { weight: g.matrixWeight(`${name}.w2`, w2t) },
      b2: { weight: g.weight(`${name}.b2`, b2, roundUp(C, TILE_M)) },
    },
    params: { C, CS: roundUp(C, 4), PS, tilesP: t.tilesP, count },
    workgroups: grid1d(count, 1),
    flops: 4 * B * C * hidden * H * W,
    // Reads x (also as the residual), both tiled weight matrices and biases; the hidden tile goes through
    // the scratch (written, read back); writes y.
    bytesRead: 4 * (x.size + t.hd + roundUp(C, TILE_M) + hiddenScratch.size) + g.matrixBytes * (w1t.length + w2t.length),
    bytesWritten: 4 * (y.size + hiddenScratch.size),
    // Two 16 × 16 register tiles per invocation, one after the other: CS channels into 16 hidden rows, then HD hidden rows into 16 output rows.
    parallelism: { workgroupSize: t.wg, workgroupMemory: 0, accumulators: TILE_M * TILE_M, serialFmas: TILE_M * TILE_M * (roundUp(C, 4) + t.hd) },
  });
  return y;
}

/** gpu/ffn.wgsl's tile: GPU_PIXELS pixels × GPU_OUT output channels per workgroup of 8 × 16 invocations, the hidden dim in chunks of 16 rows. */
const GPU_PIXELS = 32, GPU_OUT = 64, GPU_CHUNK = 16, GPU_INVOCATIONS = 128;

/**
 * The GPU family's dispatch (shaders/gpu/ffn.wgsl): the same weights, transposed as
 * gpu/pointwise.wgsl's (`…@gpu`); no hidden scratch, no limit on the hidden width.
 */
function ffnGpu(g: GraphBuilder, name: string, x: Tensor, y: Tensor, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array): Tensor {
  const [B, C, H, W] = x.shape, hidden = b1.length;
  const HS16 = roundUp(hidden, GPU_CHUNK), HS = roundUp(hidden, GPU_TILE), CS16 = roundUp(C, GPU_KT), CS64 = roundUp(C, GPU_OUT);
  const tilesP = Math.ceil(x.planeStride / GPU_PIXELS), tilesO = CS64 / GPU_OUT, groups = B * tilesP * tilesO;
  g.node({
    name,
    kernel: g.kernel({ file: 'gpu/ffn.wgsl', entry: 'main' }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      w1: { weight: g.matrixWeight(`${name}.w1@gpu`, transposeWeightsGpu(w1, hidden, C)) },
      b1: { weight: g.weight(`${name}.b1@gpu`, b1, HS) },
      w2: { weight: g.matrixWeight(`${name}.w2@gpu`, transposeWeightsGpu(w2, C, hidden)) },
      b2: { weight: g.weight(`${name}.b2@gpu`, b2, CS64) },
    },
    params: { C, PS: x.planeStride, HS16, HS, CS16, CS64 },
    workgroups: [tilesP, tilesO, B],
    flops: 4 * B * C * hidden * H * W,
    // Each output tile reads its pixels' C channels once per hidden chunk (the recomputed first product),
    // w1 (CS16 × HS16) and its 64 columns of w2 (HS16 rows), b1 and its slice of b2; the residual once. Writes y.
    bytesRead: 4 * (x.size * tilesO * (HS16 / GPU_CHUNK) + y.size + groups * (HS16 + GPU_OUT)) + g.matrixBytes * groups * HS16 * (CS16 + GPU_OUT),
    bytesWritten: 4 * y.size,
    // 128 invocations, each 4 output channels × 4 pixels (16 floats) plus, in phase 1, one hidden vec4
    // (4 floats); per chunk 4·CS16 multiply-adds into the hidden vec4, then 16 × 16 into the tile.
    // Workgroup memory: xs, hs (128 vec4 each), w1s (64), w2s (256).
    parallelism: { workgroupSize: GPU_INVOCATIONS, workgroupMemory: 16 * (128 + 128 + 64 + 256), accumulators: 16 + 4, serialFmas: (HS16 / GPU_CHUNK) * (4 * CS16 + 16 * GPU_CHUNK) },
  });
  return y;
}
