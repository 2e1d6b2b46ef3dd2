// Compiled pipelines, cached by everything that changes the generated code: file, entry point and
// override constants. Building a model asks for all of its pipelines at once so they compile in
// parallel (createComputePipelineAsync).
import { reflectShader, resolveIncludes, type KernelInfo, type ShaderFile, type ShaderLoader } from './shaders.ts';
import type { Gpu } from './device.ts';

export type Overrides = Record<string, number | boolean>;

/**
 * How a kernel reads its matrix weights (its `array<wvec4>` bindings, see shaders/include/weights.wgsl):
 * float32; IEEE half as vec4<f16> (adapters with shader-f16); or the same half bytes read as
 * vec2<u32> and unpacked (any adapter).
 */
export type WeightFormat = 'f32' | 'f16' | 'f16-packed';

const WEIGHT_INCLUDE: Record<WeightFormat, string> = { f32: 'weights.wgsl', f16: 'weights_f16.wgsl', 'f16-packed': 'weights_f16_packed.wgsl' };

/**
 * `weights`: the form of the kernel's matrix weights (default f32). `subgroups`: its reductions
 * through subgroup operations (adapters with the `subgroups` feature; the pipeline cache swaps each
 * include of SUBGROUP_INCLUDES for its subgroup form).
 */
export interface KernelRef {
  file: string; entry: string; overrides?: Overrides; weights?: WeightFormat; subgroups?: boolean;
  /** how its activation bindings are stored (include/act.wgsl): float32 (default), or IEEE half ('f16', shader-f16) */
  activations?: ActivationFormat;
}

/** How activations are stored between kernels: float32, or IEEE half (adapters with shader-f16). Arithmetic is f32 in both. */
export type ActivationFormat = 'f32' | 'f16';

/** The include that names the activations' element type (act, act4), and its half form. */
const ACT_INCLUDE: Record<ActivationFormat, string> = { f32: 'act.wgsl', f16: 'act_f16.wgsl' };

/**
 * The includes of shaders/include/ that have a subgroup form, and that form: whole-workgroup
 * reductions (row softmax, LayerNorm, mean), and the small groups' reductions of lane_groups.wgsl
 * (flash attention's rows).
 */
export const SUBGROUP_INCLUDES: Readonly<Record<string, string>> = {
  'workgroup_reduce.wgsl': 'workgroup_reduce_subgroups.wgsl',
  'lane_shuffles.wgsl': 'lane_shuffles_subgroups.wgsl',
};

/** The name a shader loader is asked for: shaders/include/X in its subgroup form where the kernel is asked for with `subgroups`. */
export function subgroupForm(name: string, subgroups: boolean | undefined): string {
  const form = name.startsWith('include/') ? SUBGROUP_INCLUDES[name.slice('include/'.length)] : undefined;
  return subgroups && form ? `include/${form}` : name;
}

/** What makes one shader module of a file: its weight, reduction and activation forms. */
function moduleKey(k: Pick<KernelRef, 'file' | 'weights' | 'subgroups' | 'activations'>): string {
  return `${k.file}[${k.weights ?? 'f32'}]${k.subgroups ? '[subgroups]' : ''}${k.activations === 'f16' ? '[f16 activations]' : ''}`;
}

export function pipelineKey(k: KernelRef): string {
  const o = Object.entries(k.overrides ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const w = (k.weights && k.weights !== 'f32' ? `[${k.weights}]` : '') + (k.subgroups ? '[subgroups]' : '') + (k.activations === 'f16' ? '[f16 activations]' : '');
  return `${k.file}:${k.entry}${w}` + (o.length ? `{${o.map(([n, v]) => `${n}=${Number(v)}`).join(',')}}` : '');
}

export interface CompiledKernel { key: string; info: KernelInfo; pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }

export class PipelineCache {
  private files = new Map<string, Promise<ShaderFile>>();
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, Promise<CompiledKernel>>();

  constructor(private gpu: Gpu, private load: ShaderLoader) {}

  /**
   * A shader file with its includes resolved, the matrix-weight helpers in the given format
   * (half needs `enable f16;`, put at the start of the first line so that it adds no line).
   */
  shader(file: string, weights: WeightFormat = 'f32', subgroups = false, activations: ActivationFormat = 'f32'): Promise<ShaderFile> {
    const key = moduleKey({ file, weights, subgroups, activations });
    let f = this.files.get(key);
    if (!f) {
      let reduces = false, typed = false;
      const load: ShaderLoader = (name) => {
        if (subgroupForm(name, true) !== name) reduces = true;
        return this.load(name === `include/${WEIGHT_INCLUDE.f32}` ? `include/${WEIGHT_INCLUDE[weights]}`
          : name === `include/${ACT_INCLUDE.f32}` ? `include/${ACT_INCLUDE[activations]}` : subgroupForm(name, subgroups));
      };
      // A kernel types its activation bindings by including act.wgsl itself (an include that reads
      // activations includes it too, for kernels whose bindings stay float32).
      f = this.load(file).then((code) => {
        typed = new RegExp(`^[ \\t]*#include "${ACT_INCLUDE.f32}"`, 'm').test(code);
        return resolveIncludes(file, code, load);
      }).then((code) => {
        if (subgroups && !reduces) throw new Error(`shaders/${file} has no reductions with a subgroup form (it includes none of ${Object.keys(SUBGROUP_INCLUDES).join(', ')}), so it has no subgroups form`);
        if (activations !== 'f32' && !typed) throw new Error(`shaders/${file} does not type its activations (no #include "${ACT_INCLUDE.f32}"), so it has no ${activations} activations form`);
        const enables = `${weights === 'f16' || activations === 'f16' ? 'enable f16; ' : ''}${subgroups ? 'enable subgroups; ' : ''}`;
        const shader = reflectShader(file, `${enables}${code}`);
        if (weights !== 'f32' && [...shader.kernels.values()].every((k) => k.weightBindings.length === 0)) {
          throw new Error(`shaders/${file} reads no matrix weights (no array<wvec4> binding), so it has no ${weights} form`);
        }
        return shader;
      });
      this.files.set(key, f);
    }
    return f;
  }

  async info(k: KernelRef): Promise<KernelInfo> {
    const info = (await this.shader(k.file, k.weights, k.subgroups, k.activations)).kernels.get(k.entry);
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
    const file = await this.shader(k.file, k.weights, k.subgroups, k.activations);
    const info = await this.info(k);
    for (const name of Object.keys(k.overrides ?? {})) {
      if (!info.overrides.includes(name)) throw new Error(`${key}: the kernel has no override "${name}" (it has: ${info.overrides.join(', ') || 'none'})`);
    }
    const d = this.gpu.device;
    const constants: Record<string, number> = {};
    for (const [n, v] of Object.entries(k.overrides ?? {})) constants[n] = Number(v);
    // Everything that can fail is created inside one validation scope, pushed and popped in the
    // same turn (no await between, so concurrent compiles cannot pop each other's scope): engines
    // differ in where a rejected shader surfaces (Dawn: the async pipeline rejects; Firefox's wgpu:
    // a validation error on the module or pipeline, the promise may still resolve).
    d.pushErrorScope('validation');
    const mk = moduleKey(k);
    let module = this.modules.get(mk);
    if (!module) {
      module = d.createShaderModule({ label: mk, code: file.code });
      this.modules.set(mk, module);
    }
    const layout = d.createBindGroupLayout({
      label: key,
      entries: info.bindings.map((b) => ({
        binding: b.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: b.kind === 'uniform' ? 'uniform' : b.kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const pending = d.createComputePipelineAsync({
      label: key,
      layout: d.createPipelineLayout({ label: key, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: k.entry, constants },
    });
    const scope = d.popErrorScope();
    const [made, scoped] = await Promise.allSettled([pending, scope]);
    const error = made.status === 'rejected' ? (made.reason as Error).message
      : scoped.status === 'rejected' ? String(scoped.reason) : scoped.value?.message;
    if (made.status === 'fulfilled' && !error) return { key, info, pipeline: made.value, layout };
    const messages = (await module.getCompilationInfo()).messages.map((m) => `  shaders/${k.file}:${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`);
    throw new Error(`cannot compile kernel ${key}: ${error}${messages.length ? '\n' + messages.join('\n') : ''}`);
  }
}
