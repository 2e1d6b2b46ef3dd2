// A loaded model: checkpoint → graph → compiled plans, one per input shape (batch, H, W) and
// schedule, built on first use and reused. The weights of a schedule are uploaded once, into a pool
// all its plans share. Inputs are plain NCHW float32; outputs are [batch, classes] logits.
import type { Runtime } from './runtime.ts';
import type { CompiledGraph, CompileProgress } from './graph/executor.ts';
import type { GraphBuilder } from './graph/builder.ts';
import type { Tensor } from './graph/ir.ts';
import { WeightPoolMiss } from './graph/builder.ts';
import { WeightPool } from './graph/weights.ts';
import { fromPadded, toPadded } from './graph/layout.ts';
import { loadStateDict } from './weights/load.ts';
import type { StateDict } from './weights/tensor.ts';
import { modelInfo, type ModelInfo } from './models/registry.ts';
import type { ActivationFormat, WeightFormat } from './gpu/pipelines.ts';
import { scheduleNamed, type ScheduleName } from './schedule/index.ts';
import type { OutputRequest } from './models/backbone.ts';
import { KERNEL_FAMILIES, checkActivations, validateTuning, type KernelFamily, type Tuning } from './tuning.ts';

export interface InferenceResult { logits: Float32Array; batch: number; classes: number }

/**
 * One output of backbone mode: a stage's feature map [B, C, H, W] with its stride in input pixels
 * (a vector per image, such as DeiT's class token, as [B, C, 1, 1] with stride 0), or the embedding
 * [B, C]; `data` in that shape, row-major. `gpu`, when asked for: the GPU buffer that holds it after
 * the run, each H·W plane (or vector) padded to `planeStride` floats; overwritten by the plan's next
 * run, freed with the model.
 */
export interface FeatureMap {
  name: string;
  stride: number;
  shape: number[];
  data: Float32Array;
  gpu?: { buffer: GPUBuffer; planeStride: number };
}

/** GPU memory a model holds, in bytes. */
export interface ModelMemory {
  /** the weights, once per schedule in use (shared by every input shape) */
  weights: number;
  /** the plans' own buffers (activations, inputs, outputs, readback, params) */
  plans: number;
  /** weights + plans now, and the most they have been */
  total: number;
  peak: number;
}

/** Building a plan: 'fold' is the graph (BatchNorm folding, weight layout), then upload and compile. */
export type PlanProgress = (phase: 'fold' | 'upload' | 'compile', loaded: number, total: number) => void;

export interface ModelOptions {
  /**
   * How the matrix weights (convolutions, linears) sit on the GPU: 'f32', or 'f16' (IEEE half: half
   * the memory and weight bandwidth; read as f16 where the adapter has shader-f16, else as packed
   * pairs; every product and sum stays f32). Default 'f32'.
   */
  dtype?: 'f32' | 'f16';
  /**
   * Which kernel family runs the kernels that have two (src/tuning.ts, Tuning.kernels): 'gpu' or
   * 'cpu'. Default: the runtime's tuning (a GPU adapter: 'gpu'; a CPU one: 'cpu').
   */
  kernels?: KernelFamily;
  /**
   * How activations are stored between kernels (src/tuning.ts, Tuning.activations): 'f32', or 'f16'
   * (IEEE half: half the activation memory and traffic; needs shader-f16 and the GPU family; all
   * arithmetic stays f32; README "Half activations" states what it costs in accuracy). Default:
   * the runtime's tuning ('f32').
   */
  activations?: ActivationFormat;
}

/** The schedule a model's graph is lowered with: the tuning may choose the one-kernel FFN for the fused schedule. */
export function loweringFor(schedule: ScheduleName, tuning: Tuning): ScheduleName {
  return schedule === 'fused' && tuning.ffnOneKernel ? 'fused-ffn' : schedule;
}

export class Model {
  private plans = new Map<string, Promise<CompiledGraph>>();
  private built = new Map<string, CompiledGraph>();
  private pools = new Map<ScheduleName, WeightPool>();
  private peak = 0;
  /** how the kernels read the matrix weights on this runtime's adapter */
  readonly weightFormat: WeightFormat;
  /** the runtime's tuning, with the kernel family asked for */
  readonly tuning: Tuning;
  constructor(readonly runtime: Runtime, readonly info: ModelInfo, private sd: StateDict, readonly options: ModelOptions = {}) {
    const dtype = options.dtype ?? 'f32';
    if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`dtype "${String(dtype)}" is not one of 'f32', 'f16'`);
    this.weightFormat = dtype === 'f32' ? 'f32' : runtime.gpu.hasF16 ? 'f16' : 'f16-packed';
    const kernels = options.kernels ?? runtime.tuning.kernels;
    if (!KERNEL_FAMILIES.includes(kernels)) throw new Error(`kernels "${String(kernels)}" is not one of ${KERNEL_FAMILIES.map((f) => `'${f}'`).join(', ')}`);
    validateTuning({ kernels }, runtime.gpu.device.limits, 'the kernels option');
    const activations = options.activations ?? runtime.tuning.activations;
    validateTuning({ activations }, runtime.gpu.device.limits, 'the activations option');
    checkActivations({ activations, kernels }, runtime.gpu, 'the activations option');
    this.tuning = { ...runtime.tuning, kernels, activations };
  }

  /** The same checkpoint on another runtime (e.g. a new device after this one was lost): its plans are built again there. */
  on(runtime: Runtime): Model {
    return new Model(runtime, this.info, this.sd, this.options);
  }

  static fromBytes(runtime: Runtime, name: string, bytes: Uint8Array | ArrayBuffer, options?: ModelOptions): Model {
    return new Model(runtime, modelInfo(name), loadStateDict(bytes), options);
  }

  /** Compiles (or reuses) the plan for this input shape and schedule (fused: inference; unfused: one dispatch per eager op). */
  plan(batch: number, height: number, width: number, schedule: ScheduleName = 'fused', onProgress?: PlanProgress, outputs?: OutputRequest): Promise<CompiledGraph> {
    scheduleNamed(schedule);
    const key = planKey(batch, height, width, schedule, outputs);
    let p = this.plans.get(key);
    if (!p) {
      p = this.build(batch, height, width, schedule, key, onProgress, outputs);
      this.plans.set(key, p);
      p.catch(() => this.plans.delete(key));
    }
    return p;
  }

  private async build(batch: number, height: number, width: number, schedule: ScheduleName, key: string, onProgress?: PlanProgress, outputs?: OutputRequest): Promise<CompiledGraph> {
    const pool = this.pools.get(schedule) ?? new WeightPool(this.weightFormat);
    this.pools.set(schedule, pool);
    onProgress?.('fold', 0, 1);
    const tuning = this.tuning;
    const lowering = loweringFor(schedule, tuning);
    let g;
    try {
      g = this.info.build(this.sd, { batch, height, width, outputs }, lowering, pool, tuning);
    } catch (e) {
      // A shape whose graph needs weights the shared pool lacks gets weights of its own.
      if (!(e instanceof WeightPoolMiss)) throw e;
      g = this.info.build(this.sd, { batch, height, width, outputs }, lowering, new WeightPool(this.weightFormat, true), tuning);
    }
    onProgress?.('fold', 1, 1);
    checkDeviceLimits(g, this.runtime.gpu.device.limits, batch, height, width);
    const plan = await this.runtime.compile(g, `${this.info.name}@${key}`, onProgress as CompileProgress | undefined);
    this.built.set(key, plan);
    this.peak = Math.max(this.peak, this.memory().total);
    return plan;
  }

  /**
   * The graph of this input shape and schedule with `tuning` (default the model's), built but not
   * compiled or uploaded: its nodes say what each dispatch computes and how it spreads (the
   * profiler's projection onto a GPU reads them; no device work).
   */
  graph(batch: number, height: number, width: number, schedule: ScheduleName = 'fused', tuning: Tuning = this.tuning, outputs?: OutputRequest): GraphBuilder {
    scheduleNamed(schedule);
    return this.info.build(this.sd, { batch, height, width, outputs }, loweringFor(schedule, tuning), new WeightPool(this.weightFormat, true), tuning);
  }

  /** GPU bytes held now by weights and plans, and the peak so far. */
  memory(): ModelMemory {
    const plans = [...this.built.values()];
    const shared = [...this.pools.values()].filter((p) => p.frozen).reduce((a, p) => a + p.bytes, 0);
    const own = plans.filter((p) => p.ownsWeights).reduce((a, p) => a + p.stats.weightBytes, 0);
    const planBytes = plans.reduce((a, p) => a + p.stats.planBytes, 0);
    const total = shared + own + planBytes;
    return { weights: shared + own, plans: planBytes, total, peak: Math.max(this.peak, total) };
  }

  /** Frees the plan for this input shape and schedule, if one was built (the next use builds it again). */
  release(batch: number, height: number, width: number, schedule: ScheduleName = 'fused', outputs?: OutputRequest): void {
    const key = planKey(batch, height, width, schedule, outputs);
    this.plans.get(key)?.then((c) => c.destroy(), () => {});
    this.plans.delete(key);
    this.built.delete(key);
  }

  /** Runs the model on `input`, float32 NCHW [batch, 3, height, width]. */
  async run(input: Float32Array, batch: number, height: number, width: number, schedule: ScheduleName = 'fused'): Promise<InferenceResult> {
    checkInput(input, batch, height, width);
    const plan = await this.plan(batch, height, width, schedule);
    const out = await plan.run(toPadded(plan.inputs[0], input));
    const logits = fromPadded(plan.output, out);
    return { logits, batch, classes: plan.output.shape[1] };
  }

  /**
   * Backbone mode on `input` (float32 NCHW [batch, 3, height, width]): the stages `request` names, in
   * the model's order, then the embedding if asked for. The graph stops at the last output: no head.
   * `gpu`: also hand out each output's GPU buffer.
   */
  async features(input: Float32Array, batch: number, height: number, width: number, request: OutputRequest, schedule: ScheduleName = 'fused', gpu = false): Promise<FeatureMap[]> {
    checkInput(input, batch, height, width);
    // One plan per set of outputs, named in the model's order (the same request in another order reuses it).
    const order = this.info.stages.map((s) => s.name);
    const canonical = { stages: [...new Set(request.stages)].sort((a, b) => order.indexOf(a) - order.indexOf(b)), embedding: request.embedding };
    const plan = await this.plan(batch, height, width, schedule, undefined, canonical);
    const out = await plan.run(toPadded(plan.inputs[0], input));
    return plan.outputs.map((o, i) => {
      const t = o.tensor;
      const data = fromPadded(t, out.subarray(plan.outputOffsets[i], plan.outputOffsets[i] + t.size));
      const shape = t.shape.length === 4 || o.name === 'embedding' ? [...t.shape] : [t.shape[0], t.shape[1], 1, 1];
      return { name: o.name, stride: o.stride ?? 0, shape, data, ...(gpu ? { gpu: { buffer: plan.outputBuffer(o.name), planeStride: t.planeStride } } : {}) };
    });
  }

  destroy(): void {
    // Built plans are freed now; one still building is freed when it is done.
    for (const c of this.built.values()) c.destroy();
    for (const p of this.plans.values()) p.then((c) => c.destroy(), () => {});
    this.plans.clear();
    this.built.clear();
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
  }
}

const planKey = (batch: number, height: number, width: number, schedule: ScheduleName, outputs?: OutputRequest) =>
  `${batch}x${height}x${width}:${schedule}` + (outputs ? `:${outputs.stages.join('+')}${outputs.embedding ? '+embedding' : ''}` : '');

function checkInput(input: Float32Array, batch: number, height: number, width: number): void {
  if (input.length !== batch * 3 * height * width) {
    throw new Error(`input has ${input.length} floats; [${batch}, 3, ${height}, ${width}] needs ${batch * 3 * height * width}`);
  }
  const bad = input.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`input value ${bad} is ${input[bad]}: inputs must be finite numbers (check the preprocessing)`);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Fails before any GPU work when a tensor of this input shape would not fit one buffer binding of the device. */
function checkDeviceLimits(g: GraphBuilder, limits: GPUSupportedLimits, batch: number, height: number, width: number): void {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  let biggest: Tensor | null = null;
  for (const n of g.nodes) for (const b of Object.values(n.bind)) if ('tensor' in b && (!biggest || b.tensor.size > biggest.size)) biggest = b.tensor;
  if (biggest && biggest.size * 4 > limit) {
    const fit = Math.floor((batch * limit) / (biggest.size * 4));
    throw new Error(`batch ${batch} at ${height}×${width} needs a ${mib(biggest.size * 4)} tensor (${biggest.name}), more than this device binds at once ` +
      `(maxStorageBufferBindingSize ${mib(limits.maxStorageBufferBindingSize)}, maxBufferSize ${mib(limits.maxBufferSize)}): ` +
      (fit >= 1 ? `run batches of at most ${fit}` : 'use a smaller input'));
  }
  if (g.weights.bytes > limits.maxBufferSize) throw new Error(`the weights take ${mib(g.weights.bytes)}, more than this device's maxBufferSize (${mib(limits.maxBufferSize)})`);
}
