// EdgeViT's global sparse attention, output side, as one fused kernel (shaders/local_prop_proj.wgsl):
//   u   = LocalProp(o)   depthwise ConvTranspose2d, kernel = stride = sr   (sr > 1 only)
//   n   = LayerNorm_c(u)                                                   (when ln is given)
//   out = residual + proj(n)                                               (linear C → C)
//   o: [B, C, h, w] on the delegate grid, residual: [B, C, h·sr, w·sr] → [B, C, h·sr, w·sr]
// LayerNorm's gamma and beta are folded into proj here (W' = W·diag(γ), b' = b + W·β), so the kernel
// only centres and scales u. The GPU family (shaders/gpu/local_prop_proj.wgsl, localPropProjGpu
// below) takes the same inputs in 64 × 64 workgroup tiles.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Tensor } from '../graph/ir.ts';
import { expectLength, expectShape, grid1d } from './common.ts';
import { GPU_KT, GPU_TILE, rowSums, TILE_M, tileWeights, transposeWeightsGpu } from './pointwise.ts';
import { foldLayerNorm } from '../weights/fold.ts';
import { channelGroupTiling } from './patch-embed.ts';

export interface LocalProp { weight: Float32Array; bias: Float32Array }
export interface ChannelNorm { gamma: Float32Array; beta: Float32Array; eps: number }
export interface Linear { weight: Float32Array; bias: Float32Array }

/** Tile width (4, 8 or 16 pixels; height 16/width) with the least padding of an H×W map; ties go to the wider tile (fewer kernel rows to load). */
export function tileWidth(H: number, W: number): number {
  let best = 16, area = Infinity;
  for (const tw of [16, 8, 4]) {
    const th = 16 / tw;
    const a = Math.ceil(W / tw) * tw * Math.ceil(H / th) * th;
    if (a < area) { best = tw; area = a; }
  }
  return best;
}

export function localPropProj(g: GraphBuilder, name: string, o: Tensor, sr: number, lp: LocalProp | null, ln: ChannelNorm | null,
  proj: Linear, residual: Tensor): Tensor {
  if (o.shape.length !== 4) throw new Error(`${name}: attention output ${o.name} has shape [${o.shape}], expected [B, C, h, w]`);
  const [B, C, h, w] = o.shape;
  if (!Number.isInteger(sr) || sr < 1) throw new Error(`${name}: sr must be a positive integer (EdgeViT uses 1, 2 or 4), got ${sr}`);
  if ((sr > 1) !== (lp !== null)) {
    throw new Error(`${name}: LocalProp weights are needed exactly when sr > 1 (sr = ${sr}, LocalProp ${lp ? 'given' : 'missing'})`);
  }
  const H = h * sr, W = w * sr;
  expectShape(name, residual, [B, C, H, W]);
  if (lp) {
    expectLength(name, `LocalProp weight [${C}, 1, ${sr}, ${sr}]`, lp.weight, C * sr * sr);
    expectLength(name, 'LocalProp bias', lp.bias, C);
  }
  if (ln) {
    expectLength(name, 'LayerNorm gamma', ln.gamma, C);
    expectLength(name, 'LayerNorm beta', ln.beta, C);
    if (!(ln.eps > 0)) throw new Error(`${name}: LayerNorm eps must be > 0, got ${ln.eps}`);
  }
  expectLength(name, `proj weight [${C}, ${C}]`, proj.weight, C * C);
  expectLength(name, 'proj bias', proj.bias, C);

  const y = g.tensor(name, [B, C, H, W]);
  if (g.tuning.kernels === 'gpu') return localPropProjGpu(g, name, o, sr, lp, ln, proj, residual, y);
  const tw = tileWidth(H, W);
  const tilesX = Math.ceil(W / tw), tilesP = tilesX * Math.ceil(H / (16 / tw));
  const t = channelGroupTiling(name, C, tilesP, B, g.tuning);
  const folded = ln ? foldLayerNorm(proj.weight, C, proj.bias, ln) : proj;
  const count = B * t.groups;
  g.node({
    name,
    kernel: g.kernel({
      file: 'local_prop_proj.wgsl', entry: 'main',
      overrides: { SR: sr, FAST: [1, 2, 4].includes(sr) && W >= 4, TW: tw, LN: !!ln, NCB: t.ncb, WG: t.wg },
    }),
    bind: {
      o: { tensor: o }, res: { tensor: residual }, y: { tensor: y },
      lw: lp ? { weight: g.weight(`${name}.local_prop.weight`, lp.weight) } : { empty: true },
      lb: lp ? { weight: g.weight(`${name}.local_prop.bias`, lp.bias) } : { empty: true },
      w: { weight: g.matrixWeight(`${name}.weight`, tileWeights(folded.weight, C, C)) },
      bp: { weight: g.weight(`${name}.bias`, folded.bias, roundUp(C, TILE_M)) },
    },
    params: { C, CS: roundUp(C, 4), h, w, PSo: o.planeStride, H, W, PS: y.planeStride, tilesX, tilesP, groups: t.groups, count, eps: ln?.eps ?? 1 },
    workgroups: grid1d(count, 1),
    flops: 2 * B * C * C * H * W + (ln ? 8 : 3) * B * C * H * W,
    // Reads the delegate map o, LocalProp's taps and bias, the residual, the tiled proj weights and bias; writes y.
    bytesRead: 4 * (B * C * h * w + (lp ? C * sr * sr + C : 0) + B * C * H * W + t.ncb * TILE_M) + g.matrixBytes * t.ncb * TILE_M * roundUp(C, 4),
    bytesWritten: 4 * B * C * H * W,
    // NCB · G invocations, red (WG · 4 vec4); a 16 × 16 tile of 64 vec4 per invocation over CS input channels.
    parallelism: { workgroupSize: t.wg, workgroupMemory: 64 * t.wg, accumulators: 256, serialFmas: 256 * roundUp(C, 4) },
  });
  return y;
}

/**
 * The GPU family's dispatch (shaders/gpu/local_prop_proj.wgsl): 64 channels × 64 pixels per
 * workgroup, the proj as gpu/pointwise.wgsl's LN_IN takes it (weights transposed, `…@gpu`, with their
 * row sums when there is a LayerNorm).
 */
function localPropProjGpu(g: GraphBuilder, name: string, o: Tensor, sr: number, lp: LocalProp | null, ln: ChannelNorm | null,
  proj: Linear, residual: Tensor, y: Tensor): Tensor {
  const [B, C, h, w] = o.shape, [, , H, W] = y.shape;
  const folded = ln ? foldLayerNorm(proj.weight, C, proj.bias, ln) : proj;
  const PS = y.planeStride, MS = roundUp(C, GPU_TILE), KS16 = roundUp(C, GPU_KT);
  const tilesP = Math.ceil(PS / GPU_TILE), tilesM = MS / GPU_TILE;
  // Per workgroup, each of the 16 staged pixel quads of each input channel (and of channels 0..3 for
  // LN's shift) reads 4 delegates (and, with LocalProp, 4 taps and the bias).
  const uReads = B * tilesM * (C + (ln ? 4 : 0)) * (PS / 4) * (sr > 1 ? 9 : 4);
  g.node({
    name,
    kernel: g.kernel({ file: 'gpu/local_prop_proj.wgsl', entry: 'main', overrides: { SR: sr, LN: !!ln } }),
    bind: {
      o: { tensor: o }, res: { tensor: residual }, y: { tensor: y },
      lw: lp ? { weight: g.weight(`${name}.local_prop.weight`, lp.weight) } : { empty: true },
      lb: lp ? { weight: g.weight(`${name}.local_prop.bias`, lp.bias) } : { empty: true },
      w: { weight: g.matrixWeight(`${name}.weight@gpu`, transposeWeightsGpu(folded.weight, C, C)) },
      bp: { weight: g.weight(`${name}.bias@gpu`, folded.bias, MS) },
      rsum: ln ? { weight: g.weight(`${name}.rowsum@gpu`, rowSums(folded.weight, C, C), MS) } : { empty: true },
    },
    params: { C, h, w, PSo: o.planeStride, H, W, PS, KS16, MS, eps: ln?.eps ?? 1 },
    workgroups: [tilesP, tilesM, B],
    flops: 2 * B * C * C * H * W + (ln ? 8 : 3) * B * C * H * W,
    // Reads: u's inputs as staged (above); each pixel tile the weights once; bias (and rowsum) per
    // workgroup; the residual once. Writes y.
    bytesRead: 4 * (uReads + B * tilesP * tilesM * GPU_TILE * (ln ? 2 : 1) + B * C * PS) + g.matrixBytes * B * tilesP * KS16 * MS,
    bytesWritten: 4 * B * C * H * W,
    // 16 × 16 invocations; ws, xs (256 vec4 each) and zs (16 vec4); 4 rows × 4 pixels each over KS16 input channels.
    parallelism: { workgroupSize: 256, workgroupMemory: 16 * (256 + 256 + 16), accumulators: 16, serialFmas: 16 * KS16 },
  });
  return y;
}
