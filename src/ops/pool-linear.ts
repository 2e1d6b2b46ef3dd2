// Global mean pool + linear (the classifier head, BN folded into w and bias): [B,C,H,W] → [B,O].
// shift [C] (a BatchNorm's running mean left out of the fold) is subtracted from x before the mean.
// The GPU family (shaders/gpu/pool_linear.wgsl) takes the same bindings and weights.
import type { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { expectLength } from './common.ts';

/** The most channels the kernel takes (its workgroup array); wider heads run as a mean and a matmul. */
export const POOL_LINEAR_MAX_C = 512;
const MAX_C = POOL_LINEAR_MAX_C;
/** The GPU family's workgroups: 16 × 16 invocations, 64 classes (16 quads) each. */
const GPU_T = 16, GPU_CLASSES = 64;

export function poolLinear(g: GraphBuilder, name: string, x: Tensor, w: Float32Array, bias: Float32Array, o: number, shift?: Float32Array): Tensor {
  const [B, C, H, W] = x.shape;
  const WG = g.tuning.poolLinear.wg;
  if (C > MAX_C) throw new Error(`${name}: the head supports up to ${MAX_C} channels, got ${C}`);
  expectLength(name, 'weight', w, o * C);
  expectLength(name, 'bias', bias, o);
  if (shift) expectLength(name, 'input shift', shift, C);
  const y = g.tensor(name, [B, o]);
  const { ref, stride } = g.matrix(`${name}.weight`, w, o, C, 4, 4);
  const bind = {
    x: { tensor: x }, w: { weight: ref }, bias: { weight: g.weight(`${name}.bias`, bias) }, y: { tensor: y },
    shift: shift ? { weight: g.weight(`${name}.shift`, shift) } : { empty: true as const },
  };
  const params = { C, HW: H * W, PS: x.planeStride, O: o, CS4: stride / 4, OS: y.planeStride };
  const overrides: Record<string, boolean> = shift ? { HAS_SHIFT: true } : {};
  const flops = B * (C * H * W + 2 * o * C), weightBytes = g.matrixBytes * Math.ceil(o / 4) * 4 * stride;
  if (g.tuning.kernels === 'gpu') {
    const tiles = Math.ceil(o / GPU_CLASSES);
    g.node({
      name, bind, params, flops,
      kernel: g.kernel({ file: 'gpu/pool_linear.wgsl', entry: 'main', overrides }),
      workgroups: [tiles, B, 1],
      // Each workgroup reads its image's pixel quads (and the shift) for the means; each image the weight rows and bias once.
      bytesRead: 4 * B * tiles * C * (x.planeStride + (shift ? 1 : 0)) + B * (weightBytes + 4 * o),
      bytesWritten: 4 * B * o,
      // 16 × 16 invocations; red (256 vec4) and the means (MAX_C floats). Per invocation 4 accumulators:
      // the means, ceil(C / 64) rounds of every 4th pixel quad and the 4 lanes' sum; the classes, every
      // 16th channel quad of 4 rows (16 FMAs each) and the 16 lanes' sum.
      parallelism: {
        workgroupSize: GPU_T * GPU_T, workgroupMemory: 16 * GPU_T * GPU_T + 4 * MAX_C, accumulators: 4,
        serialFmas: 4 * Math.ceil(C / 64) * (Math.ceil(x.planeStride / 16) + 4) + 16 * Math.ceil(stride / 4 / GPU_T) + 4 * GPU_T,
      },
    });
    return y;
  }
  const groupsO = Math.ceil(o / (4 * WG));
  g.node({
    name, bind, flops,
    kernel: g.kernel({ file: 'pool_linear.wgsl', entry: 'main', overrides: { WG, ...overrides } }),
    params: { ...params, groupsO },
    workgroups: [B * groupsO, 1, 1],
    // Reads x's pixels, the padded weight rows, bias and shift; writes the logits.
    bytesRead: 4 * (B * C * H * W + o + (shift ? C : 0)) + weightBytes,
    bytesWritten: 4 * B * o,
    // WG invocations; the means (MAX_C floats). Per invocation 4 outputs, over the planes of ceil(C / (4·WG)) channel quads, then 4 rows of C.
    parallelism: { workgroupSize: WG, workgroupMemory: 4 * MAX_C, accumulators: 4, serialFmas: 4 * Math.ceil(stride / 4 / WG) * H * W + 4 * stride },
  });
  return y;
}
