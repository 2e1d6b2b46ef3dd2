/// <reference types="@webgpu/types" preserve="true" />
// Node entry (dist/webvit.node.js): load(name, weights, options) on Dawn (npm `webgpu`), weights
// from a path, bytes or a URL, images from a path or PNG/JPEG bytes; and the lower-level runtime.
import { readFile, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import type { TuningOverrides } from './tuning.ts';
import { openNodeGpu, type NodeGpuOptions } from './gpu/node-gpu.ts';
import { nodeShaderLoader } from './gpu/node-shaders.ts';
import { embeddedShaderLoader } from './gpu/embedded-shaders.ts';
import { Runtime } from './runtime.ts';
import { loadWith, type Classifier, type ImageInput, type LoadOptions, type Platform, type WeightsInput } from './api.ts';
import { decodeImageBytes } from './node-image.ts';
import { fetchBytes, readStream, type ByteProgress } from './fetch-bytes.ts';
import type { Rgba } from './preprocess.ts';

export { Classifier, SHIPPED_WEIGHTS, topClasses, type Classification, type ImageInput, type LoadOptions, type LoadProgress, type ModelDetails, type WeightsInput, type TensorInput, type FeatureOptions, type DenseSize, type ClassifyOptions } from './api.ts';
export { Runtime } from './runtime.ts';
export type { KernelFamily, Tuning, TuningOverrides } from './tuning.ts';
export { Model, type FeatureMap, type InferenceResult, type ModelMemory, type ModelOptions } from './model.ts';
export type { StageInfo, OutputRequest } from './models/backbone.ts';
export { preprocessDense, denseSize, type DenseResize, type DensePlacement } from './preprocess.ts';
export type { WeightFormat } from './gpu/pipelines.ts';
export { MODELS, modelInfo, type ModelInfo } from './models/registry.ts';
export { preprocess, IMAGENET, type Preprocessing, type Rgba, type Normalization } from './preprocess.ts';

/** A runtime on Node's WebGPU (Dawn): the machine's GPU, or SwiftShader on the CPU where there is none. */
export async function nodeRuntime(opts: NodeGpuOptions & { tuning?: TuningOverrides } = {}): Promise<Runtime> {
  return new Runtime(await openNodeGpu(opts), embeddedShaderLoader() ?? nodeShaderLoader, { threads: availableParallelism(), tuning: opts.tuning });
}

const isUrl = (s: string) => /^(https?|file|data|blob):/i.test(s);

async function readPath(file: string, onProgress: ByteProgress, signal?: AbortSignal): Promise<Uint8Array> {
  let size: number;
  try { size = (await stat(file)).size; } catch (e) { throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const out = new Uint8Array(size);
  let at = 0;
  for await (const chunk of createReadStream(file, { signal })) {
    const c = chunk as Buffer;
    if (at + c.length > size) throw new Error(`${file} grew while it was read; try again`);
    out.set(c, at);
    at += c.length;
    onProgress(at, size);
  }
  return at === size ? out : out.subarray(0, at);
}

/** A URL's bytes: file: URLs read from disk, others fetched. */
function urlBytes(url: string | URL, onProgress: ByteProgress, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  return String(url).startsWith('file:') ? readPath(fileURLToPath(url), onProgress, signal) : fetchBytes(url, onProgress, what, signal);
}

const platform: Platform = {
  runtime: () => nodeRuntime(),
  async readWeights(w: WeightsInput, onProgress, { signal }) { // Node keeps no copy between runs (LoadOptions.cache is the browser's)
    if (w instanceof Uint8Array) { onProgress(w.length, w.length); return w; }
    if (w instanceof ArrayBuffer) { onProgress(w.byteLength, w.byteLength); return new Uint8Array(w); }
    if (typeof Blob !== 'undefined' && w instanceof Blob) return readStream(w.stream(), w.size, onProgress, signal);
    if (w instanceof URL || (typeof w === 'string' && isUrl(w))) return urlBytes(w, onProgress, 'checkpoint', signal);
    if (typeof w === 'string') return readPath(w, onProgress, signal);
    throw new Error(`weights must be bytes, a Blob, a URL or a file path; got ${typeof w}`);
  },
  async decodeImage(img: ImageInput): Promise<Rgba> {
    if (typeof img === 'string' || img instanceof URL) {
      const where = String(img);
      return decodeImageBytes(isUrl(where) || img instanceof URL ? await urlBytes(img, () => {}, 'image') : await readFile(where).catch((e) => {
        throw new Error(`cannot read image ${where}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }), where);
    }
    if (img instanceof Uint8Array) return decodeImageBytes(img, 'image bytes');
    if (img instanceof ArrayBuffer) return decodeImageBytes(new Uint8Array(img), 'image bytes');
    if (typeof Blob !== 'undefined' && img instanceof Blob) return decodeImageBytes(new Uint8Array(await img.arrayBuffer()), 'image blob');
    const r = img as Partial<Rgba>;
    if (typeof r.width === 'number' && typeof r.height === 'number' && r.data && r.data.length >= r.width * r.height * 4) return r as Rgba;
    throw new Error('in Node an image is a file path, a URL, PNG/JPEG bytes, or decoded RGBA pixels { width, height, data }');
  },
  warnFallback: (message) => console.error(message),
};

/**
 * Loads a model: `name` (e.g. 'efficientvit_m0'), `weights` a checkpoint as upstream saves it
 * (.pth or .safetensors) given as a path, a URL or bytes, or none for the weights webvit ships
 * (efficientvit_m0: trained on Fashion-MNIST). Resolves once the model is ready to run.
 */
export function load(name: string, weights?: WeightsInput, options: LoadOptions = {}): Promise<Classifier> {
  return loadWith(platform, name, weights, options);
}
