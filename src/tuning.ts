// Tuning as data: the workgroup sizes, minimum parallel work and fuse-or-split choices that make the
// kernels fast on one adapter, in one object per runtime. Defaults come from the adapter (how many
// workgroups it can run at once, its limits); `npm run tune` measures the candidates on the running
// adapter and records the winners in src/tuning/tuned.json under the adapter's key, which the runtime
// loads for that adapter; a caller can override any field.
import type { Gpu } from './gpu/device.ts';
import tuned from './tuning/tuned.json' with { type: 'json' };

export interface Tuning {
  /** workgroups the adapter runs at the same time (a CPU adapter: one per worker thread) */
  workers: number;
  /** pointwise.wgsl: invocations per workgroup, and a smaller size for dispatches of fewer than `smallBelow` 16×16 tiles */
  pointwise: { wg: number; smallWg: number; smallBelow: number };
  /** dwconv.wgsl: invocations per workgroup of the 3×3 paths, and the fewest invocations before columns are split into row blocks */
  dwconv: { wg: number; minInvocations: number };
  /**
   * conv2d.wgsl: invocations per workgroup (the 3×3 stride-2 path, the generic one), and whether 3×3
   * stride-2 convs (the stems) take the s2k3 path at all (`s2k3`; else the generic kernel). Mesa's
   * lavapipe (Firefox's CPU adapter on Linux) compiles s2k3 in 60-90 s, the generic kernel in ~1.5 s.
   */
  conv2d: { s2k3: boolean; s2k3Wg: number; wg: number };
  /** attention.wgsl, cascaded_attention.wgsl, squeeze_excite.wgsl: invocations per workgroup */
  attention: { wg: number };
  cascadedAttention: { wg: number };
  squeezeExcite: { wg: number };
  /** ffn.wgsl: the fewest workgroups before its pixel tiles narrow */
  ffn: { minWorkgroups: number };
  /** the fused schedule runs each ReLU FFN as one ffn.wgsl dispatch (else two pointwise dispatches) */
  ffnOneKernel: boolean;
  /** wait for results by sleeping through most of the expected GPU time before polling (Dawn in Node polls on the main thread) */
  sleepBeforeReadback: boolean;
}

/** The values measured best on a 2-thread CPU adapter (SwiftShader): bench/README*.md. */
export const CPU_TUNING: Tuning = {
  workers: 2,
  pointwise: { wg: 4, smallWg: 4, smallBelow: 256 },
  dwconv: { wg: 4, minInvocations: 64 },
  conv2d: { s2k3: true, s2k3Wg: 4, wg: 16 },
  attention: { wg: 4 },
  cascadedAttention: { wg: 4 },
  squeezeExcite: { wg: 4 },
  ffn: { minWorkgroups: 2 },
  ffnOneKernel: false,
  sleepBeforeReadback: false,
};

export type TuningOverrides = { [K in keyof Tuning]?: Tuning[K] extends object ? Partial<Tuning[K]> : Tuning[K] };

/** The key tuned.json files results under: the adapter's identity. */
export const tuningKey = (gpu: Gpu): string => {
  const a = gpu.adapterInfo;
  return [a.vendor, a.architecture, a.device, a.description].join('|');
};

/**
 * A CPU adapter whose shader compiler takes minutes over conv2d.wgsl's s2k3 (its long unrolled body):
 * Mesa's lavapipe, by name, or a CPU adapter the browser does not name (Firefox hides adapter info,
 * and its CPU adapter on Linux is lavapipe). SwiftShader, named, compiles s2k3 in seconds.
 */
export function slowCompiler(gpu: Gpu): boolean {
  const a = gpu.adapterInfo, name = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
  return gpu.isFallback && (/lavapipe|llvmpipe/i.test(name) || name.trim() === '');
}

/**
 * Defaults for an adapter. A CPU adapter runs as many workgroups at once as it has worker threads
 * (`threads`, e.g. navigator.hardwareConcurrency); a GPU runs hundreds, so its small dispatches need
 * no splitting, and 64-invocation workgroups (within its limits) fill its SIMD units. The GPU values
 * are starting points for `npm run tune`, not measurements.
 */
export function defaultTuning(gpu: Gpu, threads: number): Tuning {
  if (gpu.isFallback) {
    const workers = Math.max(1, Math.min(16, Math.floor(threads) || 1));
    return { ...CPU_TUNING, workers, conv2d: { ...CPU_TUNING.conv2d, s2k3: !slowCompiler(gpu) }, dwconv: { ...CPU_TUNING.dwconv, minInvocations: 32 * workers }, ffn: { minWorkgroups: workers }, sleepBeforeReadback: gpu.pollsWhileWaiting };
  }
  const wg = Math.min(64, gpu.device.limits.maxComputeInvocationsPerWorkgroup);
  return {
    workers: 1024,
    pointwise: { wg, smallWg: 16, smallBelow: 1024 },
    dwconv: { wg, minInvocations: 4096 },
    conv2d: { s2k3: true, s2k3Wg: wg, wg },
    attention: { wg: 16 },
    cascadedAttention: { wg: 16 },
    squeezeExcite: { wg: 16 },
    ffn: { minWorkgroups: 64 },
    ffnOneKernel: true,
    sleepBeforeReadback: false,
  };
}

/** Defaults for the adapter, then what `npm run tune` recorded for it, then the caller's overrides. */
export function tuningFor(gpu: Gpu, threads: number, overrides: TuningOverrides = {}): Tuning {
  const { measured: _, ...recorded } = (tuned as Record<string, TuningOverrides & { measured?: string }>)[tuningKey(gpu)] ?? {};
  return mergeTuning(mergeTuning(defaultTuning(gpu, threads), recorded), overrides);
}

export function mergeTuning(base: Tuning, over: TuningOverrides): Tuning {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    if (!Object.hasOwn(base, k)) throw new Error(`unknown tuning field "${k}" (fields: ${Object.keys(base).join(', ')})`);
    const b = (base as unknown as Record<string, unknown>)[k];
    out[k] = typeof b === 'object' && b !== null ? { ...b, ...(v as object) } : v;
  }
  return out as unknown as Tuning;
}
