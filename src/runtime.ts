// A device plus its pipeline cache: what models are built on. One per GPU device.
import type { Gpu } from './gpu/device.ts';
import { PipelineCache } from './gpu/pipelines.ts';
import type { ShaderLoader } from './gpu/shaders.ts';
import { compileGraph, type CompiledGraph, type CompileProgress } from './graph/executor.ts';
import type { GraphBuilder } from './graph/builder.ts';

export class Runtime {
  readonly pipelines: PipelineCache;
  constructor(readonly gpu: Gpu, loadShader: ShaderLoader) {
    this.pipelines = new PipelineCache(gpu, loadShader);
  }
  compile(g: GraphBuilder, label: string, onProgress?: CompileProgress): Promise<CompiledGraph> {
    return compileGraph(this.gpu, this.pipelines, g, label, onProgress);
  }
}
