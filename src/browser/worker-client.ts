// loadInWorker(): the Classifier API with the model, its GPU device and its preprocessing in a
// dedicated worker (worker-host.ts, bundled to dist/webvit-worker.js beside dist/webvit.js), so the
// page's thread never waits on parsing, uploads, compiles or decoding. Images cross as ImageBitmaps
// and VideoFrames (transferred copies: the caller keeps its own), bytes and Blobs as they are, URLs
// as absolute strings; results come back as plain objects; errors keep their names and messages.
import type { Classification, ClassifyOptions, FeatureOptions, ImageInput, LoadOptions, LoadProgress, ModelDetails, TensorInput, WeightsInput } from '../api.ts';
import type { FeatureMap } from '../model.ts';
import type { Preprocessing } from '../preprocess.ts';
import type { GraphStats } from '../graph/executor.ts';
import type { ProfileReport } from '../profile/profile.ts';
import type { BrowserProfileOptions } from './profile.ts';
import { errorFrom, type Reply, type Request, type WorkerLoadOptions } from './worker-protocol.ts';

/** A request without its id (call() numbers it). */
type RequestBody = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

type Pending = { resolve(v: unknown): void; reject(e: Error): void; onProgress?: (p: LoadProgress) => void };

/** An image as it crosses to the worker, and what to transfer with it. */
async function crossing(img: ImageInput): Promise<[unknown, Transferable[]]> {
  if (typeof img === 'string') return [new URL(img, location.href).href, []];
  if (img instanceof URL) return [img.href, []];
  if (typeof VideoFrame !== 'undefined' && img instanceof VideoFrame) { const f = img.clone(); return [f, [f]]; }
  if ((typeof HTMLImageElement !== 'undefined' && img instanceof HTMLImageElement) || (typeof HTMLCanvasElement !== 'undefined' && img instanceof HTMLCanvasElement) ||
    (typeof ImageBitmap !== 'undefined' && img instanceof ImageBitmap) || (typeof OffscreenCanvas !== 'undefined' && img instanceof OffscreenCanvas)) {
    if (img instanceof HTMLImageElement && !img.complete) await img.decode();
    const b = await createImageBitmap(img, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    return [b, [b]];
  }
  return [img, []]; // ImageData, RGBA pixels, bytes and Blobs are copied by the structured clone
}

export class WorkerClassifier {
  private next = 1;
  private pending = new Map<number, Pending>();
  private disposed = false;
  name = '';
  classes = 0;
  labels: readonly string[] = [];
  resolution = 0;
  preprocessing!: Preprocessing;

  private constructor(private worker: Worker) {
    worker.onmessage = (e: MessageEvent<Reply>) => {
      const r = e.data, p = this.pending.get(r.id);
      if (!p) return;
      if ('progress' in r) { p.onProgress?.(r.progress); return; }
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.result); else p.reject(errorFrom(r.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      const err = new Error(`the webvit worker failed: ${e.message || 'it could not start (is dist/webvit-worker.js served beside dist/webvit.js?)'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** Sends a request; `signal` aborts it (the call rejects at once, the worker stops what it can). */
  private call<T>(req: RequestBody, transfer: Transferable[] = [], signal?: AbortSignal, onProgress?: (p: LoadProgress) => void): Promise<T> {
    if (this.disposed) return Promise.reject(new Error(`${this.name || 'the model'} was disposed; load it again`));
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      signal?.throwIfAborted();
      const onAbort = () => { this.pending.delete(id); this.worker.postMessage({ id: this.next++, op: 'abort', target: id }); reject(signal!.reason); };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { resolve: (v) => { done(); resolve(v as T); }, reject: (e) => { done(); reject(e); }, onProgress });
      this.worker.postMessage({ ...req, id } as Request, transfer);
    });
  }

  static async load(worker: Worker, name: string, weights: WeightsInput | undefined, options: LoadOptions): Promise<WorkerClassifier> {
    const c = new WorkerClassifier(worker);
    const { onProgress, signal, device, ...rest } = options;
    if (device) throw new Error('loadInWorker: the worker opens its own device; `device` is for load() on the page');
    const w = typeof weights === 'string' ? new URL(weights, location.href).href : weights instanceof URL ? weights.href : weights;
    try {
      const info = await c.call<{ name: string; classes: number; labels: string[]; resolution: number; preprocessing: Preprocessing }>(
        { op: 'load', name, weights: w, options: rest satisfies WorkerLoadOptions }, [], signal, onProgress);
      Object.assign(c, info);
      return c;
    } catch (e) {
      worker.terminate(); // an aborted or failed load frees everything: the worker's device goes with it
      c.disposed = true;
      throw e;
    }
  }

  classify(image: ImageInput, opts?: ClassifyOptions): Promise<Classification[]>;
  classify(images: ImageInput[], opts?: ClassifyOptions): Promise<Classification[][]>;
  async classify(images: ImageInput | ImageInput[], opts: ClassifyOptions = {}): Promise<Classification[] | Classification[][]> {
    const list = await Promise.all((Array.isArray(images) ? images : [images]).map(crossing));
    const { signal, ...rest } = opts;
    const out = await this.call<Classification[][]>({ op: 'classify', args: [list.map(([x]) => x), rest] }, list.flatMap(([, t]) => t), signal);
    return Array.isArray(images) ? out : out[0];
  }

  async features(input: ImageInput | ImageInput[] | TensorInput, opts: FeatureOptions = {}): Promise<FeatureMap[]> {
    const [x, t] = await this.crossingInput(input);
    return this.call({ op: 'features', args: [x, opts] }, t);
  }

  embed(image: ImageInput, opts?: Pick<FeatureOptions, 'size' | 'schedule'>): Promise<Float32Array>;
  embed(images: ImageInput[] | TensorInput, opts?: Pick<FeatureOptions, 'size' | 'schedule'>): Promise<Float32Array[]>;
  async embed(input: ImageInput | ImageInput[] | TensorInput, opts: Pick<FeatureOptions, 'size' | 'schedule'> = {}): Promise<Float32Array | Float32Array[]> {
    const [x, t] = await this.crossingInput(input);
    return this.call({ op: 'embed', args: [x, opts] }, t);
  }

  /** One image as the model's input (float32 [3, resolution, resolution]), preprocessed in the worker. */
  async input(image: ImageInput): Promise<Float32Array> {
    const [x, t] = await crossing(image);
    return this.call({ op: 'input', args: [x] }, t);
  }

  run(input: Float32Array, shape?: readonly [number, number, number, number]): Promise<{ logits: Float32Array; batch: number; classes: number }> {
    return this.call({ op: 'run', args: [input, shape] });
  }

  details(): Promise<ModelDetails> { return this.call({ op: 'details', args: [] }); }

  /** The plan's statistics (dispatches, buffers, memory) for a batch at the model's resolution. */
  stats(batch = 1): Promise<GraphStats> { return this.call({ op: 'stats', args: [batch] }); }

  /** The profiler's report (the page API's profile()), run in the worker. */
  profile(opts: BrowserProfileOptions = {}): Promise<ProfileReport> {
    const { onProgress: _, ...rest } = opts;
    return this.call({ op: 'profile', args: [rest] });
  }

  /** Frees the model and its device, and ends the worker. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const bye = this.call({ op: 'dispose' }).catch(() => {});
    void bye.finally(() => this.worker.terminate());
    for (const p of this.pending.values()) p.reject(new Error(`${this.name} was disposed`));
    this.pending.clear();
  }

  private async crossingInput(input: ImageInput | ImageInput[] | TensorInput): Promise<[unknown, Transferable[]]> {
    if (typeof input === 'object' && input !== null && 'shape' in input && (input as TensorInput).data instanceof Float32Array) return [input, []];
    if (Array.isArray(input)) { const l = await Promise.all(input.map(crossing)); return [l.map(([x]) => x), l.flatMap(([, t]) => t)]; }
    return crossing(input as ImageInput);
  }
}

/**
 * Loads a model in a dedicated worker (dist/webvit-worker.js, beside this bundle): the same calls as
 * load()'s Classifier (classify, features, embed, input, run, details, profile, dispose), answered
 * from the worker. `signal` aborts the load (the worker ends, taking its device with it).
 */
export function loadInWorker(name: string, weights?: WeightsInput, options: LoadOptions = {}): Promise<WorkerClassifier> {
  const worker = new Worker(new URL('./webvit-worker.js', import.meta.url), { type: 'module', name: `webvit ${name}` });
  return WorkerClassifier.load(worker, name, weights, options);
}
