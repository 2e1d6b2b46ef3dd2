// EfficientViT's Residual(FFN) as one fused kernel (shaders/ffn.wgsl):
//   y = x + w2 · relu(w1 · x + b1) + b2,   x: [B, C, H, W], w1: [Hd, C], w2: [C, Hd] row-major, BN folded.
// Tunables chosen here from the shape: PQ (pixel quads per workgroup), WG (one invocation per 16
// hidden rows), HD (hidden rows). The hidden layer goes through a scratch tensor that only this
// node uses (the memory planner shares its buffer with other short-lived tensors). The fused
// schedule uses this kernel when the adapter's Tuning says `ffnOneKernel` (GPU adapters), else two
// pointwise dispatches, which measured faster on SwiftShader (bench/README-pointwise.md); the
// `fused-ffn` schedule always uses it.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { TILE_M, tileWeights } from './pointwise.ts';
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
  });
  return y;
}
