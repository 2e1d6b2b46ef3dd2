// EdgeViT's global sparse attention, first half: LayerNorm over channels (norm1) then the qkv linear
// layer, on the delegate tokens only — the pixels (i·sr, j·sr), which upstream picks with
// AvgPool2d(kernel 1, stride sr). One ln_qkv.wgsl dispatch; the delegates are read by indexing, no
// subsampled copy. LayerNorm's γ and β are folded into the linear layer here (W' = W·diag(γ),
// b' = b + W·β), so the kernel only normalises: (x − μ)·rstd.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength } from './common.ts';
import { tileWeights } from './pointwise.ts';
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
  });
  return y;
}
