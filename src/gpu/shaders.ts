// Shader files are plain WGSL text in shaders/, loaded by a platform loader (fs in Node, fetch in a
// browser) and reflected with wgsl_reflect: bindings and the params struct come from the source,
// so no offset or binding number is ever written by hand in TypeScript.
import { WgslReflect, ResourceType } from 'wgsl_reflect/wgsl_reflect.module.js';

export type ShaderLoader = (file: string) => Promise<string>;

const INCLUDE = /^[ \t]*#include "([\w.-]+\.wgsl)"[ \t]*$/gm;

/**
 * Replaces each line `#include "name.wgsl"` with shaders/include/name.wgsl (recursively, each file
 * once), so helpers shared by several kernels (GELU, the register tile, …) have one source.
 * Everything else is WGSL. An include must stand at file scope, outside every `{ }`: included files
 * declare functions, and no file depends on the variable names of the function it is pasted into,
 * so every file parses alone once its includes are resolved.
 */
export async function resolveIncludes(file: string, code: string, load: ShaderLoader, seen = new Set<string>()): Promise<string> {
  const matches = [...code.matchAll(INCLUDE)];
  for (const m of matches) {
    const depth = braceDepth(code.slice(0, m.index));
    if (depth !== 0) {
      const line = code.slice(0, m.index).split('\n').length;
      throw new Error(`shaders/${file}:${line}: #include "${m[1]}" stands inside a { } block (depth ${depth}); includes must be at file scope: ` +
        `move the line out of the function and make ${m[1]} declare functions that the kernel calls`);
    }
  }
  const bodies = new Map<string, string>();
  for (const name of matches.map((m) => m[1])) {
    if (seen.has(name)) { bodies.set(name, `// (${name} is included above)`); continue; }
    seen.add(name);
    const text = await load(`include/${name}`).catch((e) => { throw new Error(`shaders/${file}: cannot include ${name}: ${(e as Error).message}`); });
    bodies.set(name, await resolveIncludes(`include/${name}`, text, load, seen));
  }
  return code.replace(INCLUDE, (_, name: string) => bodies.get(name)!);
}

/** Open `{` minus `}` in WGSL text, comments skipped (WGSL has no string literals). */
function braceDepth(code: string): number {
  const bare = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  let depth = 0;
  for (const ch of bare) { if (ch === '{') depth++; else if (ch === '}') depth--; }
  return depth;
}

export type BindingKind = 'uniform' | 'read' | 'read_write';
export interface BindingInfo { binding: number; name: string; kind: BindingKind }
export interface ParamField { name: string; offset: number; type: 'u32' | 'i32' | 'f32' }
export interface ParamsLayout { size: number; fields: ParamField[] }

export interface KernelInfo {
  file: string;
  entry: string;
  bindings: BindingInfo[];
  /** the uniform struct bound at @binding(0), if any */
  params: ParamsLayout | null;
  overrides: string[];
  /** the bindings declared `array<wvec4>`: matrix weights, in the form the file was resolved with (f32 or half) */
  weightBindings: string[];
  /** the bindings declared `array<act>` or `array<act4>`: activations, in the file's activation form (include/act.wgsl) */
  activationBindings: string[];
}

export interface ShaderFile { file: string; code: string; kernels: Map<string, KernelInfo> }

export function reflectShader(file: string, code: string): ShaderFile {
  let r: WgslReflect;
  try { r = new WgslReflect(code); } catch (e) {
    throw new Error(`cannot parse shaders/${file}: ${(e as Error).message}`);
  }
  const kernels = new Map<string, KernelInfo>();
  const matrixWeights = new Set([...code.matchAll(/var<storage,\s*read>\s+(\w+)\s*:\s*array<wvec4>/g)].map((m) => m[1]));
  const activations = new Set([...code.matchAll(/var<storage,\s*read(?:_write)?>\s+(\w+)\s*:\s*array<act4?>/g)].map((m) => m[1]));
  for (const fn of r.entry.compute) {
    const bindings: BindingInfo[] = [];
    let params: ParamsLayout | null = null;
    for (const v of fn.resources) {
      if (v.group !== 0) throw new Error(`shaders/${file}: ${v.name} uses @group(${v.group}); webvit kernels use group 0 only`);
      if (v.resourceType === ResourceType.Uniform) {
        bindings.push({ binding: v.binding, name: v.name, kind: 'uniform' });
        params = paramsLayout(file, v.type);
      } else if (v.resourceType === ResourceType.Storage) {
        bindings.push({ binding: v.binding, name: v.name, kind: v.access === 'read_write' ? 'read_write' : 'read' });
      } else {
        throw new Error(`shaders/${file}: ${v.name} is not a buffer; webvit kernels bind buffers only`);
      }
    }
    bindings.sort((a, b) => a.binding - b.binding);
    kernels.set(fn.name, {
      file, entry: fn.name, bindings, params, overrides: r.overrides.map((o: { name: string }) => o.name),
      weightBindings: bindings.filter((b) => matrixWeights.has(b.name)).map((b) => b.name),
      activationBindings: bindings.filter((b) => activations.has(b.name)).map((b) => b.name),
    });
  }
  if (kernels.size === 0) throw new Error(`shaders/${file} has no @compute entry point`);
  return { file, code, kernels };
}

function paramsLayout(file: string, type: any): ParamsLayout {
  if (!type?.members) throw new Error(`shaders/${file}: the uniform must be a struct of scalars`);
  const fields: ParamField[] = type.members.map((m: any) => {
    const t = m.type?.name;
    if (t !== 'u32' && t !== 'i32' && t !== 'f32') throw new Error(`shaders/${file}: params member ${m.name} has type ${t}; use u32, i32 or f32`);
    return { name: m.name, offset: m.offset, type: t };
  });
  return { size: type.size, fields };
}

/** Writes `values` into `view` at `base` using the reflected layout; every field must be given, no extras. */
export function packParams(layout: ParamsLayout, values: Record<string, number>, view: DataView, base: number, what: string): void {
  const known = new Set(layout.fields.map((f) => f.name));
  for (const k of Object.keys(values)) if (!known.has(k)) throw new Error(`${what}: params has no field "${k}" (fields: ${[...known].join(', ')})`);
  for (const f of layout.fields) {
    const v = values[f.name];
    if (v === undefined || !Number.isFinite(v)) throw new Error(`${what}: params field "${f.name}" is ${v}`);
    const at = base + f.offset;
    if (f.type === 'f32') view.setFloat32(at, v, true);
    else if (f.type === 'i32') view.setInt32(at, v, true);
    else {
      if (v < 0 || !Number.isInteger(v)) throw new Error(`${what}: params field "${f.name}" must be a non-negative integer, got ${v}`);
      view.setUint32(at, v, true);
    }
  }
}
