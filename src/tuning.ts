// Tuning as data: the workgroup sizes, minimum parallel work and fuse-or-split choices that make the
// kernels fast on one adapter, in one object per runtime. Defaults come from the adapter (how many
// workgroups it can run at once, its limits); `npm run tune` measures the candidates on the running
// adapter and records the winners in src/tuning/tuned.json under the adapter's key, which the runtime
// loads for that adapter; a caller can override any field. Every field is checked against the
// device's limits when a runtime is made, before any pipeline compiles (validateTuning).
import type { Gpu } from './gpu/device.ts';
import type { ActivationFormat } from './gpu/pipelines.ts';
import tuned from './tuning/tuned.json' with { type: 'json' };

export interface Tuning {
  /**
   * Which kernel family runs the kernels that have both (shaders/ and shaders/gpu/): 'cpu', shaped for
   * SwiftShader (one register tile per invocation, no workgroup memory), or 'gpu' (workgroup tiles
   * staged through workgroup memory, enough workgroups to fill a GPU). The other kernels have one.
   */
  kernels: KernelFamily;
  /**
   * The GPU family's workgroup reductions (include/workgroup_reduce.wgsl) use subgroup operations
   * (adapters with the `subgroups` feature; else workgroup memory alone).
   */
  subgroups: boolean;
  /**
   * How activations are stored between kernels: 'f32', or 'f16' (IEEE half: half the activation
   * memory and traffic; needs shader-f16 and the GPU family; every product and sum stays f32, and
   * results move by the half rounding of each stored activation: README "Half activations"). Not
   * tuned: a precision the caller chooses (load's `activations` option). Default 'f32'.
   */
  activations: ActivationFormat;
  /** workgroups the adapter runs at the same time (a CPU adapter: one per worker thread) */
  workers: number;
  /** pointwise.wgsl: invocations per workgroup, and a smaller size for dispatches of fewer than `smallBelow` 16×16 tiles */
  pointwise: { wg: number; smallWg: number; smallBelow: number };
  /** dwconv.wgsl: invocations per workgroup of the 3×3 paths and of the generic path (`mainWg`), and the fewest invocations before columns are split into row blocks */
  dwconv: { wg: number; mainWg: number; minInvocations: number };
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
  /** shifted_window_attention.wgsl (Swin): invocations per workgroup */
  windowAttention: { wg: number };
  /** ln_qkv.wgsl: invocations per workgroup (one 16-output tile each; the first 4 also compute the LayerNorm statistics) */
  lnQkv: { wg: number };
  /** matmul.wgsl: invocations per workgroup */
  matmul: { wg: number };
  /** pool_linear.wgsl (the classifier head): invocations per workgroup */
  poolLinear: { wg: number };
  /** the one-invocation-per-item kernels (elementwise, copy, roll, conv_transpose, mean, norm, softmax): invocations per workgroup */
  perItem: { wg: number };
  /** the largest workgroup a kernel sized from its shape may use (patch_embed, local_prop_proj: one invocation per 16 channels and pixel tile; ffn) */
  maxInvocations: number;
  /**
   * The GPU family's pointwise kernel: a dispatch of fewer than `below` workgroups splits K into
   * chunks of at least `minK` input channels (split-K: partial sums, then a second dispatch adds them)
   */
  splitK: { below: number; minK: number };
  /** ffn.wgsl: the fewest workgroups before its pixel tiles narrow */
  ffn: { minWorkgroups: number };
  /** the fused schedule runs each ReLU FFN as one ffn.wgsl dispatch (else two pointwise dispatches) */
  ffnOneKernel: boolean;
  /** wait for results by sleeping through most of the expected GPU time before polling (Dawn in Node polls on the main thread) */
  sleepBeforeReadback: boolean;
}

export type KernelFamily = 'cpu' | 'gpu';
export const KERNEL_FAMILIES: readonly KernelFamily[] = ['cpu', 'gpu'];

/**
 * What the GPU family's kernels need of the device, at most: 256 invocations per workgroup (the
 * 64 × 64 tiles of gpu/pointwise and its kin), 64 along x (the attentions, dwconv, the row reductions)
 * and 13,704 bytes of workgroup memory (the flash-attention tile, subgroup form), within WebGPU's default limits.
 * test/profile-parallelism.test.ts checks these against every GPU-family dispatch of every model.
 */
export const GPU_FAMILY_NEEDS = { invocations: 256, workgroupSizeX: 64, workgroupStorage: 13704 };

/** The values measured best on a 2-thread CPU adapter (SwiftShader): bench/README*.md. */
export const CPU_TUNING: Tuning = {
  kernels: 'cpu',
  subgroups: false,
  activations: 'f32',
  workers: 2,
  pointwise: { wg: 4, smallWg: 4, smallBelow: 256 },
  dwconv: { wg: 4, mainWg: 64, minInvocations: 64 },
  conv2d: { s2k3: true, s2k3Wg: 4, wg: 16 },
  attention: { wg: 4 },
  cascadedAttention: { wg: 4 },
  squeezeExcite: { wg: 4 },
  windowAttention: { wg: 64 },
  lnQkv: { wg: 4 },
  matmul: { wg: 16 },
  poolLinear: { wg: 64 },
  perItem: { wg: 64 },
  maxInvocations: 256,
  splitK: { below: 2, minK: 64 },
  ffn: { minWorkgroups: 2 },
  ffnOneKernel: false,
  sleepBeforeReadback: false,
};

export type TuningOverrides = { [K in keyof Tuning]?: Tuning[K] extends object ? Partial<Tuning[K]> : Tuning[K] };

/** The device limits a tuning is checked against (a subset of GPUSupportedLimits). */
export type TuningLimits = Pick<GPUSupportedLimits, 'maxComputeInvocationsPerWorkgroup' | 'maxComputeWorkgroupSizeX' | 'maxComputeWorkgroupStorageSize'>;

/** WebGPU's default limits: what every adapter supports. */
export const DEFAULT_LIMITS: TuningLimits = { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupStorageSize: 16384 };

/**
 * What each field is, for the checks: `wg` a workgroup size (≤ the device's invocation and x-size
 * limits; `multipleOf`, `min` where the kernel needs it; `storage`: bytes of workgroup memory per
 * invocation where a kernel's workgroup array scales with it), `count` a positive integer, `flag` a
 * boolean, `family` a kernel family (KERNEL_FAMILIES, within the device's limits: GPU_FAMILY_NEEDS). `machine`: follows the machine's thread count (not the adapter), see tuningFor.
 */
interface FieldRule { kind: 'wg' | 'count' | 'flag' | 'family' | 'activations'; multipleOf?: number; min?: number; storage?: number; machine?: boolean; why?: string }
export const TUNING_FIELDS: Record<string, FieldRule> = {
  kernels: { kind: 'family' },
  subgroups: { kind: 'flag' },
  activations: { kind: 'activations' },
  workers: { kind: 'count', machine: true },
  'pointwise.wg': { kind: 'wg', multipleOf: 4, why: 'the kernel runs 4 lanes at a time' },
  'pointwise.smallWg': { kind: 'wg', multipleOf: 4, why: 'the kernel runs 4 lanes at a time' },
  'pointwise.smallBelow': { kind: 'count' },
  'dwconv.wg': { kind: 'wg' },
  'dwconv.mainWg': { kind: 'wg' },
  'dwconv.minInvocations': { kind: 'count', machine: true },
  'conv2d.s2k3': { kind: 'flag' },
  'conv2d.s2k3Wg': { kind: 'wg' },
  'conv2d.wg': { kind: 'wg' },
  'attention.wg': { kind: 'wg', multipleOf: 4, why: 'the kernel runs 4 lanes at a time' },
  'cascadedAttention.wg': { kind: 'wg' },
  'squeezeExcite.wg': { kind: 'wg' },
  'windowAttention.wg': { kind: 'wg' },
  // ln_qkv.wgsl: a (μ, rstd) pair of vec4 per invocation in workgroup memory; 4 invocations compute the 16 tokens' statistics.
  'lnQkv.wg': { kind: 'wg', min: 4, storage: 32, why: 'four invocations compute the statistics of the 16 tokens' },
  'matmul.wg': { kind: 'wg' },
  'poolLinear.wg': { kind: 'wg' },
  'perItem.wg': { kind: 'wg' },
  // patch_embed.wgsl, local_prop_proj.wgsl: 4 vec4 of partial sums per invocation in workgroup memory.
  maxInvocations: { kind: 'wg', min: 4, storage: 64, why: 'the fused kernels need one invocation per 16 channels of a pixel tile' },
  'splitK.below': { kind: 'count', machine: true },
  'splitK.minK': { kind: 'count', multipleOf: 16, why: 'splits are whole 16-channel stages' },
  'ffn.minWorkgroups': { kind: 'count', machine: true },
  ffnOneKernel: { kind: 'flag' },
  sleepBeforeReadback: { kind: 'flag', machine: true },
};

/** The fields of a (partial) tuning as [dotted path, value]. */
export function tuningEntries(t: TuningOverrides): [string, unknown][] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'object' && v !== null ? Object.entries(v).map(([f, x]) => [`${k}.${f}`, x] as [string, unknown]) : [[k, v] as [string, unknown]]));
}

/** A partial tuning with one field set: `{ pointwise: { wg: 8 } }` for ('pointwise.wg', 8). */
export function tuningField(path: string, value: unknown): TuningOverrides {
  const [k, f] = path.split('.');
  return (f === undefined ? { [k]: value } : { [k]: { [f]: value } }) as TuningOverrides;
}

/**
 * Throws unless every field of `t` is known and fits the device: names the field, its value and the
 * limit it breaks. `where` says where the value came from (the caller's overrides, tuned.json, …).
 */
export function validateTuning(t: TuningOverrides, limits: TuningLimits, where = 'tuning'): void {
  const fix = `lower it in the runtime's tuning option (e.g. nodeRuntime({ tuning })), or run npm run tune on this adapter`;
  for (const [path, v] of tuningEntries(t)) {
    const rule = TUNING_FIELDS[path];
    if (!rule) throw new Error(`${where}: unknown tuning field "${path}" (fields: ${Object.keys(TUNING_FIELDS).join(', ')})`);
    if (rule.kind === 'flag') {
      if (typeof v !== 'boolean') throw new Error(`${where}: ${path} = ${JSON.stringify(v)} must be true or false`);
      continue;
    }
    if (rule.kind === 'activations') {
      if (v !== 'f32' && v !== 'f16') throw new Error(`${where}: ${path} = ${JSON.stringify(v)} must be 'f32' or 'f16'`);
      continue;
    }
    if (rule.kind === 'family') {
      if (!KERNEL_FAMILIES.includes(v as KernelFamily)) throw new Error(`${where}: ${path} = ${JSON.stringify(v)} must be one of ${KERNEL_FAMILIES.map((f) => `'${f}'`).join(', ')}`);
      const need = GPU_FAMILY_NEEDS;
      if (v === 'gpu' && (limits.maxComputeInvocationsPerWorkgroup < need.invocations || limits.maxComputeWorkgroupSizeX < need.workgroupSizeX || limits.maxComputeWorkgroupStorageSize < need.workgroupStorage)) {
        throw new Error(`${where}: ${path} = 'gpu' needs workgroups of ${need.invocations} invocations (${need.workgroupSizeX} along x) and ${need.workgroupStorage} bytes of workgroup memory; ` +
          `this device allows ${limits.maxComputeInvocationsPerWorkgroup} invocations and ${limits.maxComputeWorkgroupStorageSize} bytes: use kernels: 'cpu'`);
      }
      continue;
    }
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= (rule.min ?? 1))) {
      throw new Error(`${where}: ${path} = ${JSON.stringify(v)} must be an integer ≥ ${rule.min ?? 1}${rule.why ? ` (${rule.why})` : ''}`);
    }
    if (rule.multipleOf && v % rule.multipleOf !== 0) throw new Error(`${where}: ${path} = ${v} must be a multiple of ${rule.multipleOf} (${rule.why})`);
    if (rule.kind === 'count') continue;
    for (const limit of ['maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX'] as const) {
      if (v > limits[limit]) throw new Error(`${where}: ${path} = ${v} invocations per workgroup exceeds the device's ${limit} (${limits[limit]}); ${fix}`);
    }
    if (rule.storage && v * rule.storage > limits.maxComputeWorkgroupStorageSize) {
      throw new Error(`${where}: ${path} = ${v} needs ${v * rule.storage} bytes of workgroup memory (${rule.storage} per invocation), more than the device's maxComputeWorkgroupStorageSize (${limits.maxComputeWorkgroupStorageSize}); ${fix}`);
    }
  }
}

/** The key tuned.json files results under: the adapter's identity. */
export const tuningKey = (gpu: Gpu): string => {
  const a = gpu.adapterInfo;
  return [a.vendor, a.architecture, a.device, a.description].join('|');
};

/**
 * A CPU adapter whose shader compiler takes minutes over conv2d.wgsl's s2k3 (64 accumulators × 3 kernel rows, inlined):
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
    return { ...CPU_TUNING, workers, conv2d: { ...CPU_TUNING.conv2d, s2k3: !slowCompiler(gpu) }, dwconv: { ...CPU_TUNING.dwconv, minInvocations: 32 * workers }, splitK: { ...CPU_TUNING.splitK, below: workers }, ffn: { minWorkgroups: workers }, sleepBeforeReadback: gpu.pollsWhileWaiting };
  }
  return { ...gpuTuning(gpu.device.limits), subgroups: gpu.hasSubgroups };
}

/** The defaults of a GPU adapter with these limits (see defaultTuning); the profiler's projection uses them with DEFAULT_LIMITS. */
export function gpuTuning(l: TuningLimits): Tuning {
  const most = Math.min(l.maxComputeInvocationsPerWorkgroup, l.maxComputeWorkgroupSizeX);
  const wg = Math.min(64, most);
  return {
    kernels: 'gpu',
    subgroups: true,
    activations: 'f32',
    workers: 1024,
    pointwise: { wg, smallWg: 16, smallBelow: 1024 },
    dwconv: { wg, mainWg: wg, minInvocations: 4096 },
    conv2d: { s2k3: true, s2k3Wg: wg, wg },
    attention: { wg: 16 },
    cascadedAttention: { wg: 16 },
    squeezeExcite: { wg: 16 },
    windowAttention: { wg },
    lnQkv: { wg: 4 },
    matmul: { wg: 16 },
    poolLinear: { wg },
    perItem: { wg },
    maxInvocations: Math.min(256, most, Math.floor(l.maxComputeWorkgroupStorageSize / TUNING_FIELDS.maxInvocations.storage!)),
    // Split-K below 16 workgroups and two pointwise dispatches per FFN: the choices the profiler's
    // projection (npm run project) ranks best on the V100 and H100, for all eleven models together
    // (ffn.wgsl recomputes each pixel tile's hidden layer per output tile). Projected, not measured.
    splitK: { below: 16, minK: 64 },
    ffn: { minWorkgroups: 64 },
    ffnOneKernel: false,
    sleepBeforeReadback: false,
  };
}

/** What `npm run tune` records with an adapter's winners in tuned.json. */
export interface Measured {
  date: string;
  commit: string;
  adapter: Gpu['adapterInfo'];
  /** the device's limits then: the recorded values are checked against them */
  limits: TuningLimits;
  /** the machine's threads then: the fields that follow the thread count apply only on a machine with as many */
  threads: number;
  models: string[];
  runs: number;
  /** GPU ms of one inference of the models with the winners, summed */
  ms: number;
}
export type TunedEntry = TuningOverrides & { measured: Measured };
export type TunedFile = Record<string, TunedEntry>;

/**
 * Throws unless every entry of a tuned.json is well formed: its key the adapter's identity recorded
 * with it, a date and a commit, and every field a known one within the limits of the device it was
 * measured on. Returns the number of fields checked.
 */
export function checkTunedFile(file: Record<string, unknown>): number {
  let fields = 0;
  for (const [key, raw] of Object.entries(file)) {
    const { measured, ...values } = raw as TunedEntry;
    if (!measured || typeof measured !== 'object') throw new Error(`tuned.json "${key}": no "measured" record (date, commit, adapter, limits); record entries with npm run tune`);
    if (!/^\d{4}-\d\d-\d\d$/.test(measured.date ?? '')) throw new Error(`tuned.json "${key}": measured.date ${JSON.stringify(measured.date)} is not YYYY-MM-DD`);
    if (!/^[0-9a-f]{7,40}(\+dirty)?$/.test(measured.commit ?? '')) throw new Error(`tuned.json "${key}": measured.commit ${JSON.stringify(measured.commit)} is not a git commit`);
    const a = measured.adapter;
    if (!a || [a.vendor, a.architecture, a.device, a.description].join('|') !== key) throw new Error(`tuned.json "${key}": the key is not the adapter recorded with it (${JSON.stringify(a)})`);
    validateTuning(values, measured.limits ?? DEFAULT_LIMITS, `tuned.json "${key}"`);
    fields += tuningEntries(values).length;
  }
  return fields;
}

/**
 * Defaults for the adapter, then what `npm run tune` recorded for it (`recorded`: default
 * src/tuning/tuned.json; the fields that follow the thread count only where it was measured with as
 * many threads), then the caller's overrides.
 */
export function tuningFor(gpu: Gpu, threads: number, overrides: TuningOverrides = {}, recorded: Record<string, unknown> = tuned): Tuning {
  const entry = recorded[tuningKey(gpu)] as TunedEntry | undefined;
  let fromFile: TuningOverrides = {};
  if (entry) {
    const { measured, ...values } = entry;
    const sameMachine = measured?.threads === threads;
    for (const [path, v] of tuningEntries(values)) {
      if (TUNING_FIELDS[path]?.machine && !sameMachine) continue;
      fromFile = mergeOverrides(fromFile, tuningField(path, v));
    }
    validateTuning(fromFile, gpu.device.limits, `src/tuning/tuned.json for "${tuningKey(gpu)}"`);
  }
  const t = mergeTuning(mergeTuning(defaultTuning(gpu, threads), fromFile), overrides);
  if (t.subgroups && !gpu.hasSubgroups) throw new Error('tuning: subgroups is true, but this adapter has no "subgroups" feature: leave it false');
  checkActivations(t, gpu, 'tuning');
  return t;
}

/** Half activations need the adapter's shader-f16 and the GPU family (the CPU family's kernels store float32). */
export function checkActivations(t: Pick<Tuning, 'activations' | 'kernels'>, gpu: Pick<Gpu, 'hasF16'>, where: string): void {
  if (t.activations !== 'f16') return;
  if (!gpu.hasF16) throw new Error(`${where}: activations 'f16' needs the adapter's "shader-f16" feature, which this adapter lacks: leave activations 'f32' (the default)`);
  if (t.kernels !== 'gpu') throw new Error(`${where}: activations 'f16' needs the GPU kernel family (kernels: 'gpu'); the CPU family stores float32 activations`);
}

function mergeOverrides(a: TuningOverrides, b: TuningOverrides): TuningOverrides {
  const out = { ...a } as Record<string, unknown>;
  for (const [k, v] of Object.entries(b)) out[k] = typeof v === 'object' && v !== null ? { ...(out[k] as object), ...v } : v;
  return out as TuningOverrides;
}

export function mergeTuning(base: Tuning, over: TuningOverrides): Tuning {
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over)) {
    if (!Object.hasOwn(base, k)) throw new Error(`unknown tuning field "${k}" (fields: ${Object.keys(base).join(', ')})`);
    const b = (base as unknown as Record<string, unknown>)[k];
    if (typeof b === 'object' && b !== null) {
      for (const f of Object.keys(v as object)) if (!Object.hasOwn(b, f)) throw new Error(`unknown tuning field "${k}.${f}" (fields of ${k}: ${Object.keys(b).join(', ')})`);
      out[k] = { ...b, ...(v as object) };
    } else out[k] = v;
  }
  return out as unknown as Tuning;
}
