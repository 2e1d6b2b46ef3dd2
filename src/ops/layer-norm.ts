// The unfused schedule's LayerNorm (shaders/norm.wgsl; the GPU family's shaders/gpu/norm.wgsl): over
// the channels of each token of a strided [B, N, C] view — e.g. a token-major view of an NCHW map,
// read in place — written to `out`.
import type { GraphBuilder } from '../graph/builder.ts';
import type { View } from '../graph/ir.ts';
import { expectLength, grid1d, ROW_WG, rowReduction } from './common.ts';
import { expectViewShape, viewParams } from './views.ts';

/** gpu/norm.wgsl's layer_norm: invocations per workgroup (its RED_WG), one workgroup per token. */

export function layerNorm(g: GraphBuilder, name: string, x: View, gamma: Float32Array, beta: Float32Array, eps: number, out: View): View {
  const WG = g.tuning.perItem.wg;
  if (x.shape.length !== 3) throw new Error(`${name}: LayerNorm takes a [B, N, C] view, got [${x.shape}]`);
  const [B, N, C] = x.shape;
  expectLength(name, 'weight (γ)', gamma, C);
  expectLength(name, 'bias (β)', beta, C);
  expectViewShape(name, 'output', out, x.shape);
  const gb = new Float32Array(2 * C);
  gb.set(gamma, 0); gb.set(beta, C);
  const gpu = g.tuning.kernels === 'gpu', subgroups = gpu && g.tuning.subgroups;
  g.node({
    name,
    kernel: gpu ? { file: 'gpu/norm.wgsl', entry: 'layer_norm', subgroups } : { file: 'norm.wgsl', entry: 'layer_norm', overrides: { WG } },
    bind: { x: { tensor: x.tensor }, gb: { weight: g.weight(`${name}.affine`, gb) }, y: { tensor: out.tensor } },
    params: { B, N, C, count: B * N, eps, ...viewParams('x', x, 3), ...viewParams('y', out, 3) },
    workgroups: gpu ? grid1d(B * N, 1) : grid1d(B * N, WG),
    // LayerNorm counted as 8 per element: mean (1), variance (sub, fma: 3), normalise and affine (sub, mul, mul, add: 4).
    flops: 8 * B * N * C,
    // x (its two passes over a token re-read the same C values: counted once), γ, β; y written once.
    bytesRead: 4 * (B * N * C + 2 * C),
    bytesWritten: 4 * B * N * C,
    parallelism: gpu
      // A token per workgroup: `red` (a vec4 per invocation; the subgroup form adds red_slot and
      // red_n); each invocation Welford (n, mean, M2) over ceil(C / WG) channels, two sums through
      // log2(WG) steps (the mean, then M2), then ceil(C / WG) normalised writes.
      ? rowReduction(subgroups, 3, 2 * Math.ceil(C / ROW_WG), 2)
      // One token per invocation: a Welford pass over its C channels (mean, M2), then a normalising pass.
      : { workgroupSize: WG, workgroupMemory: 0, accumulators: 2, serialFmas: 2 * C },
  });
  return out;
}
