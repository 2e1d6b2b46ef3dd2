// Golden cases made by scripts/golden/make_golden.py (our PyTorch definitions with upstream key
// names), generated on first use into test/.golden/<hash of the scripts>/ and reused after that.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const scripts = path.join(repo, 'scripts/golden');
export const PYTHON = process.env.WEBVIT_PYTHON ?? '/usr/bin/python3';

export interface GoldenCase {
  name: string; model: string; height: number; width: number; batch: number; pth: Uint8Array; input: Float32Array; logits: Float32Array;
  /** ":shift" cases: `logits` are PyTorch's in float64, these PyTorch's in float32 */
  torch32?: Float32Array;
  /** with `{ onnx: true }`: the same model exported to ONNX (batch dimension dynamic) */
  onnxFile?: string;
}

function scriptsHash(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(scripts).filter((f) => f.endsWith('.py')).sort()) h.update(f).update(readFileSync(path.join(scripts, f)));
  return h.digest('hex').slice(0, 12);
}

export function torchAvailable(): boolean {
  try { execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }); return true; } catch { return false; }
}

const f32 = (file: string) => { const b = readFileSync(file); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };

/** Case variants: the spec suffix, make_golden.py's flag, the file name suffix. */
const VARIANTS: Record<string, { flag: string; suffix: string }> = {
  '': { flag: '', suffix: '' },
  dist: { flag: '--distillation', suffix: '_dist' }, // EfficientViT with a distillation head
  shift: { flag: '--shift', suffix: '_shift' },      // EdgeViT, DeiT: residual stream offset by 1000, logits in float64
};

/**
 * Makes (once) and loads the cases "model:res:batch[:dist|:shift]" (res = N or HxW) with seed 0;
 * `onnx` also exports each checkpoint's model to ONNX.
 */
export function goldenCases(specs: string[], opts: { onnx?: boolean } = {}): GoldenCase[] {
  const dir = path.join(repo, 'test/.golden', scriptsHash());
  const variant = (s: string) => {
    const v = s.split(':')[3] ?? '';
    if (!(v in VARIANTS)) throw new Error(`golden case ${s}: unknown variant "${v}"; use :dist or :shift`);
    return v;
  };
  const suffix = (s: string) => VARIANTS[variant(s)].suffix;
  const name = (s: string) => { const [m, r, b] = s.split(':'); return `${m}_r${r}_b${b}_s0${suffix(s)}`; };
  const onnxFile = (s: string) => { const [m, r] = s.split(':'); return path.join(dir, `${m}_r${r}_s0${suffix(s)}.onnx`); };
  const missing = specs.filter((s) => !existsSync(path.join(dir, `${name(s)}.logits.f32`)) || (opts.onnx && !existsSync(onnxFile(s))));
  for (const [v, { flag }] of Object.entries(VARIANTS)) {
    const todo = missing.filter((s) => variant(s) === v).map((s) => s.split(':').slice(0, 3).join(':'));
    if (!todo.length) continue;
    mkdirSync(dir, { recursive: true });
    execFileSync(PYTHON, [path.join(scripts, 'make_golden.py'), '--out', dir, '--cases', todo.join(','), ...(flag ? [flag] : []), ...(opts.onnx ? ['--onnx'] : [])],
      { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return specs.map((s) => {
    const [model, res, batch] = s.split(':');
    const [height, width = height] = res.split('x').map(Number);
    const base = path.join(dir, name(s));
    return {
      name: name(s), model, height, width, batch: +batch, pth: readFileSync(`${base}.pth`), input: f32(`${base}.input.f32`), logits: f32(`${base}.logits.f32`),
      ...(variant(s) === 'shift' ? { torch32: f32(`${base}.torch32.f32`) } : {}),
      ...(opts.onnx ? { onnxFile: onnxFile(s) } : {}),
    };
  });
}

/** Makes (once) the preprocessing references (scripts/golden/make_preprocess.py: torchvision on real photos) and returns their folder. */
export function preprocessCases(): string {
  const dir = path.join(repo, 'test/.golden', scriptsHash(), 'preprocess');
  if (!existsSync(path.join(dir, 'cases.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync(PYTHON, [path.join(scripts, 'make_preprocess.py'), '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}

export interface FeatureCase {
  name: string; model: string; height: number; width: number; batch: number; det: boolean; pth: Uint8Array; input: Float32Array;
  /** PyTorch's outputs, in order: the stages, then the embedding */
  outputs: { name: string; stride: number; shape: number[]; data: Float32Array }[];
}

/**
 * Makes (once) and loads the backbone-mode cases "model:HxW:batch[:det]" (scripts/golden/features/
 * make_features.py), in their own folder (keyed by that script and the definitions it imports).
 */
export function featureCases(specs: string[]): FeatureCase[] {
  const h = createHash('sha256');
  for (const d of [scripts, path.join(scripts, 'features')]) {
    for (const f of readdirSync(d).filter((f) => f.endsWith('.py')).sort()) h.update(f).update(readFileSync(path.join(d, f)));
  }
  const dir = path.join(repo, 'test/.golden', `features-${h.digest('hex').slice(0, 12)}`);
  const name = (s: string) => { const [m, r, b, det] = s.split(':'); return `${m}_r${r}_b${b}_s0${det === 'det' ? '_det' : ''}`; };
  const missing = specs.filter((s) => !existsSync(path.join(dir, `${name(s)}.json`)));
  if (missing.length) {
    mkdirSync(dir, { recursive: true });
    execFileSync(PYTHON, [path.join(scripts, 'features', 'make_features.py'), '--out', dir, '--cases', missing.join(',')], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return specs.map((s) => {
    const base = path.join(dir, name(s));
    const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { model: string; height: number; width: number; batch: number; det: boolean; outputs: { name: string; stride: number; shape: number[] }[] };
    return {
      name: name(s), model: meta.model, height: meta.height, width: meta.width, batch: meta.batch, det: meta.det,
      pth: readFileSync(`${base}.pth`), input: f32(`${base}.input.f32`),
      outputs: meta.outputs.map((o) => ({ ...o, data: f32(`${base}.${o.name}.f32`) })),
    };
  });
}

export function torchvisionAvailable(): boolean {
  try { execFileSync(PYTHON, ['-c', 'import torchvision, PIL'], { stdio: 'ignore' }); return existsSync('/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg'); } catch { return false; }
}

/** The project's tolerance for model outputs: max|Δ| ≤ 1e-4·max(1, max|y|). */
export function logitsError(got: Float32Array, want: Float32Array): { maxDiff: number; tolerance: number } {
  let maxDiff = 0, maxAbs = 0;
  for (let i = 0; i < want.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i])); maxAbs = Math.max(maxAbs, Math.abs(want[i])); }
  if (got.length !== want.length || Number.isNaN(maxDiff)) maxDiff = Infinity;
  return { maxDiff, tolerance: 1e-4 * Math.max(1, maxAbs) };
}
