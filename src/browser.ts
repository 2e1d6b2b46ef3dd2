// Browser entry (bundled to dist/webvit.js): a Runtime on navigator.gpu with shaders fetched over
// HTTP. Imports nothing Node-only, so esbuild can bundle it for the browser platform.
import { openDevice } from './gpu/device.ts';
import { fetchShaderLoader } from './gpu/fetch-shaders.ts';
import { Runtime } from './runtime.ts';
import type { CompiledGraph } from './graph/executor.ts';
import type { Model } from './model.ts';
import { stepTimer, type TimingMethod } from './profile/timing.ts';
import { profileModel, type ProfileReport } from './profile/profile.ts';
import { adapterRoofs, validRoofs, type RoofCache } from './profile/roofs.ts';
import type { ScheduleName } from './schedule/index.ts';

export { Runtime } from './runtime.ts';
export { Model, type InferenceResult } from './model.ts';
export { loadStateDict } from './weights/load.ts';
export { MODELS, modelInfo, type ModelInfo } from './models/registry.ts';
export type { CompiledGraph, GraphStats } from './graph/executor.ts';
export { randomStateDict } from './models/random.ts';
export type { ProfileReport, DispatchRecord, Aggregate, ScheduleProfile } from './profile/profile.ts';
export { profileSvg } from './profile/svg.ts';
export { chromeTrace } from './profile/trace.ts';
export { profileText } from './profile/report.ts';
// For in-page kernel benchmarks (bench/kernels-chromium.ts via index.html's window.webvit.benchPointwise).
export { GraphBuilder } from './graph/builder.ts';
export { pointwise, type PointwiseOptions } from './ops/pointwise.ts';

export interface BrowserRuntimeOptions {
  /** URL of the shaders/ folder; default: ../shaders/ next to the bundle (dist/webvit.js). */
  shaderBase?: string | URL;
}

export async function browserRuntime(opts: BrowserRuntimeOptions = {}): Promise<Runtime> {
  const gpu = globalThis.navigator?.gpu;
  if (!gpu) {
    throw new Error('navigator.gpu is missing: WebGPU needs Chrome/Edge 113+ (or a browser with WebGPU enabled) ' +
      'and a secure context — open the page from https:// or http://localhost, not file://');
  }
  const base = opts.shaderBase ?? new URL('../shaders/', import.meta.url);
  return new Runtime(await openDevice(gpu), fetchShaderLoader(base));
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
