// EdgeViT's patch embedding as one fused kernel (shaders/patch_embed.wgsl): a conv with kernel =
// stride = k and no padding, then LayerNorm over the output channels at each output pixel. The GPU
// family (g.tuning.kernels === 'gpu') runs shaders/gpu/patch_embed.wgsl, or without the LayerNorm
// shaders/gpu/conv2d.wgsl (src/ops/conv2d-gpu.ts).
//   x: [B, Cin, H, W], w: [Cout, Cin, k, k], bias/gamma/beta: [Cout] → [B, Cout, ⌊H/k⌋, ⌊W/k⌋]
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import type { Tuning } from '../tuning.ts';
import { expectLength, grid1d } from './common.ts';
import { TILE_M, tileWeights } from './pointwise.ts';
import { conv2dGpu, patchEmbedGpu } from './conv2d-gpu.ts';

/** Output pixels per invocation (one tile, flattened oy·Wo + ox) and channels per channel block. */
export const PE_TILE_P = 16, PE_TILE_C = TILE_M;

/**
 * A workgroup holds every channel block (ncb = ceil(C/16)) of `perGroup` pixel tiles, so that the
 * LayerNorm statistics are a workgroup reduction. perGroup (1 to 4) minimises the SIMD lanes the
 * busiest worker runs: SwiftShader runs 4 lanes at a time (a workgroup of ncb·perGroup invocations
 * costs roundUp(ncb·perGroup, 4) lanes) and spreads workgroups over `workers` threads; a last group
 * with fewer tiles than perGroup still costs a whole workgroup. Ties go to the smaller workgroup.
 */
export function channelGroupTiling(op: string, channels: number, tiles: number, batch: number, tuning: Pick<Tuning, 'workers' | 'maxInvocations'>): { ncb: number; wg: number; perGroup: number; groups: number } {
  const { workers, maxInvocations } = tuning;
  const ncb = Math.ceil(channels / PE_TILE_C);
  if (ncb > maxInvocations) {
    throw new Error(`${op}: ${channels} channels need ${ncb} invocations per workgroup (one per 16 channels), more than the tuning's maxInvocations (${maxInvocations}, within the device's limits); split the LayerNorm from the matmul`);
  }
  let perGroup = 1, cost = Infinity;
  for (let gp = 1; gp <= 4 && ncb * gp <= maxInvocations; gp++) {
    const c = Math.ceil(ncb * gp / 4) * 4 * Math.ceil(batch * Math.ceil(tiles / gp) / workers);
    if (c < cost) { perGroup = gp; cost = c; }
  }
  return { ncb, wg: ncb * perGroup, perGroup, groups: Math.ceil(tiles / perGroup) };
}

/** The conv (kernel = stride = k, no padding), then LayerNorm over the channels unless `ln` is null. */
export function patchEmbed(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, k: number,
  ln: { gamma: Float32Array; beta: Float32Array; eps: number } | null): Tensor {
  if (x.shape.length !== 4) throw new Error(`${name}: patch embedding input ${x.name} has shape [${x.shape}], expected [B, C, H, W]`);
  const [B, Cin, H, W] = x.shape;
  if (!Number.isInteger(k) || k < 1) throw new Error(`${name}: kernel size (= stride) must be a positive integer, got ${k}`);
  const Cout = bias.length;
  expectLength(name, `weight [${Cout}, ${Cin}, ${k}, ${k}]`, w, Cout * Cin * k * k);
  // Without LayerNorm the kernel's normalisation is the identity: mean 0, 1/σ 1, γ 1, β 0.
  const { gamma, beta, eps } = ln ?? { gamma: new Float32Array(Cout).fill(1), beta: new Float32Array(Cout), eps: 1 };
  expectLength(name, 'LayerNorm gamma', gamma, Cout);
  expectLength(name, 'LayerNorm beta', beta, Cout);
  if (!(eps > 0)) throw new Error(`${name}: LayerNorm eps must be > 0, got ${eps}`);
  const Ho = Math.floor(H / k), Wo = Math.floor(W / k);
  if (Ho < 1 || Wo < 1) throw new Error(`${name}: a ${H}×${W} input is smaller than one ${k}×${k} patch`);
  const y = g.tensor(name, [B, Cout, Ho, Wo]);
  if (g.tuning.kernels === 'gpu') {
    return ln ? patchEmbedGpu(g, name, x, y, w, bias, k, ln) : conv2dGpu(g, name, x, y, w, bias, { k, stride: k, pad: 0 });
  }
  const taps = Cin * k * k, P = Ho * Wo;
  const tilesP = Math.ceil(P / PE_TILE_P);
  const t = channelGroupTiling(name, Cout, tilesP, B, g.tuning);
  const cpad = t.ncb * PE_TILE_C;
  const count = B * t.groups;
  g.node({
    name,
    kernel: g.kernel({ file: 'patch_embed.wgsl', entry: 'main', overrides: { KS: k, NCB: t.ncb, WG: t.wg, LN: !!ln } }),
    bind: {
      x: { tensor: x }, y: { tensor: y },
      // w [Cout, Cin, k, k] is already [Cout, taps] row-major with tap = (ci·k + ky)·k + kx.
      w: { weight: g.matrixWeight(`${name}.weight`, tileWeights(w, Cout, taps)) },
      bias: { weight: g.weight(`${name}.bias`, bias, cpad) },
      gamma: { weight: g.weight(`${name}.gamma`, gamma, cpad) },
      beta: { weight: g.weight(`${name}.beta`, beta, cpad) },
    },
    params: { Cin, H, W, PSin: x.planeStride, Cout, Wo, P, PSout: y.planeStride, taps, tilesP, groups: t.groups, count, eps },
    workgroups: grid1d(count, 1),
    flops: 2 * B * Cout * taps * P + (ln ? 8 * B * Cout * P : 0),
    // Reads the input pixels under the patches, the tiled weights and the padded bias, γ, β; writes y's pixels.
    bytesRead: 4 * (B * Cin * Ho * k * Wo * k + t.ncb * PE_TILE_C * 3) + g.matrixBytes * t.ncb * PE_TILE_C * taps,
    bytesWritten: 4 * B * Cout * P,
    // Invocation (tile, channel block): a 16 × 16 register tile over the taps rounded up to 4; red holds
    // 4 vec4 per invocation.
    parallelism: { workgroupSize: t.wg, workgroupMemory: t.wg * 4 * 16, accumulators: 256, serialFmas: 256 * Math.ceil(taps / 4) * 4 },
  });
  return y;
}
