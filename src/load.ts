// load(): checkpoint bytes → a ready Classifier, platform-neutral (the browser and Node entries supply
// reading, parsing and the device): read (cache, integrity, abort), parse, open the device, fold,
// upload and compile the first plan; and the checkpoints webvit ships.
import { Classifier, type LoadOptions, type Platform, type WeightsInput } from './api.ts';
import { Model } from './model.ts';
import { hasHead, modelInfo } from './models/registry.ts';
import { loadStateDict, checkpointMetadata, setAside } from './weights/load.ts';
import type { StateDict } from './weights/tensor.ts';
import { parsePreprocessing } from './preprocess.ts';
import { defaultResolution } from './models/resolution.ts';
import { allHalfExact } from './weights/dtype.ts';
import { checkIntegrityOption, verifyIntegrity } from './integrity.ts';

/** A short name of where weights came from, for errors. */
const weightsName = (w: WeightsInput): string => (typeof w === 'string' || w instanceof URL ? String(w) : w instanceof Uint8Array || w instanceof ArrayBuffer ? `(${w.byteLength} bytes)` : '(a Blob)');

/** Class names recorded in a checkpoint's metadata (webvit.classes), when they fit its class count. */
function metadataLabels(meta: Readonly<Record<string, string>>, classes: number): string[] | undefined {
  const json = meta['webvit.classes'];
  if (json === undefined) return undefined;
  let v: unknown;
  try { v = JSON.parse(json); } catch { v = null; }
  if (!Array.isArray(v) || v.length !== classes || !v.every((x) => typeof x === 'string')) {
    throw new Error(`the checkpoint's webvit.classes metadata must be a JSON array of ${classes} strings (one per class)`);
  }
  return v;
}

/** Every float tensor of the checkpoint holds exact halves (it was stored as f16). */
function weightsAreHalves(sd: StateDict): boolean {
  let any = false;
  for (const t of sd.values()) {
    if (t.dtype !== 'f32') continue;
    if (!allHalfExact(t.data)) return false;
    any = true;
  }
  return any;
}

let warned = false;

/** The checkpoints webvit ships in weights/, by model: what load(name) uses without weights. */
export const SHIPPED_WEIGHTS: Readonly<Record<string, string>> = { efficientvit_m0: 'efficientvit_m0_fashion_mnist.safetensors' };

/** Where a shipped checkpoint is: weights/ beside the module's folder (src/ or dist/). */
export function shippedWeights(name: string): URL {
  if (!Object.hasOwn(SHIPPED_WEIGHTS, name)) {
    throw new Error(`webvit ships weights for ${Object.keys(SHIPPED_WEIGHTS).join(', ')} only; give ${name} a checkpoint: load('${name}', 'path/or/url.pth')`);
  }
  return new URL(`../weights/${SHIPPED_WEIGHTS[name]}`, import.meta.url);
}

export async function loadWith(platform: Platform, name: string, weightsIn: WeightsInput | undefined, opts: LoadOptions = {}): Promise<Classifier> {
  const info = modelInfo(name);
  const weights = weightsIn ?? shippedWeights(info.name);
  const dtype = opts.dtype ?? 'auto';
  if (dtype !== 'f32' && dtype !== 'f16' && dtype !== 'auto') throw new Error(`dtype "${String(dtype)}" is not one of 'f32', 'f16', 'auto'`);
  const progress = opts.onProgress ?? (() => {});
  const cache = opts.cache ?? 'auto';
  if (cache !== 'auto' && cache !== 'none') throw new Error(`cache "${String(cache)}" is not one of 'auto', 'none'`);
  if (opts.integrity !== undefined) checkIntegrityOption(opts.integrity);
  const signal = opts.signal;
  signal?.throwIfAborted();
  let cached = false;
  const bytes = await platform.readWeights(weights, (loaded, total, hit) => {
    cached ||= hit === true;
    progress({ phase: 'read', loaded, total, ...(hit ? { cached: true } : {}) });
  }, { cache, integrity: opts.integrity, signal }).catch((e: unknown) => { signal?.throwIfAborted(); throw e; }); // an abort's own reason, not the reader's
  signal?.throwIfAborted();
  // A cache hit was checked against the integrity already; bytes from anywhere else are checked here.
  if (opts.integrity !== undefined && !cached) await verifyIntegrity(bytes, opts.integrity, `the checkpoint ${weightsName(weights)}`);
  progress({ phase: 'parse', loaded: 0, total: bytes.length });
  const sd = platform.parse ? await platform.parse(bytes, { maxBytes: opts.maxBytes }) : loadStateDict(bytes, { maxBytes: opts.maxBytes });
  progress({ phase: 'parse', loaded: bytes.length, total: bytes.length });
  signal?.throwIfAborted();
  const runtime = opts.device ?? await platform.runtime();
  if (runtime.gpu.isFallback && !warned) {
    warned = true;
    const a = runtime.gpu.adapterInfo;
    platform.warnFallback(`webvit: the WebGPU adapter is a CPU fallback (${a.vendor} ${a.architecture}): inference works, slowly`);
  }
  const half = dtype === 'f16' || (dtype === 'auto' && runtime.gpu.hasF16 && weightsAreHalves(sd));
  let model: Model | null = null;
  try {
    signal?.throwIfAborted();
    model = new Model(runtime, info, sd, { dtype: half ? 'f16' : 'f32', kernels: opts.kernels, activations: opts.activations });
    const meta = checkpointMetadata(sd);
    const own = meta['webvit.preprocess'] !== undefined ? parsePreprocessing(meta['webvit.preprocess']) : undefined;
    const resolution = opts.resolution ?? own?.crop ?? defaultResolution(info, sd);
    // A checkpoint's own transform holds for its own resolution; another resolution gets ImageNet's scaled rule.
    const preprocessing = own && own.crop === resolution ? own : undefined;
    // Build the plan now (one image at the model's resolution): its fold, upload and compile are the load's.
    // A detector's backbone (no head) is checked and built as its stages instead.
    const head = hasHead(info, sd);
    const stages = head ? undefined : { stages: info.stages.map((s) => s.name), embedding: false };
    // An abort during upload or compile stops the build there (the progress callback throws).
    const plan = await model.plan(1, resolution, resolution, 'fused', (phase, loaded, total) => { signal?.throwIfAborted(); progress({ phase, loaded, total }); }, stages);
    signal?.throwIfAborted();
    const classes = head ? plan.output.shape[1] : 0;
    return new Classifier(platform, model, resolution, classes, opts.labels ?? metadataLabels(meta, classes), !opts.device, preprocessing, setAside(sd));
  } catch (e) {
    model?.destroy();
    if (!opts.device) runtime.gpu.device.destroy();
    throw e;
  }
}
