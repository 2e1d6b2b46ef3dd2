// The GPU family's dense convolutions: shaders/gpu/conv2d.wgsl (any kernel size, stride, padding;
// optional ReLU) and shaders/gpu/patch_embed.wgsl (kernel = stride, no padding, then LayerNorm over the
// channels), both the implicit GEMM of shaders/include/implicit_gemm.wgsl: 64 channels × 4·PQ pixels
// per workgroup of PQ × 16 invocations, K = Cin·k·k staged 16 at a time. conv2d (src/ops/conv2d.ts) and
// patchEmbed (src/ops/patch-embed.ts) call these when `g.tuning.kernels === 'gpu'`; the weights,
// [ceil16(K)][ceil64(Cout)] (transposeWeightsGpu), are named `…@gpu`.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { GPU_KT, GPU_TILE, transposeWeightsGpu } from './pointwise.ts';

/** Below this many workgroups of 64-pixel tiles, the tiles narrow to 16 pixels (PQ = 4): a GPU wants hundreds in flight. */
export const CONV_GPU_FILL = 128;

/** Workgroup memory of the implicit GEMM: ws and xs, 256 vec4 each. */
const GEMM_BYTES = 2 * 256 * 16;

interface Gemm { B: number; Cin: number; H: number; W: number; Cout: number; Ho: number; Wo: number; K: number; KS16: number; MS: number; PSout: number }

/** The shape of the implicit GEMM of a k×k conv of x into y. */
function gemmOf(x: Tensor, y: Tensor, k: number): Gemm {
  const [B, Cin, H, W] = x.shape, [, Cout, Ho, Wo] = y.shape;
  const K = Cin * k * k;
  return { B, Cin, H, W, Cout, Ho, Wo, K, KS16: roundUp(K, GPU_KT), MS: roundUp(Cout, GPU_TILE), PSout: y.planeStride };
}

/** Pixel quads per workgroup: 16 (64-pixel tiles), or 4 when those give fewer than CONV_GPU_FILL workgroups of `rowTiles` channel tiles each. */
function pixelQuads(gm: Gemm, rowTiles: number): number {
  return gm.B * rowTiles * Math.ceil(gm.PSout / 64) >= CONV_GPU_FILL ? 16 : 4;
}

/** Bytes the implicit GEMM reads per pass over `rowTiles` channel tiles: every tap of its pixels (padding included) and its weights, per workgroup. */
function gemmBytes(g: GraphBuilder, gm: Gemm, pq: number, rowTiles: number): number {
  const tilesP = Math.ceil(gm.PSout / (4 * pq));
  return 4 * rowTiles * gm.B * tilesP * 4 * pq * gm.K + g.matrixBytes * gm.B * tilesP * rowTiles * gm.KS16 * GPU_TILE;
}

/** gpu/conv2d.wgsl: y = act(conv(x, w) + bias), w [Cout, Cin, k, k] (BN folded). */
export function conv2dGpu(g: GraphBuilder, name: string, x: Tensor, y: Tensor, w: Float32Array, bias: Float32Array,
  spec: { k: number; stride: number; pad: number; relu?: boolean }): Tensor {
  const gm = gemmOf(x, y, spec.k);
  const tilesM = gm.MS / GPU_TILE, pq = pixelQuads(gm, tilesM);
  const tilesP = Math.ceil(gm.PSout / (4 * pq));
  g.node({
    name,
    kernel: g.kernel({ file: 'gpu/conv2d.wgsl', entry: 'main', overrides: { PQ: pq } }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      w: { weight: g.matrixWeight(`${name}.weight@gpu`, transposeWeightsGpu(w, gm.Cout, gm.K)) },
      bias: { weight: g.weight(`${name}.bias@gpu`, bias, gm.MS) },
    },
    params: {
      Cin: gm.Cin, H: gm.H, W: gm.W, PSin: x.planeStride, Cout: gm.Cout, Wo: gm.Wo, P: gm.Ho * gm.Wo, PSout: gm.PSout,
      KH: spec.k, KW: spec.k, stride: spec.stride, pad: spec.pad, K: gm.K, KS16: gm.KS16, MS: gm.MS, relu: spec.relu ? 1 : 0,
    },
    workgroups: [tilesP, tilesM, gm.B],
    flops: 2 * gm.B * gm.Cout * gm.Ho * gm.Wo * gm.K,
    // Reads: each workgroup every tap of its pixels (overlapping patches read again) and its 64 channels'
    // weights and bias. Writes y's planes in whole quads.
    bytesRead: gemmBytes(g, gm, pq, tilesM) + 4 * gm.B * tilesP * tilesM * GPU_TILE,
    bytesWritten: 4 * y.size,
    // 16 × PQ invocations, each 4 channels × 4 pixels (16 floats) over K rounded up to 16; ws + xs.
    parallelism: { workgroupSize: 16 * pq, workgroupMemory: GEMM_BYTES, accumulators: 16, serialFmas: 16 * gm.KS16 },
  });
  return y;
}

/** gpu/patch_embed.wgsl: conv (kernel = stride = k, no padding) + bias, then LayerNorm over the channels at each pixel. */
export function patchEmbedGpu(g: GraphBuilder, name: string, x: Tensor, y: Tensor, w: Float32Array, bias: Float32Array, k: number,
  ln: { gamma: Float32Array; beta: Float32Array; eps: number }): Tensor {
  const gm = gemmOf(x, y, k);
  const tiles = gm.MS / GPU_TILE, pq = pixelQuads(gm, 1);
  const tilesP = Math.ceil(gm.PSout / (4 * pq));
  g.node({
    name,
    kernel: g.kernel({ file: 'gpu/patch_embed.wgsl', entry: 'main', overrides: { PQ: pq } }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      w: { weight: g.matrixWeight(`${name}.weight@gpu`, transposeWeightsGpu(w, gm.Cout, gm.K)) },
      bias: { weight: g.weight(`${name}.bias@gpu`, bias, gm.MS) },
      gamma: { weight: g.weight(`${name}.gamma@gpu`, ln.gamma, gm.MS) },
      beta: { weight: g.weight(`${name}.beta@gpu`, ln.beta, gm.MS) },
    },
    params: {
      Cin: gm.Cin, H: gm.H, W: gm.W, PSin: x.planeStride, Cout: gm.Cout, Wo: gm.Wo, P: gm.Ho * gm.Wo, PSout: gm.PSout,
      KH: k, KW: k, stride: k, pad: 0, K: gm.K, KS16: gm.KS16, MS: gm.MS, eps: ln.eps,
    },
    workgroups: [tilesP, 1, gm.B],
    flops: 2 * gm.B * gm.Cout * gm.K * gm.Ho * gm.Wo + 8 * gm.B * gm.Cout * gm.Ho * gm.Wo,
    // Reads: each workgroup every tap of its pixels once per channel tile, all weights, bias, γ, β; the
    // channel tiles but the last go to y and back (d before the statistics). Writes y.
    bytesRead: gemmBytes(g, gm, pq, tiles) + 4 * (3 * gm.B * tilesP * gm.MS + gm.B * (tiles - 1) * GPU_TILE * gm.PSout),
    bytesWritten: 4 * (y.size + gm.B * (tiles - 1) * GPU_TILE * gm.PSout),
    // 16 × PQ invocations, each 4 channels × 4 pixels over K rounded up to 16 for each of the channel
    // tiles, plus its LayerNorm statistics (n, mean and M2 of 4 pixels: 9 floats); ws + xs + zs.
    parallelism: { workgroupSize: 16 * pq, workgroupMemory: GEMM_BYTES + 16 * 16, accumulators: 16 + 9, serialFmas: 16 * gm.KS16 * tiles },
  });
  return y;
}
