/// <reference types="@webgpu/types" preserve="true" />
// Browser entry (bundled to dist/webvit.js): load(name, weights, options) on navigator.gpu — weights
// from bytes, a File/Blob or a URL (parsed in a worker, so the page stays responsive), images from
// anything a page holds — plus the lower-level runtime and the profiler. Imports nothing Node-only.
// One job per file: the device (browser/device.ts), streaming fetch (fetch-bytes.ts), parsing in a
// worker (browser/parse.ts), image decoding (browser/image.ts), the profile API and its roof cache
// (browser/profile.ts); this file wires them into the platform load() runs on.
import type { Runtime } from './runtime.ts';
import { loadWith, type Classifier, type LoadOptions, type Platform, type WeightsInput } from './api.ts';
import { readStream } from './fetch-bytes.ts';
import { cachedFetch } from './browser/weight-cache.ts';
import { openBrowserRuntime, type BrowserRuntimeOptions } from './browser/device.ts';
import { parseInWorker } from './browser/parse.ts';
import { decodeImage } from './browser/image.ts';

export { Classifier, SHIPPED_WEIGHTS, topClasses, type Classification, type ImageInput, type LoadOptions, type LoadProgress, type ModelDetails, type WeightsInput, type TensorInput, type FeatureOptions, type DenseSize, type ClassifyOptions } from './api.ts';
export { Runtime } from './runtime.ts';
export type { KernelFamily, Tuning, TuningOverrides } from './tuning.ts';
export { Model, type FeatureMap, type InferenceResult, type ModelMemory, type ModelOptions } from './model.ts';
export type { StageInfo, OutputRequest } from './models/backbone.ts';
export { preprocessDense, denseSize, type DenseResize, type DensePlacement } from './preprocess.ts';
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
export type { BrowserRuntimeOptions } from './browser/device.ts';
export { imagePixels } from './browser/image.ts';
export { preprocess } from './preprocess.ts';
export { clearCache, WEIGHT_CACHE } from './browser/weight-cache.ts';
export { loadInWorker, WorkerClassifier } from './browser/worker-client.ts';
export { gpuPassMs, profile, measureRoofs, type BrowserProfileOptions } from './browser/profile.ts';

/** A runtime on navigator.gpu; shaders from the bundle, or fetched from `shaderBase` (from source: ../shaders/ beside this file). */
export function browserRuntime(opts: BrowserRuntimeOptions = {}): Promise<Runtime> {
  // Resolved here, against the entry's own URL: the bundle (dist/) and the source (src/) both sit beside shaders/'s parent.
  return openBrowserRuntime(opts, new URL('../shaders/', import.meta.url));
}

const platform: Platform = {
  runtime: () => browserRuntime(),
  async readWeights(w: WeightsInput, onProgress, { cache, integrity, signal }) {
    if (w instanceof Uint8Array) { onProgress(w.length, w.length); return w; }
    if (w instanceof ArrayBuffer) { onProgress(w.byteLength, w.byteLength); return new Uint8Array(w); }
    if (w instanceof Blob) return readStream(w.stream(), w.size, onProgress, signal);
    if (w instanceof URL || typeof w === 'string') {
      return (await cachedFetch(new URL(w, location.href), cache, integrity, onProgress, signal)).bytes;
    }
    throw new Error(`weights must be bytes, a File/Blob or a URL; got ${typeof w}`);
  },
  parse: parseInWorker,
  decodeImage,
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
