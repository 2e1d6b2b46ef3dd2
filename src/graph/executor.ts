// Turns a described graph into a flat list of dispatches on the GPU: one packed weight buffer, a
// few activation buffers from the memory plan, all params in one uniform buffer (256-byte slots),
// bind groups made once. One inference = one command encoder, one compute pass, one submit.
import { assertAlive, awaitGpu, checked, type Gpu } from '../gpu/device.ts';
import { packParams, type KernelInfo } from '../gpu/shaders.ts';
import { pipelineKey, type CompiledKernel, type PipelineCache } from '../gpu/pipelines.ts';
import { planMemory, type Lifetime } from './memory.ts';
import type { GraphBuilder } from './builder.ts';
import { tensorBytes, type GraphOutput, type Node, type Tensor } from './ir.ts';

export interface Step { node: Node; kernel: CompiledKernel; bindGroup: GPUBindGroup }

/** Records the steps' dispatches into an open compute pass. */
export function encodeSteps(pass: GPUComputePassEncoder, steps: readonly Step[]): void {
  for (const s of steps) {
    pass.setPipeline(s.kernel.pipeline);
    pass.setBindGroup(0, s.bindGroup);
    pass.dispatchWorkgroups(...s.node.workgroups);
  }
}

export interface GraphStats {
  dispatches: number;
  /** GPU buffers this plan owns (the shared weights buffer is the model's) */
  buffers: number;
  activationBytes: number;
  /** the plan's own buffers: activations, input, output, readback, params, placeholders */
  planBytes: number;
  /** the weights it binds (a pool the model's plans for other shapes share) */
  weightBytes: number;
  pipelines: number;
}

/** Progress of building a plan: weights written to the GPU, pipelines compiled. */
export type CompileProgress = (phase: 'upload' | 'compile', loaded: number, total: number) => void;

export class CompiledGraph {
  private queue: Promise<unknown> = Promise.resolve();
  /** GPU time of the last run, to know how long readback can sleep before polling. */
  private lastMs = 0;
  /** where each output starts in what `run` returns, in floats (the outputs follow each other in order) */
  readonly outputOffsets: number[];
  constructor(
    readonly gpu: Gpu,
    readonly steps: Step[],
    readonly inputs: Tensor[],
    /** what `run` reads back, in order (each in its padded layout) */
    readonly outputs: GraphOutput[],
    private inputBuffers: GPUBuffer[],
    private outputBuffers: GPUBuffer[],
    private staging: GPUBuffer,
    private owned: GPUBuffer[],
    readonly stats: GraphStats,
    /** the weights buffer is this plan's own (not a pool the model's plans share) */
    readonly ownsWeights: boolean,
    private weights: { destroy(): void },
  ) {
    let at = 0;
    this.outputOffsets = outputs.map((o) => { const start = at; at += o.tensor.size; return start; });
  }

  /** The first output (a classifier's logits). */
  get output(): Tensor { return this.outputs[0].tensor; }

  /**
   * The GPU buffer that holds output `name` after a run (padded layout, see layout.ts), for a consumer
   * that reads it on the GPU: valid until the plan is destroyed, overwritten by the next run.
   */
  outputBuffer(name: string): GPUBuffer {
    const i = this.outputs.findIndex((o) => o.name === name);
    if (i < 0) throw new Error(`the plan has no output ${name}; it has ${this.outputs.map((o) => o.name).join(', ')}`);
    return this.outputBuffers[i];
  }

  /**
   * Runs the graph on `inputs` (input i in its padded layout, see layout.ts) and reads the outputs
   * back, one after the other (`outputOffsets`). Calls made while one is running wait their
   * turn (one set of buffers per plan), so concurrent calls give what sequential ones would.
   */
  run(...inputs: Float32Array[]): Promise<Float32Array> {
    assertAlive(this.gpu);
    if (inputs.length !== this.inputs.length) throw new Error(`the graph has ${this.inputs.length} inputs, got ${inputs.length}`);
    inputs.forEach((x, i) => {
      if (x.length !== this.inputs[i].size) throw new Error(`graph input ${this.inputs[i].name} needs ${this.inputs[i].size} floats, got ${x.length}`);
    });
    const turn = this.queue.then(() => this.runNow(inputs));
    this.queue = turn.catch(() => {});
    return turn;
  }

  private async runNow(inputs: Float32Array[]): Promise<Float32Array> {
    assertAlive(this.gpu);
    try {
      const d = this.gpu.device;
      await checked(this.gpu, 'inference', () => {
        inputs.forEach((x, i) => d.queue.writeBuffer(this.inputBuffers[i], 0, x.buffer as ArrayBuffer, x.byteOffset, x.byteLength));
        const enc = d.createCommandEncoder({ label: 'inference' });
        const pass = enc.beginComputePass({ label: 'inference' });
        encodeSteps(pass, this.steps);
        pass.end();
        this.outputs.forEach((o, i) => enc.copyBufferToBuffer(this.outputBuffers[i], 0, this.staging, this.outputOffsets[i] * 4, o.tensor.size * 4));
        d.queue.submit([enc.finish()]);
      });
      this.lastMs = await awaitGpu(this.gpu, this.lastMs, () => this.staging.mapAsync(GPUMapMode.READ));
      const out = new Float32Array(this.staging.getMappedRange().slice(0));
      this.staging.unmap();
      return out;
    } catch (e) {
      // A device lost during the run fails its readback; the lost promise may settle just after
      // (its first handler, set when the device was opened, records the reason).
      await Promise.race([this.gpu.device.lost, new Promise((r) => setTimeout(r, 200))]);
      assertAlive(this.gpu);
      throw e;
    }
  }

  /** Frees the plan's buffers (and its weights, unless a model shares them with other plans). */
  destroy(): void {
    for (const b of this.owned) b.destroy();
    if (this.ownsWeights) this.weights.destroy();
  }
}

export async function compileGraph(gpu: Gpu, cache: PipelineCache, g: GraphBuilder, label: string, onProgress?: CompileProgress): Promise<CompiledGraph> {
  assertAlive(gpu);
  const d = gpu.device;
  const weights = await checked(gpu, `uploading the weights of ${label}`, () => g.weights.upload(d, label, onProgress && ((loaded, total) => onProgress('upload', loaded, total))));
  // All pipelines compile in parallel; reflection tells which bindings each node writes.
  const distinct = [...new Map(g.nodes.map((n) => [pipelineKey(n.kernel), n.kernel])).values()];
  let compiled = 0;
  onProgress?.('compile', 0, distinct.length);
  await Promise.all(distinct.map((k) => cache.get(k).then(() => onProgress?.('compile', ++compiled, distinct.length))));
  const kernels = await Promise.all(g.nodes.map((n) => cache.get(n.kernel)));
  const lifetimes = tensorLifetimes(g, kernels.map((k) => k.info));
  if (!g.outputs.length) throw new Error(`${label}: the graph has no output`);
  const outputs = g.outputs.map((o) => o.tensor);
  const dedicated = (t: Tensor) => g.inputs.includes(t) || outputs.includes(t);
  const plan = planMemory(lifetimes.filter((l) => !dedicated(l.tensor)));
  return checked(gpu, `building ${label}`, () => {
    const usage = GPUBufferUsage.STORAGE;
    const make = (name: string, bytes: number, extra = 0) => d.createBuffer({ label: `${label}:${name}`, size: Math.max(16, bytes), usage: usage | extra });
    const slots = plan.slotSizes.map((s, i) => make(`activations${i}`, s));
    const inputBuffers = g.inputs.map((t) => make(`input:${t.name}`, tensorBytes(t), GPUBufferUsage.COPY_DST));
    const outputBuffers = g.outputs.map((o) => make(`output:${o.name}`, tensorBytes(o.tensor), GPUBufferUsage.COPY_SRC));
    const readback = outputs.reduce((a, t) => a + t.size, 0);
    const staging = d.createBuffer({ label: `${label}:readback`, size: readback * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    // Unbound optional inputs and outputs get tiny placeholders: one for reads, one for writes, so a
    // dispatch never sees one buffer as both read-only and writable.
    const emptyRead = make('empty-read', 4), emptyWrite = make('empty-write', 4);
    const bufferOf = (t: Tensor) => {
      const i = g.inputs.indexOf(t);
      const o = outputs.indexOf(t);
      return i >= 0 ? inputBuffers[i] : o >= 0 ? outputBuffers[o] : slots[plan.slotOf.get(t.id)!];
    };

    const align = d.limits.minUniformBufferOffsetAlignment;
    const slotBytes = Math.max(align, ...kernels.map((k) => Math.ceil((k.info.params?.size ?? 0) / align) * align));
    const uniformBytes = new ArrayBuffer(Math.max(1, g.nodes.length) * slotBytes);
    const view = new DataView(uniformBytes);
    const uniforms = d.createBuffer({ label: `${label}:params`, size: uniformBytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });

    const steps: Step[] = g.nodes.map((node, i) => {
      const k = kernels[i];
      checkWeightForms(node, k);
      checkActivationForms(node, k);
      const entries: GPUBindGroupEntry[] = k.info.bindings.map((b) => {
        if (b.kind === 'uniform') {
          packParams(k.info.params!, node.params, view, i * slotBytes, `${node.name} (${k.key})`);
          return { binding: b.binding, resource: { buffer: uniforms, offset: i * slotBytes, size: k.info.params!.size } };
        }
        const bound = node.bind[b.name];
        if (!bound) throw new Error(`${node.name}: kernel ${k.key} binding "${b.name}" is not bound`);
        if ('tensor' in bound) return { binding: b.binding, resource: { buffer: bufferOf(bound.tensor), offset: 0, size: tensorBytes(bound.tensor) } };
        if ('weight' in bound) return { binding: b.binding, resource: { buffer: weights, offset: bound.weight.byteOffset, size: bound.weight.byteLength } };
        return { binding: b.binding, resource: { buffer: b.kind === 'read' ? emptyRead : emptyWrite } };
      });
      for (const name of Object.keys(node.bind)) {
        if (!k.info.bindings.some((b) => b.name === name)) throw new Error(`${node.name}: kernel ${k.key} has no binding "${name}"`);
      }
      const bindGroup = d.createBindGroup({ label: `${node.name} (${k.key})`, layout: k.layout, entries });
      return { node, kernel: k, bindGroup };
    });
    d.queue.writeBuffer(uniforms, 0, uniformBytes);
    const owned = [...slots, ...inputBuffers, ...outputBuffers, staging, emptyRead, emptyWrite, uniforms];
    const stats: GraphStats = {
      dispatches: steps.length,
      buffers: owned.length,
      activationBytes: plan.slotSizes.reduce((a, b) => a + Math.max(16, b), 0),
      planBytes: owned.reduce((a, b) => a + b.size, 0),
      weightBytes: g.weights.bytes,
      pipelines: new Set(kernels.map((k) => k.key)).size,
    };
    return new CompiledGraph(gpu, steps, g.inputs, [...g.outputs], inputBuffers, outputBuffers, staging, owned, stats, g.ownsWeights, g.weights);
  });
}

/**
 * A kernel reads its matrix weights (`array<wvec4>` bindings) in one form: each must be bound to a
 * weight stored that way (half for a half kernel), and every other weight binding to float32.
 */
function checkWeightForms(node: Node, k: CompiledKernel): void {
  const form = node.kernel.weights ?? 'f32';
  if (form !== 'f32' && k.info.weightBindings.length === 0) throw new Error(`${node.name}: kernel ${k.key} has no matrix-weight binding to read as ${form}`);
  for (const [name, bound] of Object.entries(node.bind)) {
    const matrix = k.info.weightBindings.includes(name);
    const want = matrix && form !== 'f32' ? 'f16' : 'f32';
    if ('weight' in bound && bound.weight.dtype !== want) {
      throw new Error(`${node.name}: weight ${bound.weight.name} is stored as ${bound.weight.dtype}, but kernel ${k.key} reads ${name} as ${want}`);
    }
    if ('tensor' in bound && matrix && form !== 'f32') throw new Error(`${node.name}: kernel ${k.key} reads ${name} as half weights, but a tensor is bound to it`);
  }
}

/**
 * Each tensor is bound where the kernel stores values as the tensor does: a half tensor only to a
 * binding of the kernel's half-activation form (`array<act>`, act_f16.wgsl), a float32 one only to
 * a float32 binding. Catches a kernel that reads half tensors through a binding still typed f32.
 */
function checkActivationForms(node: Node, k: CompiledKernel): void {
  for (const [name, bound] of Object.entries(node.bind)) {
    if (!('tensor' in bound)) continue;
    const half = node.kernel.activations === 'f16' && k.info.activationBindings.includes(name);
    if ((bound.tensor.dtype === 'f16') !== half) {
      throw new Error(`${node.name}: tensor ${bound.tensor.name} is stored as ${bound.tensor.dtype ?? 'f32'}, but kernel ${k.key} reads ${name} as ${half ? 'f16' : 'f32'}` +
        (bound.tensor.dtype === 'f16' && !k.info.activationBindings.includes(name) ? ` (declare it array<act> or array<act4>: shaders/include/act.wgsl)` : ''));
    }
  }
}

function tensorLifetimes(g: GraphBuilder, infos: KernelInfo[]): Lifetime[] {
  const map = new Map<number, Lifetime>();
  g.nodes.forEach((n, i) => {
    for (const b of infos[i].bindings) {
      const bound = n.bind[b.name];
      if (!bound || !('tensor' in bound)) continue;
      const t = bound.tensor;
      const lt = map.get(t.id);
      if (b.kind === 'read_write') {
        // Several nodes may write disjoint parts of one tensor (e.g. attention heads into their channels).
        if (lt) lt.last = i;
        else map.set(t.id, { tensor: t, first: i, last: i });
      } else {
        if (!lt && !g.inputs.includes(t)) throw new Error(`${n.name}: tensor ${t.name} is read before any node writes it`);
        if (lt) lt.last = i;
        else map.set(t.id, { tensor: t, first: -1, last: i });
      }
    }
  });
  return [...map.values()];
}
