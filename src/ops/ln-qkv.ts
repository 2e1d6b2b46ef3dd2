// EdgeViT's global sparse attention, first half: LayerNorm over channels (norm1) then the qkv linear
// layer, on the delegate tokens only — the pixels (i·sr, j·sr), which upstream picks with
// AvgPool2d(kernel 1, stride sr). One ln_qkv.wgsl dispatch; the delegates are read by indexing, no
// subsampled copy. LayerNorm's γ and β are folded into the linear layer here (W' = W·diag(γ),
// b' = b + W·β), so the kernel only normalises: (x − μ)·rstd. With Tuning.kernels = 'gpu' the GPU
// family's gpu/ln_qkv.wgsl runs instead (32 × 32 workgroup tiles, the statistics a workgroup reduction).
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength } from './common.ts';
import { GPU_KT, GPU_TILE, tileWeights, transposeWeightsGpu } from './pointwise.ts';
import { foldLayerNorm } from '../weights/fold.ts';

export interface LayerNormParams { gamma: Float32Array; beta: Float32Array; eps: number }

/** Outputs × tokens owned by one invocation (fixed by the kernel). */
const TILE_M = 16, TILE_N = 16;

/**
 * x [B, C, H, W] → qkv [B, 3C, H/sr, W/sr]: qkv[o, i, j] = b[o] + Σ_c w[o, c]·LN(x[:, i·sr, j·sr])[c].
 * `w` is the linear layer's [3C, C] weight ([out, in], as torch.nn.Linear stores it), `b` its [3C] bias.
 */
export function lnQkv(g: GraphBuilder, name: string, x: Tensor, sr: number, ln: LayerNormParams, w: Float32Array, b: Float32Array): Tensor {
  if (x.shape.length !== 4) throw new Error(`${name}: input ${x.name} has shape [${x.shape}], expected a feature map [B, C, H, W]`);
  const [B, C, H, W] = x.shape;
  if (!Number.isInteger(sr) || sr < 1) throw new Error(`${name}: sr must be a positive integer (EdgeViT uses 1, 2 or 4), got ${sr}`);
  if (H % sr !== 0 || W % sr !== 0) {
    throw new Error(`${name}: the ${H}×${W} map of ${x.name} [${x.shape}] is not divisible by sr = ${sr}; EdgeViT needs input sizes whose stage maps divide by their sr (e.g. 224, 192, 256)`);
  }
  const M = 3 * C;
  expectLength(name, 'qkv weight', w, M * C);
  expectLength(name, 'qkv bias', b, M);
  expectLength(name, 'LayerNorm weight (gamma)', ln.gamma, C);
  expectLength(name, 'LayerNorm bias (beta)', ln.beta, C);
  if (!(ln.eps > 0)) throw new Error(`${name}: LayerNorm eps must be > 0, got ${ln.eps}`);
  const h = H / sr, wd = W / sr, N = h * wd;
  const y = g.tensor(name, [B, M, h, wd]);
  const { weight, bias } = foldLayerNorm(w, M, b, ln);
  if (g.tuning.kernels === 'gpu') return lnQkvGpu(g, name, x, y, sr, ln.eps, weight, bias);
  const tilesM = Math.ceil(M / TILE_M), tilesN = Math.ceil(N / TILE_N), WG = g.tuning.lnQkv.wg;
  g.node({
    name,
    kernel: g.kernel({ file: 'ln_qkv.wgsl', entry: 'main', overrides: { WG } }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      w: { weight: g.matrixWeight(`${name}.weight`, tileWeights(weight, M, C)) },
      bias: { weight: g.weight(`${name}.bias`, bias, tilesM * TILE_M) },
    },
    params: { C, CS: roundUp(C, 4), W, PS: x.planeStride, sr, w: wd, N, PSo: y.planeStride, M, tilesM, eps: ln.eps },
    workgroups: [tilesN, Math.ceil(tilesM / WG), B],
    flops: 2 * B * N * M * C + 6 * B * N * C,
    // Reads the delegate pixels only, the tiled weights and bias; writes y's padded planes (the tail repeats the last token).
    bytesRead: 4 * (B * N * C + tilesM * TILE_M) + g.matrixBytes * tilesM * TILE_M * roundUp(C, 4),
    bytesWritten: 4 * y.size,
    // One 16 × 16 register tile per invocation over CS channels; before it, invocations 0–3 each run the
    // Welford pass of a token quad (C pushes), 12 vec4 of statistics shared.
    parallelism: { workgroupSize: WG, workgroupMemory: 12 * 16, accumulators: TILE_M * TILE_N, serialFmas: TILE_M * TILE_N * roundUp(C, 4) + 4 * C },
  });
  return y;
}

/** gpu/ln_qkv.wgsl's tile: a workgroup of GPU_SIDE × GPU_SIDE invocations owns 4·GPU_SIDE outputs × 4·GPU_SIDE tokens. */
const GPU_SIDE = 8, GPU_OUT = 4 * GPU_SIDE;

/**
 * The GPU family's dispatch (shaders/gpu/ln_qkv.wgsl): the same folded weights, transposed as
 * gpu/pointwise.wgsl's (`…@gpu`, never shared with the CPU family's layout).
 */
function lnQkvGpu(g: GraphBuilder, name: string, x: Tensor, y: Tensor, sr: number, eps: number, weight: Float32Array, bias: Float32Array): Tensor {
  const [B, C, , W] = x.shape, [, M, h, wd] = y.shape, N = h * wd;
  const MS = roundUp(M, GPU_TILE), CS16 = roundUp(C, GPU_KT);
  const tilesN = Math.ceil(y.planeStride / GPU_OUT), tilesM = Math.ceil(M / GPU_OUT), groups = B * tilesN * tilesM;
  g.node({
    name,
    kernel: g.kernel({ file: 'gpu/ln_qkv.wgsl', entry: 'main' }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      w: { weight: g.matrixWeight(`${name}.weight@gpu`, transposeWeightsGpu(weight, M, C)) },
      bias: { weight: g.weight(`${name}.bias@gpu`, bias, MS) },
    },
    params: { C, W, PS: x.planeStride, sr, w: wd, N, PSo: y.planeStride, M, MS, CS16, eps },
    workgroups: [tilesN, tilesM, B],
    flops: 2 * B * N * M * C + 6 * B * N * C,
    // Each workgroup reads its 32 tokens' C channels twice (statistics, staging), a 32-column slice of
    // the weights (CS16 rows) and of the bias; writes y's padded planes (the tail repeats the last token).
    bytesRead: 4 * groups * GPU_OUT * (2 * C + 1) + g.matrixBytes * groups * CS16 * GPU_OUT,
    bytesWritten: 4 * y.size,
    // 64 invocations, each 4 outputs × 4 tokens (16 floats) over CS16 channels, after its Welford part
    // of ceil(C / 8) channels for 4 tokens; workgroup memory: ws, xs (128 vec4 each), the parts (2 × 64 vec4).
    parallelism: { workgroupSize: GPU_SIDE * GPU_SIDE, workgroupMemory: 16 * (128 + 128 + 64 + 64), accumulators: 16, serialFmas: 16 * CS16 + 4 * Math.ceil(C / GPU_SIDE) },
  });
  return y;
}
