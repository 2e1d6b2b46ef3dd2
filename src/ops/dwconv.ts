// Depthwise conv, BN folded: w [C, 1, K, K], bias [C]; optional ReLU, optional residual (x + dw(x)).
// The CPU family's dwconv.wgsl (register tiles walking down rows), or the GPU family's gpu/dwconv.wgsl
// (a workgroup per 2-D tile of an output plane, its input staged in workgroup memory), same bindings.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Parallelism, Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { convOut } from './conv2d.ts';

export interface DwSpec {
  k: number; stride?: number; pad?: number; relu?: boolean; residual?: boolean;
  /** read channels [start, start + count) of x (a channel slice, e.g. q of a qkv map); default all */
  channels?: [number, number];
}

export function dwconv(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, spec: DwSpec): Tensor {
  const [B, Cx, H, W] = x.shape;
  const [c0, C] = spec.channels ?? [0, Cx];
  if (c0 < 0 || C < 1 || c0 + C > Cx) throw new Error(`${name}: channels [${c0}, ${c0 + C}) are outside ${x.name}'s ${Cx}`);
  if (spec.residual && C !== Cx) throw new Error(`${name}: a residual depthwise conv reads all of its input's channels`);
  const { k } = spec, stride = spec.stride ?? 1, pad = spec.pad ?? Math.floor(k / 2);
  expectLength(name, 'weight', w, C * k * k);
  expectLength(name, 'bias', bias, C);
  const Ho = convOut(H, k, stride, pad), Wo = convOut(W, k, stride, pad);
  if (spec.residual && (Ho !== H || Wo !== W)) throw new Error(`${name}: a residual depthwise conv must keep the size (got ${H}×${W} → ${Ho}×${Wo})`);
  const y = g.tensor(name, [B, C, Ho, Wo]);
  const common = {
    bind: { x: { tensor: x }, w: { weight: g.weight(`${name}.weight`, w) }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y } },
    flops: 2 * B * C * Ho * Wo * k * k,
    bytesWritten: 4 * B * C * Ho * Wo,
  };
  const geometry = { C, H, W, PSin: x.planeStride, Ho, Wo, PSout: y.planeStride, K: k, stride, pad, XO: c0 * x.planeStride, XBS: Cx * x.planeStride };
  const tile = g.tuning.kernels === 'gpu' ? dwTileGpu(Ho, Wo, k, stride, B * C) : null;
  if (tile) {
    const tilesX = Math.ceil(Wo / (4 * tile.tq)), tiles = tilesX * Math.ceil(Ho / tile.th);
    g.node({
      name, ...common,
      kernel: { file: 'gpu/dwconv.wgsl', entry: 'main', overrides: { TQ: tile.tq, WG: tile.tq * tile.th, RELU: !!spec.relu, RESIDUAL: !!spec.residual } },
      params: { ...geometry, tilesX, IW: tile.iw, IH: tile.ih },
      workgroups: [tiles, C, B],
      // Reads each tile's staged input (its halo included) and, per workgroup, the taps and bias; the residual once.
      bytesRead: 4 * (B * C * tiles * (tile.iw * tile.ih + k * k + 1) + (spec.residual ? B * C * Ho * Wo : 0)),
      // TQ·TH invocations, HALO floats staged; one quad (4 outputs) per invocation, 4·K² FMAs.
      parallelism: { workgroupSize: tile.tq * tile.th, workgroupMemory: 4 * DW_GPU_HALO, accumulators: 4, serialFmas: 4 * k * k },
    });
    return y;
  }
  // k3s1 / k3s2 (3×3, pad 1): an invocation walks RB rows of a 16- or 8-column tile; main: 4 outputs.
  const entry = k === 3 && pad === 1 && (stride === 1 || stride === 2) ? (stride === 1 ? 'k3s1' : 'k3s2') : 'main';
  // Tile width: k3s1 16, k3s2 8, halved for maps that narrow (less work on columns past the edge).
  const tw = entry === 'k3s1' ? (Wo > 8 ? 16 : 8) : Wo > 4 ? 8 : 4;
  const tilesX = Math.ceil(Wo / (entry === 'main' ? 4 : tw));
  const cols = B * C * tilesX;
  // Fewer invocations than the tuning's minimum leave the adapter's workers idle: split the columns into row blocks.
  const { minInvocations, wg: wg3, mainWg } = g.tuning.dwconv;
  const RB = entry === 'main' ? 1 : Math.ceil(Ho / Math.min(Ho, Math.ceil(minInvocations / cols)));
  const tilesY = Math.ceil(Ho / RB), count = cols * tilesY, wg = entry === 'main' ? mainWg : wg3;
  // main: 4 outputs, 4·K² FMAs; k3s1 / k3s2: TW outputs per row (TW floats) over RB rows, 9 FMAs each.
  const parallelism: Parallelism = entry === 'main'
    ? { workgroupSize: wg, workgroupMemory: 0, accumulators: 4, serialFmas: 4 * k * k }
    : { workgroupSize: wg, workgroupMemory: 0, accumulators: tw, serialFmas: 9 * tw * RB };
  g.node({
    name, ...common,
    kernel: { file: 'dwconv.wgsl', entry, overrides: { WG: wg, RELU: !!spec.relu, RESIDUAL: !!spec.residual, ...(entry !== 'main' ? { TW: tw } : {}) } },
    params: { ...geometry, tilesX, RB, tilesY, count },
    workgroups: grid1d(count, wg),
    // Reads every input pixel (rows inside the image only), the taps and bias; writes the output pixels.
    bytesRead: 4 * (B * C * H * W + C * k * k + C),
    parallelism,
  });
  return y;
}

/** Floats of input one workgroup of shaders/gpu/dwconv.wgsl stages (its HALO). */
export const DW_GPU_HALO = 2048;
/** Workgroups below which the GPU family's tile is cut into fewer rows (down to 32 invocations, a warp). */
const DW_GPU_WORKGROUPS = 256;

/**
 * The GPU family's tile for an Ho × Wo output map of `planes` (batch × channel) planes: TQ pixel quads
 * wide (the fewest that span the row, up to 4), TH rows tall (up to 64 invocations), fewer rows while
 * the grid has under DW_GPU_WORKGROUPS workgroups, and both cut until the staged input (iw × ih) fits
 * DW_GPU_HALO. null when even one quad's input does not fit (a huge kernel): the CPU family's kernel runs.
 */
export function dwTileGpu(Ho: number, Wo: number, k: number, s: number, planes: number): { tq: number; th: number; iw: number; ih: number } | null {
  let tq = Wo > 8 ? 4 : Wo > 4 ? 2 : 1;
  let th = Math.min(Ho, 64 / tq);
  const workgroups = () => planes * Math.ceil(Wo / (4 * tq)) * Math.ceil(Ho / th);
  while (workgroups() < DW_GPU_WORKGROUPS && tq * th > 32) th = Math.ceil(th / 2);
  const iw = () => (4 * tq - 1) * s + k, ih = () => (th - 1) * s + k;
  while (iw() * ih() > DW_GPU_HALO && th > 1) th = Math.ceil(th / 2);
  while (iw() * ih() > DW_GPU_HALO && tq > 1) tq /= 2;
  return iw() * ih() <= DW_GPU_HALO ? { tq, th, iw: iw(), ih: ih() } : null;
}
