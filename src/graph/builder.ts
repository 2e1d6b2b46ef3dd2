// Collects tensors, packed weights and nodes while a model is described.
import { cast } from '../ops/cast.ts';
import { planeStride, roundUp, type Binding, type Category, type GraphOutput, type Node, type Tensor, type WeightRef } from './ir.ts';
import { categoryOf } from './categories.ts';
import { WeightPool } from './weights.ts';
import { CPU_TUNING, type Tuning } from '../tuning.ts';
import type { KernelRef } from '../gpu/pipelines.ts';

/** Thrown when a graph needs a weight that a shared, already uploaded pool does not hold: build it again with a pool of its own. */
export class WeightPoolMiss extends Error {}

/**
 * What an op builder gives; where the node comes from (module, layer, ops) is filled in from
 * `GraphBuilder.within`, and its category follows from its ops ("other" for a node with none: a
 * test's or a micro-benchmark's).
 */
export type NodeSpec = Omit<Node, 'module' | 'layer' | 'ops' | 'category'> & { module?: string; ops?: string[] };

/** Provenance applied to the nodes made inside `within`. */
export interface Provenance { layer?: string; module?: string; ops?: string[]; category?: Category }

export class GraphBuilder {
  readonly tensors: Tensor[] = [];
  readonly nodes: Node[] = [];
  private provenance: Provenance = {};
  private weightNames = new Set<string>();
  /** the pool was made for this graph (not shared): the compiled graph frees it */
  readonly ownsWeights: boolean;
  readonly weights: WeightPool;

  /**
   * `weights`: a pool shared with the model's other graphs (other input shapes), default a pool of
   * its own; `tuning`: the runtime's (default: the values measured best on a CPU adapter).
   */
  constructor(weights?: WeightPool, readonly tuning: Tuning = CPU_TUNING) {
    this.weights = weights ?? new WeightPool();
    this.ownsWeights = !weights || weights.perGraph;
  }
  readonly inputs: Tensor[] = [];
  /** what a run reads back, in order: the logits, or the feature maps and embedding asked for */
  readonly outputs: GraphOutput[] = [];

  /** The first output (a classifier's logits). */
  get output(): Tensor {
    if (!this.outputs.length) throw new Error('the graph has no output');
    return this.outputs[0].tensor;
  }
  /** Makes `t` the graph's one output, named logits (read back as float32: see addOutput). */
  set output(t: Tensor) {
    if (this.outputs.length) throw new Error(`the graph has its outputs (${this.outputs.map((o) => o.name).join(', ')}) already`);
    this.addOutput('logits', t);
  }

  /**
   * Adds `t` to what a run reads back (a feature map with its stride in input pixels, or a vector).
   * Outputs are float32: a half tensor is read back through a cast to float32 (shaders/cast.wgsl),
   * so give each tensor once, after the nodes that write it.
   */
  addOutput(name: string, tensor: Tensor, stride?: number): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`two outputs of one graph are both named ${name}`);
    if (this.outputs.some((o) => o.tensor === tensor || o.from === tensor)) throw new Error(`output ${name}: tensor ${tensor.name} is an output already`);
    const out = tensor.dtype === 'f16' ? cast(this, tensor, this.tensor(`${tensor.name}:f32`, tensor.shape, 'f32')) : tensor;
    this.outputs.push({ name, tensor: out, ...(out !== tensor ? { from: tensor } : {}), ...(stride !== undefined ? { stride } : {}) });
  }

  /** How this graph stores its activations (Tuning.activations): float32, or IEEE half. */
  get activations(): 'f32' | 'f16' { return this.tuning.activations; }

  /**
   * A feature map [B, C, H, W] (each H×W plane padded to vec4) or vectors [B, N] (each row padded to
   * vec4), stored as the graph's activations (`dtype`: float32 for its inputs and outputs).
   */
  tensor(name: string, shape: number[], dtype: 'f32' | 'f16' = this.activations): Tensor {
    if (shape.length !== 4 && shape.length !== 2) throw new Error(`tensor ${name}: shape [${shape}] must be [B, C, H, W] or [B, N]`);
    if (!shape.every((s) => Number.isInteger(s) && s >= 1)) throw new Error(`tensor ${name}: shape [${shape}] must be positive integers`);
    const [b, c, h, w] = shape;
    const ps = shape.length === 4 ? planeStride(h, w) : roundUp(c, 4);
    const size = shape.length === 4 ? b * c * ps : b * ps;
    const t: Tensor = { id: this.tensors.length, name, shape, planeStride: ps, size, ...(dtype === 'f16' ? { dtype } : {}) };
    this.tensors.push(t);
    return t;
  }

  /**
   * A weight (its range in the pool), zero-padded to `paddedLength` floats if given. The name
   * identifies the weight across graphs (a shared pool hands the same range to every input shape),
   * so it must be unique within a graph.
   */
  weight(name: string, data: Float32Array, paddedLength = data.length, matrix = false): WeightRef {
    if (paddedLength < data.length) throw new Error(`weight ${name}: padded length ${paddedLength} < ${data.length}`);
    if (this.weightNames.has(name)) throw new Error(`two weights of one graph are both named ${name}: weight names must be unique`);
    this.weightNames.add(name);
    const ref = this.weights.get(name, data, paddedLength, matrix);
    if (!ref) throw new WeightPoolMiss(`weight ${name} is not in the shared pool`);
    return ref;
  }

  /**
   * A matrix weight, for a kernel's `array<wvec4>` binding: stored in the pool's format (float32 or
   * half). The node must name its kernel through `kernel()` so that the kernel reads that format.
   */
  matrixWeight(name: string, data: Float32Array, paddedLength = data.length): WeightRef {
    return this.weight(name, data, paddedLength, true);
  }

  /** Bytes per value of a matrix weight in this graph's pool (4, or 2 for half): for the op builders' byte counts. */
  get matrixBytes(): number { return this.weights.format === 'f32' ? 4 : 2; }

  /** A kernel that binds matrix weights, in the form that reads this graph's (float32 or half). */
  kernel(k: KernelRef): KernelRef {
    return this.weights.format === 'f32' ? k : { ...k, weights: this.weights.format };
  }

  /** Weight matrix [rows, cols] stored with rows padded to `rowMultiple` and each row to `colMultiple` floats. */
  matrix(name: string, data: Float32Array, rows: number, cols: number, rowMultiple: number, colMultiple: number): { ref: WeightRef; stride: number } {
    const stride = roundUp(cols, colMultiple);
    const out = new Float32Array(roundUp(rows, rowMultiple) * stride);
    for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols, (r + 1) * cols), r * stride);
    return { ref: this.matrixWeight(name, out), stride };
  }

  /**
   * A graph input, uploaded before each run (float32). In a graph of half activations the nodes
   * read its cast (shaders/cast.wgsl), which this returns.
   */
  input(name: string, shape: number[]): Tensor {
    const t = this.tensor(name, shape, 'f32');
    this.inputs.push(t);
    return this.activations === 'f16' ? cast(this, t, this.tensor(`${name}:f16`, shape)) : t;
  }

  /** Runs `fn` with `p` merged into the provenance of every node it makes (schedules name layers, modules and ops this way). */
  within<T>(p: Provenance, fn: () => T): T {
    const saved = this.provenance;
    this.provenance = { ...saved, ...p };
    try { return fn(); } finally { this.provenance = saved; }
  }

  /** Adds a node; in a graph of half activations its kernel is asked for in that form (shaders/include/act.wgsl). */
  node(spec: NodeSpec): void {
    for (const [k, b] of Object.entries(spec.bind)) checkBinding(spec.name, k, b, this);
    const p = this.provenance;
    const ops = spec.ops ?? p.ops ?? [];
    const n: Node = {
      ...spec,
      kernel: this.activations === 'f16' ? { ...spec.kernel, activations: 'f16' } : spec.kernel,
      module: spec.module ?? p.module ?? spec.name,
      layer: p.layer ?? spec.name,
      ops,
      category: p.category ?? (ops.length ? categoryOf(ops) : 'other'),
    };
    this.nodes.push(n);
  }
}

function checkBinding(node: string, name: string, b: Binding, g: GraphBuilder): void {
  if ('tensor' in b && g.tensors[b.tensor.id] !== b.tensor) throw new Error(`${node}.${name}: tensor ${b.tensor.name} is not from this graph`);
}
