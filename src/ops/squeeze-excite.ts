// Squeeze-excite gate [B, C] from x [B, C, H, W]; fc1 [R, C] + b1, fc2 [C, R] + b2 (1×1 convs with bias).
// Three dispatches of squeeze_excite.wgsl (means, fc1, fc2 + sigmoid), each spread over workgroups;
// the GPU family (shaders/gpu/squeeze_excite.wgsl) has the same three steps, bindings and weights.
import type { GraphBuilder } from '../graph/builder.ts';
import { roundUp, type Parallelism, type Tensor } from '../graph/ir.ts';
import { expectLength, grid1d } from './common.ts';

/** The GPU family's workgroups: SE_GPU_T × SE_GPU_T invocations, SE_GPU_T channels (mean) or quads of outputs (fc1, fc2) each. */
const SE_GPU_T = 16;

export function squeezeExciteGate(g: GraphBuilder, name: string, x: Tensor, w1: Float32Array, b1: Float32Array, w2: Float32Array, b2: Float32Array, r: number): Tensor {
  const [B, C, H, W] = x.shape;
  expectLength(name, 'fc1.weight', w1, r * C); expectLength(name, 'fc1.bias', b1, r);
  expectLength(name, 'fc2.weight', w2, C * r); expectLength(name, 'fc2.bias', b2, C);
  const C4 = roundUp(C, 4), R4 = roundUp(r, 4);
  const gpu = g.tuning.kernels === 'gpu';
  // Few invocations per workgroup (g.tuning), so the small steps still give every worker a workgroup.
  const WG = g.tuning.squeezeExcite.wg;
  const s = g.tensor(name, [B, C]);
  const tmp = g.tensor(`${name}.tmp`, [B, C4 + R4]);
  // Transposed so 4 consecutive outputs of one input are a vec4: w1T [C, R4], w2T [R, C4] (both families).
  const w1T = new Float32Array(C * R4), w2T = new Float32Array(r * C4);
  for (let i = 0; i < r; i++) for (let c = 0; c < C; c++) { w1T[c * R4 + i] = w1[i * C + c]; w2T[i * C4 + c] = w2[c * r + i]; }
  const weights = {
    w1: { weight: g.matrixWeight(`${name}.fc1.weight`, w1T) }, b1: { weight: g.weight(`${name}.fc1.bias`, b1, R4) },
    w2: { weight: g.matrixWeight(`${name}.fc2.weight`, w2T) }, b2: { weight: g.weight(`${name}.fc2.bias`, b2, C4) },
  };
  const params = { C, R: r, HW: H * W, PS: x.planeStride, CS: s.planeStride, C4, R4 };
  const T = SE_GPU_T;
  type Bind = Record<string, { tensor: Tensor } | { weight: ReturnType<GraphBuilder['weight']> }>;
  // outputs: floats the step writes per image; inputs: the length of each output's sum (pixels, C, R).
  const step = (entry: 'mean' | 'fc1' | 'fc2', module: string, ops: string[], outputs: number, inputs: number, flops: number, read: number, written: number, bind: Bind) => {
    const count = B * outputs / 4;
    const kernel = gpu
      ? { file: 'gpu/squeeze_excite.wgsl', entry }
      : { file: 'squeeze_excite.wgsl', entry, overrides: { WG } };
    // CPU: 4 outputs per invocation over all their inputs (mean: 4 planes one after another).
    // GPU: T × T invocations, one vec4 each over every T-th input (a pixel quad for the means), then the T lanes' sum.
    const perLane = entry === 'mean' ? Math.ceil(x.planeStride / 4 / T) : Math.ceil(inputs / T);
    const parallelism: Parallelism = gpu
      ? { workgroupSize: T * T, workgroupMemory: 16 * T * T, accumulators: 4, serialFmas: 4 * (perLane + T) }
      : { workgroupSize: WG, workgroupMemory: 0, accumulators: 4, serialFmas: 4 * inputs };
    g.node({
      name: `${name}.${entry}`, module, ops,
      // fc1 and fc2 read the matrix weights (in the pool's form); the means read none.
      kernel: entry === 'mean' ? kernel : g.kernel(kernel),
      bind,
      // GPU: a workgroup per T channels (mean) or T output quads (fc1, fc2) of each image.
      params: gpu ? params : { ...params, count },
      workgroups: gpu ? [Math.ceil((entry === 'mean' ? C : outputs / 4) / T), B, 1] : grid1d(count, WG),
      flops, bytesRead: 4 * read, bytesWritten: 4 * written, parallelism,
    });
  };
  // Bytes (in floats; the weights in the pool's format). CPU: the means read x's pixels and write B·C4
  // floats of tmp; fc1 reads them and its transposed weights and writes B·R4; fc2 reads those and its
  // weights and writes the B·C4 gates. GPU: the means read whole pixel quads and write B·C; in fc1 and
  // fc2 each column (4 outputs) reads all of the step's inputs, and each image the weights.
  const mx = B * (gpu ? C * x.planeStride : C * H * W), m1 = (C * R4 * g.matrixBytes) / 4, m2 = (r * C4 * g.matrixBytes) / 4;
  step('mean', name, ['mean'], C4, H * W, B * C * H * W, mx, B * (gpu ? C : C4), { x: { tensor: x }, tmp: { tensor: tmp } });
  // fc1 + ReLU and fc2 + sigmoid span se.fc1/se.act and se.fc2/se.gate: the module holding them is se.
  step('fc1', name, ['convolution', 'relu'], R4, C, 2 * B * C * r + B * r, (gpu ? B * ((R4 / 4) * C + R4 + m1) : B * C4 + R4 + m1), B * R4, { w1: weights.w1, b1: weights.b1, tmp: { tensor: tmp } });
  step('fc2', name, ['convolution', 'sigmoid'], C4, r, 2 * B * C * r + 4 * B * C, (gpu ? B * ((C4 / 4) * r + C4 + m2) : B * R4 + C4 + m2), B * C4, { w2: weights.w2, b2: weights.b2, s: { tensor: s }, tmp: { tensor: tmp } });
  return s;
}
