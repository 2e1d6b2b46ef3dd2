// Dense conv (groups = 1), BN already folded: w [Cout, Cin, KH, KW], bias [Cout]. The CPU family's
// kernel is shaders/conv2d.wgsl; the GPU family's (g.tuning.kernels === 'gpu') is shaders/gpu/conv2d.wgsl,
// dispatched by conv2dGpu (src/ops/conv2d-gpu.ts).
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';
import { conv2dGpu } from './conv2d-gpu.ts';

export interface Conv2dSpec { cout: number; k: number; stride: number; pad: number; relu?: boolean }

export const convOut = (n: number, k: number, s: number, pad: number) => Math.floor((n + 2 * pad - k) / s) + 1;

export function conv2d(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, spec: Conv2dSpec): Tensor {
  const [B, Cin, H, W] = x.shape;
  const { cout, k, stride, pad } = spec;
  expectLength(name, 'weight', w, cout * Cin * k * k);
  expectLength(name, 'bias', bias, cout);
  const Ho = convOut(H, k, stride, pad), Wo = convOut(W, k, stride, pad);
  if (Ho < 1 || Wo < 1) throw new Error(`${name}: a ${H}×${W} input is too small for a ${k}×${k} stride-${stride} conv`);
  const y = g.tensor(name, [B, cout, Ho, Wo]);
  if (g.tuning.kernels === 'gpu') return conv2dGpu(g, name, x, y, w, bias, spec);
  const fast = k === 3 && stride === 2 && g.tuning.conv2d.s2k3;
  // s2k3 (3×3 stride 2, the stem) owns 16 channel slots × 16 pixels per invocation: 16 channels of
  // one row, or (ROWS2, when Cout = 8 mod 16) 8 channels of two rows, each slot's channel repeated.
  // Its weights are (tilesC, Cin, 3, 3, 16) so a tap's 16 slots are 4 contiguous vec4; main's
  // (any K, stride) are (Cin·K·K, ceil16(Cout)).
  const rows2 = fast && cout % 16 === 8;
  const perTile = rows2 ? 8 : 16;
  const tilesC = Math.ceil(cout / perTile);
  const slots = tilesC * 16;
  const packed = new Float32Array(Cin * k * k * slots);
  const packedBias = new Float32Array(slots);
  for (let s = 0; s < slots; s++) {
    const tc = Math.floor(s / 16), co = tc * perTile + (s % 16) % perTile;
    if (co >= cout || (!rows2 && s % 16 >= perTile)) continue;
    packedBias[s] = bias[co];
    for (let t = 0; t < Cin * k * k; t++) packed[fast ? (tc * Cin * k * k + t) * 16 + (s % 16) : t * slots + s] = w[co * Cin * k * k + t];
  }
  const tilesX = Math.ceil(Wo / (fast ? 16 : 8)), tilesY = rows2 ? Math.ceil(Ho / 2) : Ho;
  const count = B * tilesC * tilesY * tilesX;
  // Few, fat invocations: small workgroups keep enough of them for the adapter's workers (g.tuning).
  const wg = fast ? g.tuning.conv2d.s2k3Wg : g.tuning.conv2d.wg;
  g.node({
    name,
    kernel: g.kernel({ file: 'conv2d.wgsl', entry: fast ? 's2k3' : 'main', overrides: fast ? { WG: wg, ROWS2: rows2 } : { WG: wg } }),
    bind: { x: { tensor: x }, w: { weight: g.matrixWeight(`${name}.weight`, packed) }, bias: { weight: g.weight(`${name}.bias`, packedBias) }, y: { tensor: y } },
    params: { Cin, H, W, PSin: x.planeStride, Cout: cout, Ho, Wo, PSout: y.planeStride, KH: k, KW: k, stride, pad, tilesX, tilesY, tilesC, count, relu: spec.relu ? 1 : 0 },
    workgroups: grid1d(count, wg),
    flops: 2 * B * cout * Ho * Wo * Cin * k * k,
    // Reads every input pixel, the packed weights and bias (padded to 16-channel slots); writes the output pixels.
    bytesRead: 4 * (B * Cin * H * W + packedBias.length) + g.matrixBytes * packed.length,
    bytesWritten: 4 * B * cout * Ho * Wo,
    // One invocation per tile, no workgroup memory: s2k3 holds 16 channel slots × 16 pixels over Cin·3·3
    // taps, main 16 channels × 8 pixels (8 mat4x4) over Cin·k·k.
    parallelism: { workgroupSize: wg, workgroupMemory: 0, accumulators: fast ? 256 : 128, serialFmas: (fast ? 256 : 128) * Cin * k * k },
  });
  return y;
}
