// The profiler in a page: GPU time of a pass, per-dispatch profiles with roofline verdicts, and the
// adapter's measured roofs cached in localStorage.
import type { Runtime } from '../runtime.ts';
import type { CompiledGraph } from '../graph/executor.ts';
import type { Model } from '../model.ts';
import { stepTimer, type TimingMethod } from '../profile/timing.ts';
import { profileModel, type ProfileReport } from '../profile/profile.ts';
import { adapterRoofs, validRoofs, type RoofCache, type Roofs } from '../profile/roofs.ts';
import type { ScheduleName } from '../schedule/index.ts';

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
