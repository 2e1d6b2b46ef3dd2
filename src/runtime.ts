// A device plus its pipeline cache and its Tuning: what models are built on. One per GPU device.
import type { Gpu } from './gpu/device.ts';
import { PipelineCache } from './gpu/pipelines.ts';
import type { ShaderLoader } from './gpu/shaders.ts';
import { compileGraph, type CompiledGraph, type CompileProgress } from './graph/executor.ts';
import type { GraphBuilder } from './graph/builder.ts';
import { tuningFor, validateTuning, type Tuning, type TuningOverrides } from './tuning.ts';

export interface RuntimeOptions {
  /** worker threads of the machine (a CPU adapter runs this many workgroups at once) */
  threads?: number;
  /** replaces fields of the adapter's tuning (defaults, then src/tuning/tuned.json for this adapter) */
  tuning?: TuningOverrides;
  /** what `npm run tune` recorded, by adapter key (default src/tuning/tuned.json): for tests and the tuner */
  recorded?: Record<string, unknown>;
}

export class Runtime {
  readonly pipelines: PipelineCache;
  readonly tuning: Tuning;
  constructor(readonly gpu: Gpu, loadShader: ShaderLoader, opts: RuntimeOptions = {}) {
    // Every field against the device's limits before any pipeline compiles: the caller's, the recorded
    // ones (checked in tuningFor, naming tuned.json), then the whole (the defaults included).
    if (opts.tuning) validateTuning(opts.tuning, gpu.device.limits, 'the tuning option');
    this.tuning = tuningFor(gpu, opts.threads ?? 1, opts.tuning, opts.recorded);
    validateTuning(this.tuning, gpu.device.limits, `the tuning for ${gpu.adapterInfo.description || 'this adapter'}`);
    this.pipelines = new PipelineCache(gpu, loadShader);
    gpu.sleepBeforeReadback = this.tuning.sleepBeforeReadback;
  }
  compile(g: GraphBuilder, label: string, onProgress?: CompileProgress): Promise<CompiledGraph> {
    return compileGraph(this.gpu, this.pipelines, g, label, onProgress);
  }
}
