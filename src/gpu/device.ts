// One GPUDevice for the runtime, on whatever GPU object the platform gives (navigator.gpu in a
// browser, Dawn's node bindings in Node). Validation errors never pass silently: uncaptured ones
// are logged with their message, and the runtime wraps its own work in error scopes.
/** Chromium's feature for timestamps between the dispatches of one pass (with --enable-webgpu-developer-features). */
export const INSIDE_PASSES = 'chromium-experimental-timestamp-query-inside-passes';

/** The limits the device asks for at the adapter's value (big models need more than the default 128 MiB bindings). */
export const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
] as const;

export interface Gpu {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string };
  hasTimestamps: boolean;
  /** the device has shader-f16: kernels may read half-precision weights as f16 */
  hasF16: boolean;
  /** the device has the `subgroups` feature (the GPU family's reductions can use subgroup operations) */
  hasSubgroups: boolean;
  /** a software (CPU) adapter: the browser's fallback adapter, or a CPU Vulkan driver such as SwiftShader */
  isFallback: boolean;
  /** Set when the device is lost; every later use throws with this reason. */
  lost: string | null;
  /** Objects that must outlive the device (Dawn's node instance segfaults if collected). */
  keepAlive?: unknown;
  /** the platform polls on the main thread while a mapAsync or work-done promise is pending (Dawn's Node bindings) */
  pollsWhileWaiting: boolean;
  /**
   * Readback sleeps through most of the expected GPU time before waiting (set from the runtime's
   * Tuning: worth it where polling takes a CPU core from a CPU-backed adapter).
   */
  sleepBeforeReadback: boolean;
}

export async function openDevice(gpu: GPU, keepAlive?: unknown, pollsWhileWaiting = false): Promise<Gpu> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('no WebGPU adapter: this browser or driver exposes none (try Chrome/Edge 113+, or enable WebGPU in its flags)');
  const hasTimestamps = adapter.features.has('timestamp-query');
  // Timestamps between dispatches of one pass (Chromium with --enable-webgpu-developer-features): the profiler's best method.
  const inside = adapter.features.has(INSIDE_PASSES);
  const hasF16 = adapter.features.has('shader-f16');
  const hasSubgroups = adapter.features.has('subgroups');
  const a = adapter.limits;
  // Ask for what the adapter can do (REQUESTED_LIMITS).
  const device = await adapter.requestDevice({
    requiredFeatures: [...(hasTimestamps ? ['timestamp-query'] : []), ...(inside ? [INSIDE_PASSES] : []), ...(hasF16 ? ['shader-f16'] : []), ...(hasSubgroups ? ['subgroups'] : [])] as GPUFeatureName[],
    requiredLimits: Object.fromEntries(REQUESTED_LIMITS.map((n) => [n, a[n]])),
  });
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const g: Gpu = {
    device,
    adapterInfo: { vendor: info.vendor ?? '', architecture: info.architecture ?? '', device: info.device ?? '', description: info.description ?? '' },
    hasTimestamps,
    hasF16,
    hasSubgroups,
    isFallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter)
      || /swiftshader|llvmpipe|lavapipe|warp/i.test(`${info.architecture} ${info.device} ${info.description}`),
    lost: null,
    keepAlive,
    pollsWhileWaiting,
    sleepBeforeReadback: false,
  };
  device.lost.then((l) => { g.lost = `${l.reason}: ${l.message}`; });
  device.addEventListener('uncapturederror', (e) => {
    console.error(`webvit: uncaptured WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
  });
  return g;
}

/**
 * Waits for `wait` (a mapAsync or work-done promise), first sleeping through most of `expectedMs`
 * (what the same wait took last time) where the runtime's Tuning says so (gpu.sleepBeforeReadback):
 * Dawn's Node bindings poll while such a promise is pending, taking a CPU core from a CPU-backed
 * adapter. Returns the ms the wait took, the next call's expectation.
 */
export async function awaitGpu(gpu: Gpu, expectedMs: number, wait: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  if (gpu.sleepBeforeReadback && expectedMs > 2) await new Promise((r) => setTimeout(r, 0.85 * expectedMs));
  await wait();
  return performance.now() - t0;
}

export function assertAlive(gpu: Gpu): void {
  if (gpu.lost !== null) throw new Error(`the GPU device was lost (${gpu.lost}); open a new runtime (nodeRuntime() or browserRuntime()) and load the model again`);
}

/** Runs `fn` inside validation + out-of-memory error scopes and throws what they caught, naming `what`. */
export async function checked<T>(gpu: Gpu, what: string, fn: () => T | Promise<T>): Promise<T> {
  const d = gpu.device;
  d.pushErrorScope('out-of-memory');
  d.pushErrorScope('validation');
  let result: T;
  try {
    result = await fn();
  } finally {
    const validation = await d.popErrorScope();
    const oom = await d.popErrorScope();
    if (validation) throw new Error(`WebGPU validation error in ${what}: ${validation.message}`);
    if (oom) throw new Error(`GPU out of memory in ${what}: ${oom.message}. Try a smaller batch or resolution.`);
  }
  return result;
}
