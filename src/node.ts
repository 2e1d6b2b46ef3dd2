// Node entry: a Runtime on Dawn (npm `webgpu`) with shaders read from the package folder.
import { openNodeGpu, type NodeGpuOptions } from './gpu/node-gpu.ts';
import { nodeShaderLoader } from './gpu/node-shaders.ts';
import { Runtime } from './runtime.ts';

export async function nodeRuntime(opts: NodeGpuOptions = {}): Promise<Runtime> {
  return new Runtime(await openNodeGpu(opts), nodeShaderLoader);
}
