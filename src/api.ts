// The library API: the Classifier that load() (load.ts) returns, with classify(image), run(tensor),
// features(), embed(), dispose(). Platform-neutral: the browser and Node entries (browser.ts, node.ts) supply how to
// open a device, read weights and decode images.
import type { Runtime } from './runtime.ts';
import type { Model, FeatureMap, ModelMemory } from './model.ts';
import type { StageInfo } from './models/backbone.ts';
import type { ScheduleName } from './schedule/index.ts';
import type { StateDict } from './weights/tensor.ts';
import { imagenetPreprocessing, preprocess, preprocessDense, type DensePlacement, type DenseResize, type Preprocessing, type Rgba } from './preprocess.ts';
import type { WeightFormat } from './gpu/pipelines.ts';
import type { KernelFamily } from './tuning.ts';
import imagenetLabels from './labels/imagenet.json' with { type: 'json' };

/** Checkpoint bytes, a File/Blob, a URL, or (Node) a file path. */
export type WeightsInput = Uint8Array | ArrayBuffer | Blob | URL | string;

/**
 * An image: decoded (ImageData, ImageBitmap, an <img>, a canvas, a VideoFrame, or RGBA pixels),
 * or encoded PNG/JPEG/WebP bytes (Uint8Array, ArrayBuffer, Blob), or a URL / (Node) a file path.
 */
export type ImageInput =
  | Rgba | ImageData | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | VideoFrame
  | Uint8Array | ArrayBuffer | Blob | URL | string;

export interface LoadProgress {
  phase: 'read' | 'parse' | 'fold' | 'upload' | 'compile';
  /** bytes read / parsed / uploaded, pipelines compiled (fold: 0, then 1) */
  loaded: number;
  total: number;
  /** read: the bytes came from the browser's cache of an earlier visit (LoadOptions.cache), not the network */
  cached?: boolean;
}

export interface LoadOptions {
  /** a runtime (GPU device) to build on; default: one opened for this model on the platform's adapter */
  device?: Runtime;
  onProgress?: (p: LoadProgress) => void;
  /** class names, in class-index order (default: ImageNet-1k's for 1000 classes, else "class N") */
  labels?: readonly string[];
  /** the input resolution (default: the one the checkpoint was made for where it says, else 224) */
  resolution?: number;
  /**
   * How the matrix weights (convolutions, linears) sit on the GPU. 'f16': IEEE half, half the memory
   * and weight bandwidth (read as f16 where the adapter has shader-f16, else as packed pairs; products
   * and sums stay f32; logits within 1e-2·max(1, max|y|) of float32's, measured 6e-4 to 2e-3).
   * 'f32': float32. 'auto' (default): f16 when the adapter has shader-f16 and the checkpoint's
   * weights are all halves already (a file saved in f16, such as `webvit convert --dtype f16`'s);
   * else f32. Such a file loses nothing more except where a norm is folded into a matrix at load
   * (LayerNorms into the next linear in DeiT, EdgeViT and Swin; BatchNorms of an unconverted file):
   * those products are rounded to half again.
   */
  dtype?: 'f32' | 'f16' | 'auto';
  /**
   * Which kernel family runs the kernels that have two: 'gpu' (workgroup tiles through workgroup
   * memory, shaped for GPUs) or 'cpu' (one register tile per invocation, shaped for a CPU adapter
   * such as SwiftShader). Default: the adapter's tuning ('gpu' on a GPU, 'cpu' on a CPU adapter).
   */
  kernels?: KernelFamily;
  /**
   * How activations are stored between kernels: 'f32' (default), or 'f16' (IEEE half: half the
   * activation memory and traffic; needs an adapter with shader-f16 and the 'gpu' kernels; products
   * and sums stay f32; README "Half activations" gives the logits' measured distance from float32's).
   */
  activations?: 'f32' | 'f16';
  /**
   * Weights given as a URL, in a page: 'auto' (default) keeps them in the Cache API between visits
   * (under their URL, with the digest of their bytes, checked before each use: a changed or corrupt
   * copy is dropped and fetched again; `clearCache()` empties it); 'none' always fetches. Node keeps
   * no copy.
   */
  cache?: 'auto' | 'none';
  /**
   * The checkpoint's digest as Subresource Integrity writes it ("sha256-" + base64 of its SHA-256):
   * bytes that do not match are refused, whatever they came from (network, cache, file, bytes).
   */
  integrity?: string;
  /**
   * Aborts the load: reading stops, and whatever the load allocated on the GPU (weights, pipelines'
   * plans, the device it opened) is freed; the promise rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * memory reading the checkpoint may take beyond the file itself, in bytes (default 3 × the file
   * + 1 MiB, what a well-formed checkpoint needs): a corrupt or hostile file stops there with an error
   */
  maxBytes?: number;
}

export interface Classification { index: number; label: string; probability: number }

export interface ClassifyOptions {
  /** how many classes per image (default 5) */
  topK?: number;
  /** aborts the call: decoding stops, a run already on the GPU finishes and its result is dropped; the promise rejects with the signal's reason */
  signal?: AbortSignal;
}

/** A float32 NCHW input [batch, 3, height, width], already preprocessed. */
export interface TensorInput { data: Float32Array; shape: readonly [number, number, number, number] }

/**
 * How images become a dense input: `[height, width]` (resized to exactly that), or a DenseResize
 * (`{ size: [H, W] }`, or mmdet's keep-ratio `{ resize: 'shorter', to: 800, maxLonger: 1333, pad: 32 }`).
 * Without it, images get the classification transform (resize, centre crop to the model's resolution).
 */
export type DenseSize = readonly [number, number] | DenseResize;

export interface FeatureOptions {
  /** the stages to return, by name (default: every stage the model has: `details().stages`) */
  stages?: readonly string[];
  /** the input size for images (ignored for a TensorInput, whose shape says it) */
  size?: DenseSize;
  /** also return the embedding (last, named "embedding", [B, C]) */
  embedding?: boolean;
  /** also hand out each output's GPU buffer (FeatureMap.gpu), for a head that runs in WebGPU on the same device */
  gpu?: boolean;
  /** 'fused' (default) or 'unfused' (one dispatch per PyTorch eager op) */
  schedule?: ScheduleName;
}

export interface ModelDetails {
  name: string;
  classes: number;
  resolution: number;
  adapter: { vendor: string; architecture: string; device: string; description: string };
  /** a software (CPU) adapter: inference works, slowly */
  fallback: boolean;
  /** how the kernels read the matrix weights: f32, f16 (shader-f16) or f16-packed (halves in u32s) */
  weights: WeightFormat;
  /** the kernel family that runs the kernels that have two (LoadOptions.kernels) */
  kernels: KernelFamily;
  /** how activations are stored between kernels: f32, or f16 (LoadOptions.activations) */
  activations: 'f32' | 'f16';
  memory: ModelMemory;
  /** the feature maps `features` can return: name (upstream's module), stride in input pixels, channels */
  stages: readonly StageInfo[];
  /** a detector's checkpoint: its modules other than the backbone, which webvit leaves alone, with their tensor counts */
  setAside: Readonly<Record<string, number>>;
}

/** How a platform reads weights: `cached` in progress when they came from a copy kept between visits. */
export interface ReadWeightsOptions { cache: 'auto' | 'none'; integrity?: string; signal?: AbortSignal }

/** What a platform entry provides. */
export interface Platform {
  runtime(): Promise<Runtime>;
  readWeights(weights: WeightsInput, onProgress: (loaded: number, total: number, cached?: boolean) => void, opts: ReadWeightsOptions): Promise<Uint8Array>;
  /** the state dict of checkpoint bytes; may run elsewhere (a worker) so that a page stays responsive */
  parse?(bytes: Uint8Array, opts: { maxBytes?: number }): Promise<StateDict>;
  decodeImage(image: ImageInput): Promise<Rgba>;
  /** says once that inference runs on the CPU (stderr in Node, the console in a page) */
  warnFallback(message: string): void;
}

export class Classifier {
  readonly classes: number;
  readonly labels: readonly string[];
  private disposed = false;

  private recovering: Promise<void> | null = null;

  /** The image → input transform: the checkpoint's own (recorded in its metadata), else ImageNet's at `resolution`. */
  readonly preprocessing: Preprocessing;

  constructor(private platform: Platform, private current: Model, readonly resolution: number, classes: number, labels: readonly string[] | undefined,
    private ownsRuntime: boolean, preprocessing?: Preprocessing, private setAside: Readonly<Record<string, number>> = {}) {
    this.classes = classes;
    this.preprocessing = preprocessing ?? imagenetPreprocessing(resolution);
    if (this.preprocessing.crop !== resolution) throw new Error(`the checkpoint's preprocessing crops to ${this.preprocessing.crop}×${this.preprocessing.crop}, not the resolution ${resolution}`);
    if (labels && labels.length !== classes) throw new Error(`${labels.length} labels for a checkpoint with ${classes} classes: give one label per class`);
    this.labels = labels ?? (classes === 1000 ? imagenetLabels : Array.from({ length: classes }, (_, i) => `class ${i}`));
  }

  /** The model (checkpoint, plans) on its current device. */
  get model(): Model { return this.current; }

  get name(): string { return this.current.info.name; }

  details(): ModelDetails {
    const gpu = this.current.runtime.gpu;
    return {
      name: this.name, classes: this.classes, resolution: this.resolution, adapter: gpu.adapterInfo, fallback: gpu.isFallback,
      weights: this.current.weightFormat, kernels: this.current.tuning.kernels, activations: this.current.tuning.activations, memory: this.current.memory(),
      stages: this.current.info.stages, setAside: this.setAside,
    };
  }

  /** The top `topK` classes of one image, or of each of several (run as one batch). */
  classify(image: ImageInput, opts?: ClassifyOptions): Promise<Classification[]>;
  classify(images: ImageInput[], opts?: ClassifyOptions): Promise<Classification[][]>;
  async classify(images: ImageInput | ImageInput[], opts: ClassifyOptions = {}): Promise<Classification[] | Classification[][]> {
    this.alive();
    this.headed();
    const list = Array.isArray(images) ? images : [images];
    if (list.length === 0) return [];
    const topK = Math.min(opts.topK ?? 5, this.classes);
    if (!(Number.isInteger(topK) && topK >= 1)) throw new Error(`topK must be a positive integer, got ${opts.topK}`);
    const signal = opts.signal;
    signal?.throwIfAborted();
    const res = this.resolution, n = 3 * res * res;
    const input = new Float32Array(list.length * n);
    for (const [i, img] of list.entries()) { input.set(await this.input(img), i * n); signal?.throwIfAborted(); }
    const { logits } = await this.run(input, [list.length, 3, res, res]);
    // A run in flight on the GPU cannot be stopped: its result is dropped.
    signal?.throwIfAborted();
    const out = list.map((_, b) => topClasses(logits.subarray(b * this.classes, (b + 1) * this.classes), topK, this.labels));
    return Array.isArray(images) ? out : out[0];
  }

  /**
   * Backbone mode: the feature maps of the stages asked for (default all), in the model's order, as
   * upstream's backbone computes them, for one image, several (one batch), or a preprocessed tensor;
   * with `embedding`, the embedding last. The graph stops at the last output asked for.
   */
  async features(input: ImageInput | ImageInput[] | TensorInput, opts: FeatureOptions = {}): Promise<FeatureMap[]> {
    this.alive();
    const stages = opts.stages ?? this.current.info.stages.map((s) => s.name);
    if (!Array.isArray(stages)) throw new Error('stages must be an array of stage names');
    const { data, shape: [b, , h, w] } = await this.tensorOf(input, opts.size);
    await this.recoverIfLost();
    return this.current.features(data, b, h, w, { stages, embedding: opts.embedding ?? false }, opts.schedule ?? 'fused', opts.gpu ?? false);
  }

  /**
   * The embedding of one image (a Float32Array of the model's width) or of each of several (each image
   * of a tensor): the pooled vector that feeds the head, as it is (not L2-normalised; normalise it for
   * cosine similarity).
   */
  embed(image: ImageInput, opts?: Pick<FeatureOptions, 'size' | 'schedule'>): Promise<Float32Array>;
  embed(images: ImageInput[] | TensorInput, opts?: Pick<FeatureOptions, 'size' | 'schedule'>): Promise<Float32Array[]>;
  async embed(input: ImageInput | ImageInput[] | TensorInput, opts: Pick<FeatureOptions, 'size' | 'schedule'> = {}): Promise<Float32Array | Float32Array[]> {
    if (Array.isArray(input) && input.length === 0) return [];
    const [e] = await this.features(input, { ...opts, stages: [], embedding: true });
    const [b, c] = e.shape;
    const rows = Array.from({ length: b }, (_, i) => e.data.slice(i * c, (i + 1) * c));
    return Array.isArray(input) || isTensorInput(input) ? rows : rows[0];
  }

  /**
   * Images as one dense input batch (`size`: see DenseSize) and where each image sits in it (its scale
   * and resized size: what maps a detector's boxes back onto the image).
   */
  async denseInput(images: ImageInput | ImageInput[], size: DenseSize): Promise<TensorInput & { placements: DensePlacement[] }> {
    const list = Array.isArray(images) ? images : [images];
    const spec: DenseResize = isPair(size) ? { size } : size;
    const { data, height, width, placements } = preprocessDense(await Promise.all(list.map((i) => this.platform.decodeImage(i))), spec, this.preprocessing);
    return { data, shape: [list.length, 3, height, width], placements };
  }

  private async tensorOf(input: ImageInput | ImageInput[] | TensorInput, size: DenseSize | undefined): Promise<TensorInput> {
    if (isTensorInput(input)) {
      const [b, c, h, w] = input.shape;
      if (input.shape.length !== 4 || c !== 3 || ![b, h, w].every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`a tensor input's shape must be [batch, 3, height, width], got [${input.shape}]`);
      if (input.data.length !== b * c * h * w) throw new Error(`a tensor input of shape [${input.shape}] needs ${b * c * h * w} floats, got ${input.data.length}`);
      return input;
    }
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) throw new Error('no images given');
    if (size !== undefined) return this.denseInput(list, size);
    const res = this.resolution, n = 3 * res * res;
    const data = new Float32Array(list.length * n);
    for (const [i, img] of list.entries()) data.set(await this.input(img), i * n);
    return { data, shape: [list.length, 3, res, res] };
  }

  /** One image as the model's input: decoded, then preprocessed (float32 [3, resolution, resolution]). */
  async input(image: ImageInput): Promise<Float32Array> {
    return preprocess(await this.platform.decodeImage(image), this.preprocessing);
  }

  /** Raw logits [batch, classes] for a float32 NCHW input (default shape: [n, 3, resolution, resolution]). */
  async run(input: Float32Array, shape?: readonly [number, number, number, number]): Promise<{ logits: Float32Array; batch: number; classes: number }> {
    this.alive();
    this.headed();
    await this.recoverIfLost();
    const res = this.resolution;
    const [b, c, h, w] = shape ?? [input.length / (3 * res * res), 3, res, res];
    if (c !== 3 || !Number.isInteger(b) || b < 1) throw new Error(`input of ${input.length} floats is not [batch, 3, ${h}, ${w}]; pass its shape`);
    return this.current.run(input, b, h, w);
  }

  /**
   * After the device was lost (a driver reset, a GPU switch, …), a classifier that opened its own
   * device opens a new one and builds its weights and pipelines there again; one given a runtime
   * (`device`) cannot, and says so.
   */
  private async recoverIfLost(): Promise<void> {
    const lost = this.current.runtime.gpu.lost;
    if (lost === null) return;
    if (!this.ownsRuntime) {
      throw new Error(`the GPU device was lost (${lost}); the runtime passed as \`device\` cannot be used again: open a new runtime and load the model on it`);
    }
    this.recovering ??= (async () => {
      const runtime = await this.platform.runtime();
      const old = this.current;
      this.current = old.on(runtime);
      old.destroy();
    })().finally(() => { this.recovering = null; });
    await this.recovering;
  }

  /** Frees the GPU memory (and the device, if load opened it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.current.destroy();
    if (this.ownsRuntime) this.current.runtime.gpu.device.destroy();
  }

  private headed(): void {
    if (this.classes === 0) throw new Error(`this ${this.name} checkpoint has no classifier head (a detector's backbone): use features() or embed()`);
  }

  private alive(): void { if (this.disposed) throw new Error(`${this.name} was disposed; load it again`); }
}

const isPair = (s: DenseSize): s is readonly [number, number] => Array.isArray(s);

function isTensorInput(x: unknown): x is TensorInput {
  return typeof x === 'object' && x !== null && (x as TensorInput).data instanceof Float32Array && Array.isArray((x as TensorInput).shape);
}

/** Softmax (in float64) and the k most likely classes. */
export function topClasses(logits: Float32Array, k: number, labels: readonly string[]): Classification[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  const e = Array.from(logits, (v) => { const x = Math.exp(v - max); sum += x; return x; });
  return e.map((x, index) => ({ index, label: labels[index], probability: x / sum }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index).slice(0, k);
}

export { loadWith, shippedWeights, SHIPPED_WEIGHTS } from './load.ts';
