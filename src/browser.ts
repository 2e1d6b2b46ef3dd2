/// <reference types="@webgpu/types" preserve="true" />
// Browser entry (bundled to dist/webvit.js): load(name, weights, options) on navigator.gpu — weights
// from bytes, a File/Blob or a URL (parsed in a worker, so the page stays responsive), images from
// anything a page holds — plus the lower-level runtime and the profiler. Imports nothing Node-only.
import { openDevice } from './gpu/device.ts';
import { fetchShaderLoader } from './gpu/fetch-shaders.ts';
import { embeddedShaderLoader } from './gpu/embedded-shaders.ts';
import { Runtime } from './runtime.ts';
import { loadWith, type Classifier, type ImageInput, type LoadOptions, type Platform, type WeightsInput } from './api.ts';
import { loadStateDict, withMetadata } from './weights/load.ts';
import type { ReadOptions } from './weights/pth.ts';
import type { StateDict } from './weights/tensor.ts';
import type { Rgba } from './preprocess.ts';
import { PARSE_WORKER_CODE } from './embedded.ts';
import type { TuningOverrides } from './tuning.ts';
import type { CompiledGraph } from './graph/executor.ts';
import type { Model } from './model.ts';
import { stepTimer, type TimingMethod } from './profile/timing.ts';
import { profileModel, type ProfileReport } from './profile/profile.ts';
import { adapterRoofs, validRoofs, type RoofCache, type Roofs } from './profile/roofs.ts';
import type { ScheduleName } from './schedule/index.ts';

export { Classifier, SHIPPED_WEIGHTS, topClasses, type Classification, type ImageInput, type LoadOptions, type LoadProgress, type ModelDetails, type WeightsInput } from './api.ts';
export { Runtime } from './runtime.ts';
export type { Tuning, TuningOverrides } from './tuning.ts';
export { Model, type InferenceResult, type ModelMemory, type ModelOptions } from './model.ts';
export type { WeightFormat } from './gpu/pipelines.ts';
export { IMAGENET, type Preprocessing, type Rgba, type Normalization } from './preprocess.ts';
export { loadStateDict } from './weights/load.ts';
export { MODELS, modelInfo, type ModelInfo } from './models/registry.ts';
export type { CompiledGraph, GraphStats } from './graph/executor.ts';
export { randomStateDict } from './models/random.ts';
export type { ProfileReport, DispatchRecord, Aggregate, ScheduleProfile } from './profile/profile.ts';
export type { Roofs } from './profile/roofs.ts';
export { profileSvg } from './profile/svg.ts';
export { chromeTrace } from './profile/trace.ts';
export { profileText } from './profile/report.ts';

export interface BrowserRuntimeOptions {
  /** URL of a shaders/ folder to fetch from; default: the shaders built into the bundle (from source: ../shaders/ next to it) */
  shaderBase?: string | URL;
  /** replaces fields of the adapter's tuning */
  tuning?: TuningOverrides;
}

export async function browserRuntime(opts: BrowserRuntimeOptions = {}): Promise<Runtime> {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) {
    throw new Error('navigator.gpu is missing: WebGPU needs Chrome/Edge 113+ (or a browser with WebGPU enabled) ' +
      'and a secure context — open the page from https:// or http://localhost, not file://');
  }
  const embedded = opts.shaderBase === undefined ? embeddedShaderLoader() : null;
  return new Runtime(await openDevice(gpu), embedded ?? fetchShaderLoader(opts.shaderBase ?? new URL('../shaders/', import.meta.url)),
    { threads: navigator.hardwareConcurrency, tuning: opts.tuning });
}

/** Reads a response or a blob's stream, reporting bytes as they come. */
async function readStream(stream: ReadableStream<Uint8Array>, total: number, onProgress: (loaded: number, total: number) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, Math.max(total, loaded));
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

async function fetchBytes(url: string | URL, onProgress: (loaded: number, total: number) => void, what: string): Promise<Uint8Array> {
  let res: Response;
  try { res = await fetch(url); } catch (e) { throw new Error(`cannot fetch ${what} ${url}: ${(e as Error).message}`); }
  if (!res.ok || !res.body) throw new Error(`cannot fetch ${what} ${url}: HTTP ${res.status}`);
  return readStream(res.body, Number(res.headers.get('content-length')) || 0, onProgress);
}

/** The state dict, parsed in a worker when the build carries one (the page keeps running meanwhile). */
function parseInWorker(bytes: Uint8Array, opts: ReadOptions): Promise<StateDict> {
  if (!PARSE_WORKER_CODE || typeof Worker === 'undefined') return Promise.resolve(loadStateDict(bytes, opts));
  let worker: Worker;
  const url = URL.createObjectURL(new Blob([PARSE_WORKER_CODE], { type: 'text/javascript' }));
  try { worker = new Worker(url, { type: 'module', name: 'webvit-parse' }); } catch { URL.revokeObjectURL(url); return Promise.resolve(loadStateDict(bytes, opts)); }
  return new Promise<StateDict>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ sd?: StateDict; metadata?: Record<string, string>; error?: string }>) => {
      if (e.data.sd) resolve(withMetadata(e.data.sd, e.data.metadata ?? {})); else reject(new Error(e.data.error));
    };
    // A page whose policy forbids blob: workers: parse here instead.
    worker.onerror = (e) => { e.preventDefault(); try { resolve(loadStateDict(bytes, opts)); } catch (err) { reject(err); } };
    const copy = bytes.slice(); // the caller keeps its bytes; the worker gets its own to keep
    worker.postMessage({ bytes: copy, maxBytes: opts.maxBytes }, [copy.buffer]);
  }).finally(() => { worker.terminate(); URL.revokeObjectURL(url); });
}

/** RGBA pixels of anything a page can draw (an ImageBitmap, <img>, canvas, VideoFrame), at its own size. */
function drawnPixels(src: CanvasImageSource, width: number, height: number): Rgba {
  if (!(width > 0 && height > 0)) throw new Error('the image has no pixels (is it loaded yet?)');
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser gives no 2D canvas context; cannot read the image pixels');
  ctx.drawImage(src, 0, 0);
  const d = ctx.getImageData(0, 0, width, height);
  return { width, height, data: d.data };
}

async function bitmapPixels(blob: Blob, what: string): Promise<Rgba> {
  let bitmap: ImageBitmap;
  try { bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' }); } catch (e) {
    throw new Error(`${what}: cannot decode the image (${(e as Error).message}); give PNG, JPEG or WebP bytes`);
  }
  try { return drawnPixels(bitmap, bitmap.width, bitmap.height); } finally { bitmap.close(); }
}

const platform: Platform = {
  runtime: () => browserRuntime(),
  async readWeights(w: WeightsInput, onProgress) {
    if (w instanceof Uint8Array) { onProgress(w.length, w.length); return w; }
    if (w instanceof ArrayBuffer) { onProgress(w.byteLength, w.byteLength); return new Uint8Array(w); }
    if (w instanceof Blob) return readStream(w.stream(), w.size, onProgress);
    if (w instanceof URL || typeof w === 'string') return fetchBytes(w, onProgress, 'checkpoint');
    throw new Error(`weights must be bytes, a File/Blob or a URL; got ${typeof w}`);
  },
  parse: parseInWorker,
  async decodeImage(img: ImageInput): Promise<Rgba> {
    if (typeof ImageData !== 'undefined' && img instanceof ImageData) return { width: img.width, height: img.height, data: img.data };
    if (typeof ImageBitmap !== 'undefined' && img instanceof ImageBitmap) return drawnPixels(img, img.width, img.height);
    if (typeof HTMLImageElement !== 'undefined' && img instanceof HTMLImageElement) {
      if (!img.complete) await img.decode();
      return drawnPixels(img, img.naturalWidth, img.naturalHeight);
    }
    if ((typeof HTMLCanvasElement !== 'undefined' && img instanceof HTMLCanvasElement) || (typeof OffscreenCanvas !== 'undefined' && img instanceof OffscreenCanvas)) return drawnPixels(img, img.width, img.height);
    if (typeof VideoFrame !== 'undefined' && img instanceof VideoFrame) return drawnPixels(img, img.displayWidth, img.displayHeight);
    if (img instanceof Blob) return bitmapPixels(img, 'image');
    if (img instanceof Uint8Array || img instanceof ArrayBuffer) return bitmapPixels(new Blob([img as BlobPart]), 'image bytes');
    if (img instanceof URL || typeof img === 'string') return bitmapPixels(new Blob([await fetchBytes(img, () => {}, 'image') as BlobPart]), String(img));
    const r = img as Partial<Rgba>;
    if (typeof r.width === 'number' && typeof r.height === 'number' && r.data && r.data.length >= r.width * r.height * 4) return r as Rgba;
    throw new Error('an image is ImageData, an ImageBitmap, an <img>, a canvas, a VideoFrame, PNG/JPEG/WebP bytes or a Blob, or a URL');
  },
  warnFallback: (message) => console.warn(message),
};

/**
 * Loads a model: `name` (e.g. 'efficientvit_m0'), `weights` a checkpoint as upstream saves it
 * (.pth or .safetensors) as bytes, a File/Blob or a URL, or none for the weights webvit ships
 * (efficientvit_m0: trained on Fashion-MNIST, fetched from ../weights/ beside the bundle). Resolves once the model is ready to run.
 */
export function load(name: string, weights?: WeightsInput, options: LoadOptions = {}): Promise<Classifier> {
  return loadWith(platform, name, weights, options);
}

/** RGBA pixels of a decoded image (e.g. from `createImageBitmap`), drawn at its own size. */
export function imagePixels(image: ImageBitmap): ImageData {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas context; cannot read the image pixels');
  ctx.drawImage(image, 0, 0);
  return ctx.getImageData(0, 0, image.width, image.height);
}

export { preprocess } from './preprocess.ts';

/**
 * GPU time of one inference's compute pass (all steps of `plan`, inputs as last written), from
 * timestamp queries; null when the device has no 'timestamp-query'. Chrome quantises these to
 * ~0.1 ms unless started with --enable-webgpu-developer-features.
 */
export async function gpuPassMs(plan: CompiledGraph): Promise<number | null> {
  if (!plan.gpu.hasTimestamps) return null;
  return stepTimer(plan.gpu).whole(plan.steps);
}

/** The adapter's measured roofs, kept in localStorage (per adapter and browser version). */
function localStorageRoofCache(storage: Storage = globalThis.localStorage): RoofCache {
  const KEY = 'webvit:roofs';
  const all = () => { try { const v = JSON.parse(storage.getItem(KEY) ?? '{}'); return v && typeof v === 'object' ? v : {}; } catch { return {}; } };
  return {
    load: (k) => { const v = all(); return Object.hasOwn(v, k) && validRoofs(v[k]) ? v[k] : null; },
    save: (k, r) => { try { storage.setItem(KEY, JSON.stringify({ ...all(), [k]: r })); } catch { /* storage full or disabled: measure next time */ } },
  };
}

export interface BrowserProfileOptions {
  batch?: number; height?: number; width?: number;
  /** default both */
  schedules?: ScheduleName[];
  runs?: number;
  method?: TimingMethod;
  /** measure the roofs again instead of using the cached ones */
  refreshRoofs?: boolean;
  /** for the report, e.g. the checkpoint's file name */
  weights?: string;
  onProgress?: (message: string) => void;
}

/**
 * Profiles `model` on this page's adapter (see `webvit profile`): per-dispatch GPU times with
 * roofline verdicts, per category and layer, fused and unfused. Start Chrome with
 * --enable-webgpu-developer-features for timestamps inside a pass and unquantised times.
 */
export async function profile(model: Model, opts: BrowserProfileOptions = {}): Promise<ProfileReport> {
  const res = model.info.defaultResolution;
  const platform = navigator.userAgent;
  const roofs = await adapterRoofs(model.runtime, { cache: localStorageRoofCache(), platform, refresh: opts.refreshRoofs });
  return profileModel(model, {
    batch: opts.batch ?? 1, height: opts.height ?? res, width: opts.width ?? opts.height ?? res,
    schedules: opts.schedules ?? ['fused', 'unfused'], runs: opts.runs, method: opts.method,
    roofs, weights: opts.weights ?? 'given', platform, onProgress: opts.onProgress,
  });
}

/** Measures this adapter's roofs now (matmul GFLOP/s, copy GB/s, dispatch and submit cost) and keeps them for profile(). */
export function measureRoofs(runtime: Runtime): Promise<Roofs> {
  return adapterRoofs(runtime, { cache: localStorageRoofCache(), platform: navigator.userAgent, refresh: true });
}
