// Compiled pipelines, cached by everything that changes the generated code: file, entry point and
// override constants. Building a model asks for all of its pipelines at once so they compile in
// parallel (createComputePipelineAsync).
import { reflectShader, resolveIncludes, type KernelInfo, type ShaderFile, type ShaderLoader } from './shaders.ts';
import type { Gpu } from './device.ts';

export type Overrides = Record<string, number | boolean>;

export interface KernelRef { file: string; entry: string; overrides?: Overrides }

export function pipelineKey(k: KernelRef): string {
  const o = Object.entries(k.overrides ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${k.file}:${k.entry}` + (o.length ? `{${o.map(([n, v]) => `${n}=${Number(v)}`).join(',')}}` : '');
}

export interface CompiledKernel { key: string; info: KernelInfo; pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }

export class PipelineCache {
  private files = new Map<string, Promise<ShaderFile>>();
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, Promise<CompiledKernel>>();

  constructor(private gpu: Gpu, private load: ShaderLoader) {}

  shader(file: string): Promise<ShaderFile> {
    let f = this.files.get(file);
    if (!f) {
      f = this.load(file).then((code) => resolveIncludes(file, code, this.load)).then((code) => reflectShader(file, code));
      this.files.set(file, f);
    }
    return f;
  }

  async info(k: KernelRef): Promise<KernelInfo> {
    const info = (await this.shader(k.file)).kernels.get(k.entry);
    if (!info) throw new Error(`shaders/${k.file} has no compute entry point "${k.entry}"`);
    return info;
  }

  get(k: KernelRef): Promise<CompiledKernel> {
    const key = pipelineKey(k);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.compile(k, key);
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    return p;
  }

  get size(): number { return this.pipelines.size; }

  private async compile(k: KernelRef, key: string): Promise<CompiledKernel> {
    const file = await this.shader(k.file);
    const info = await this.info(k);
    for (const name of Object.keys(k.overrides ?? {})) {
      if (!info.overrides.includes(name)) throw new Error(`${key}: the kernel has no override "${name}" (it has: ${info.overrides.join(', ') || 'none'})`);
    }
    const d = this.gpu.device;
    let module = this.modules.get(k.file);
    if (!module) {
      module = d.createShaderModule({ label: k.file, code: file.code });
      this.modules.set(k.file, module);
    }
    const layout = d.createBindGroupLayout({
      label: key,
      entries: info.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const constants: Record<string, number> = {};
    for (const [n, v] of Object.entries(k.overrides ?? {})) constants[n] = Number(v);
    try {
      const pipeline = await d.createComputePipelineAsync({
        label: key,
        layout: d.createPipelineLayout({ label: key, bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: k.entry, constants },
      });
      return { key, info, pipeline, layout };
    } catch (e) {
      const messages = (await module.getCompilationInfo()).messages.map((m) => `  shaders/${k.file}:${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`);
      throw new Error(`cannot compile kernel ${key}: ${(e as Error).message}${messages.length ? '\n' + messages.join('\n') : ''}`);
    }
  }
}
