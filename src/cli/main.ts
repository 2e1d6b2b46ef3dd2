// webvit command line: `webvit infer …` runs a model on a checkpoint in Node (Dawn); `webvit features` / `embed`
// return its backbone outputs (cli/features.ts); `webvit profile …`
// breaks its GPU time down per dispatch, layer and category (fused and unfused); `webvit demo` runs
// the shipped model on the shipped sample images.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { load, nodeRuntime, topClasses, type LoadProgress } from '../node.ts';
import { Model } from '../model.ts';
import { KERNEL_FAMILIES, type KernelFamily } from '../tuning.ts';
import { MODELS, detectModel, modelInfo, type ModelInfo } from '../models/registry.ts';
import { defaultResolution } from '../models/resolution.ts';
import { loadStateDict } from '../weights/load.ts';
import { convertCheckpoint } from '../weights/convert.ts';
import { randomStateDict } from '../models/random.ts';
import { randomFloats } from '../util/random.ts';
import { SCHEDULES, scheduleNamed, type ScheduleName } from '../schedule/index.ts';
import { profileModel } from '../profile/profile.ts';
import { adapterRoofs } from '../profile/roofs.ts';
import { profileText } from '../profile/report.ts';
import { profileSvg } from '../profile/svg.ts';
import { chromeTrace } from '../profile/trace.ts';
import { GPUS, gpuSpec, projectModel } from '../profile/project.ts';
import type { TimingMethod } from '../profile/timing.ts';
import { fileRoofCache } from './roof-cache.ts';
import { features } from './features.ts';
import { SHIPPED_WEIGHTS, type Classifier } from '../api.ts';
import { parsePreprocessing, type Preprocessing } from '../preprocess.ts';

const USAGE = `usage:
  webvit infer [--model NAME] [--weights FILE] [--input RAW.f32 | --image A.{png,jpg} [B.png …]] [--res 224 | --res HxW] [--batch N]
               [--schedule fused|unfused|fused-ffn] [--dtype auto|f32|f16] [--kernels gpu|cpu] [--activations f32|f16] [--output LOGITS.f32]
  webvit profile --model NAME [--weights FILE] [--res N] [--batch N] [--schedule fused|unfused|fused-ffn|both] [--runs 7] [--dtype f32|f16] [--kernels gpu|cpu] [--activations f32|f16]
               [--features all | --features blocks1,embedding] [--project GPU]
               [--json OUT.json] [--svg OUT.svg] [--trace OUT.json] [--method timestamp-per-pass|wall-clock] [--refresh-roofs]
  webvit convert IN.pth OUT.safetensors [--model NAME] [--dtype f32|f16] [--meta IN.json]   (BatchNorms folded; f16 halves the file;
               --meta: class names and preprocessing to record, as scripts/train writes them)
  webvit features --model NAME --weights FILE (--image A.jpg [B.png …] [--size HxW | --resize shorter:800:1333:32] | --input RAW.f32 --size HxW [--batch N])
               [--stages blocks1,blocks2] [--schedule fused|unfused] --output OUT.safetensors
  webvit embed   the same, the embedding alone (prints the images' cosine similarities)
  webvit demo    (the shipped efficientvit_m0 on the shipped sample images)
models: ${Object.keys(MODELS).join(', ')}
infer: without --model/--weights, efficientvit_m0 with the weights webvit ships (trained on Fashion-MNIST); images are
  preprocessed as the checkpoint says (its metadata) or as ImageNet's evaluation transform, and run as one batch.
  --input is raw little-endian float32 NCHW [batch, 3, res, res]; without --input or --image a fixed random input is used.
schedules: fused (inference), unfused (one dispatch per PyTorch eager op), fused-ffn (fused, each FFN one kernel).
dtype: how matrix weights sit on the GPU: f16 (half the memory; read as f16 with shader-f16, else unpacked; f32 math),
  f32, or auto (f16 when the adapter has shader-f16 and the checkpoint is stored in f16; the default).
kernels: the kernel family of the kernels that have two: gpu (workgroup tiles; the default on a GPU) or cpu (register
  tiles shaped for a CPU adapter such as SwiftShader; the default there).
activations: how activations are stored between kernels: f32 (the default) or f16 (half the activation memory and
  traffic; needs shader-f16 and --kernels gpu; f32 math; README "Half activations" gives its accuracy).
features: the stages' feature maps (default every stage: blocks1 … as upstream names them) and the embedding, at the
  input's own size (--size resizes images to HxW; --resize is mmdet's keep-ratio resize and padding; without either, images
  get the classification transform); one safetensors tensor per output, strides and input shape in its metadata.
profile: without --weights a seeded random checkpoint is used (GPU time does not depend on the values); the adapter's
  roofs are measured once and cached (--refresh-roofs measures them again). --project GPU also projects every dispatch of
  both kernel families onto a GPU from its public figures (${Object.keys(GPUS).join(', ')}) and prints Figure 2 as projected
  beside the measured one (src/profile/README.md has the formula).`;

function readFile(file: string, what: string): Uint8Array {
  try { return readFileSync(file); } catch (e) { throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

/** --res N or --res HxW (non-square, where the model allows it). */
function parseRes(v: string | undefined): [number, number] {
  if (v === undefined) return [224, 224];
  const m = /^(\d+)(?:x(\d+))?$/.exec(v);
  if (!m) throw new Error(`--res must be N or HxW (e.g. 224 or 224x288), got "${v}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

function positive(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/** The input: raw float32, or images preprocessed and stacked (one per image, else the first repeated), or a fixed random one. */
async function loadInput(flags: InferFlags, images: string[], batch: number, h: number, w: number, model: Classifier): Promise<Float32Array> {
  const n = batch * 3 * h * w;
  if (flags.input && images.length) throw new Error('give either --input or --image, not both');
  if (flags.input) {
    const b = readFile(flags.input, 'input');
    if (b.byteLength !== n * 4) throw new Error(`${flags.input} has ${b.byteLength} bytes; [${batch}, 3, ${h}, ${w}] float32 needs ${n * 4} (check --batch and --res)`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  if (images.length) {
    if (h !== w || h !== model.resolution) throw new Error(`--image needs --res ${model.resolution}: the checkpoint's images are centre-cropped to ${model.resolution}×${model.resolution}`);
    const out = new Float32Array(n);
    for (let i = 0; i < batch; i++) out.set(await model.input(images[i % images.length]), (i * n) / batch);
    return out;
  }
  return randomFloats(n, 12345);
}

/** A one-line progress bar on a terminal (nothing when stderr is not one). */
function progressBar(): ((p: LoadProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 50 && p.loaded < p.total) return;
    last = now;
    const f = p.total > 0 ? Math.min(1, p.loaded / p.total) : 0, width = 30;
    const amount = p.phase === 'compile' ? `${p.loaded}/${p.total} pipelines` : p.phase === 'fold' ? '' : `${(p.loaded / 2 ** 20).toFixed(1)}/${(p.total / 2 ** 20).toFixed(1)} MiB`;
    process.stderr.write(`\r\x1b[K${p.phase.padEnd(8)} [${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}] ${amount}`);
  };
}

interface InferFlags { model?: string; weights?: string; input?: string; res?: string; batch?: string; output?: string; schedule?: string; dtype?: string; kernels?: string; activations?: string }

async function infer(flags: InferFlags, images: string[] = [], input: Float32Array | null = null): Promise<Float32Array> {
  const name = flags.model ?? 'efficientvit_m0';
  if (!flags.weights && !Object.hasOwn(SHIPPED_WEIGHTS, name)) throw new Error(`infer --model ${name} needs --weights (webvit ships weights for ${Object.keys(SHIPPED_WEIGHTS).join(', ')})`);
  const batch = positive(flags.batch, 'batch', Math.max(1, images.length));
  const schedule = (flags.schedule ?? 'fused') as ScheduleName;
  scheduleNamed(schedule);
  const bar = progressBar();
  let t = performance.now();
  const asked = flags.res === undefined ? undefined : parseRes(flags.res);
  const dtype = flags.dtype ?? 'auto';
  if (dtype !== 'auto' && dtype !== 'f32' && dtype !== 'f16') throw new Error(`--dtype must be auto, f32 or f16, got "${dtype}"`);
  const model = await load(name, flags.weights, { resolution: asked && asked[0] === asked[1] ? asked[0] : undefined, onProgress: bar, dtype, kernels: kernelFamily(flags.kernels), activations: activationFormat(flags.activations) });
  if (bar) process.stderr.write('\r\x1b[K');
  if (!flags.weights) console.log(`${name}: the weights webvit ships (${SHIPPED_WEIGHTS[name]}, ${model.classes} classes: ${model.labels.slice(0, 3).join(', ')}, …)`);
  const [h, w] = asked ?? [model.resolution, model.resolution];
  try {
    const x = input ?? await loadInput(flags, images, batch, h, w, model);
    const plan = await model.model.plan(batch, h, w, schedule);
    const buildMs = performance.now() - t;
    t = performance.now();
    const { logits, classes } = await model.model.run(x, batch, h, w, schedule);
    const runMs = performance.now() - t;
    for (let b = 0; b < batch; b++) {
      const top = topClasses(logits.subarray(b * classes, (b + 1) * classes), 5, model.labels);
      const file = images.length ? ` ${images[b % images.length]}` : '';
      console.log(`image ${b}${file}: top-5 ${top.map((c) => `${c.index} ${c.label} (${(100 * c.probability).toFixed(2)}%, logit ${logits[b * classes + c.index].toFixed(4)})`).join(', ')}`);
    }
    const s = plan.stats, d = model.details();
    console.log(`${name} ${batch}×3×${h}×${w} (${schedule}) on ${d.adapter.vendor || 'unknown'} ${d.adapter.architecture}${d.fallback ? ' (a CPU fallback: slow)' : ''}: ` +
      `inference ${runMs.toFixed(1)} ms (load and build ${buildMs.toFixed(0)} ms, ${s.pipelines} pipelines)`);
    console.log(`per inference: ${s.dispatches} dispatches, ${s.buffers} GPU buffers (${(s.activationBytes / 2 ** 20).toFixed(2)} MiB activations, ` +
      `${(s.weightBytes / 2 ** 20).toFixed(2)} MiB weights, matrices ${d.weights}), 1 submit; GPU memory now ${(d.memory.total / 2 ** 20).toFixed(2)} MiB, peak ${(d.memory.peak / 2 ** 20).toFixed(2)} MiB`);
    if (flags.output) { writeFileSync(flags.output, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength)); console.log(`logits → ${flags.output}`); }
    return logits;
  } finally {
    model.dispose();
  }
}

/** Class names and preprocessing from a training sidecar (scripts/train writes OUT.json beside the checkpoint). */
function readMeta(file: string): { classes?: string[]; preprocess?: Preprocessing } {
  let v: { classes?: unknown; preprocess?: unknown };
  try { v = JSON.parse(new TextDecoder().decode(readFile(file, 'metadata'))); } catch (e) { throw new Error(`${file} is not JSON: ${(e as Error).message}`); }
  const classes = v.classes;
  if (classes !== undefined && !(Array.isArray(classes) && classes.every((c) => typeof c === 'string'))) throw new Error(`${file}: "classes" must be an array of strings`);
  return { classes: classes as string[] | undefined, preprocess: v.preprocess === undefined ? undefined : parsePreprocessing(JSON.stringify(v.preprocess)) };
}

async function convert(input: string, output: string, flags: { model?: string; dtype?: string; meta?: string }): Promise<void> {
  const dtype = flags.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`--dtype must be f32 or f16, got "${dtype}"`);
  const bytes = readFile(input, 'checkpoint');
  const sd = loadStateDict(bytes);
  const meta = flags.meta ? readMeta(flags.meta) : {};
  // The resolution: what the training record's preprocessing crops to, else what the tensors say.
  const resolutionOf = (i: ModelInfo) => meta.preprocess?.crop ?? defaultResolution(i, sd);
  const info = flags.model ? modelInfo(flags.model) : detectModel(sd, resolutionOf);
  const resolution = resolutionOf(info);
  // Converting builds the model's fused graph: a checkpoint that does not fit it fails there, with one error listing what does not.
  const out = convertCheckpoint(info, sd, { dtype, resolution, source: path.basename(input), ...meta });
  writeFileSync(output, out);
  const bns = [...sd.keys()].filter((k) => k.endsWith('.running_var')).length;
  console.log(`${input} (${info.name}, made for ${resolution}×${resolution}): ${(bytes.length / 2 ** 20).toFixed(2)} MiB → ${output}: ${(out.length / 2 ** 20).toFixed(2)} MiB, ` +
    `${bns ? `${bns} BatchNorms folded` : 'no BatchNorms to fold'}, ${dtype} weights`);
}

interface ProfileFlags { features?: string; model?: string; weights?: string; res?: string; batch?: string; schedule?: string; runs?: string; json?: string; svg?: string; trace?: string; method?: string; dtype?: string; kernels?: string; activations?: string; project?: string; 'refresh-roofs'?: boolean }

/** --kernels: the kernel family (default: the adapter's tuning). */
function kernelFamily(flag: string | undefined): KernelFamily | undefined {
  if (flag !== undefined && !KERNEL_FAMILIES.includes(flag as KernelFamily)) throw new Error(`--kernels must be ${KERNEL_FAMILIES.join(' or ')}, got "${flag}"`);
  return flag as KernelFamily | undefined;
}

/** --activations: how activations are stored (default: the adapter's tuning, f32). */
function activationFormat(flag: string | undefined): 'f32' | 'f16' | undefined {
  if (flag !== undefined && flag !== 'f32' && flag !== 'f16') throw new Error(`--activations must be f32 or f16, got "${flag}"`);
  return flag;
}

async function profile(flags: ProfileFlags): Promise<void> {
  if (!flags.model) throw new Error('profile needs --model NAME');
  const info = modelInfo(flags.model);
  const [height, width] = parseRes(flags.res), batch = positive(flags.batch, 'batch', 1), runs = positive(flags.runs, 'runs', 7);
  const which = flags.schedule ?? 'both';
  if (which !== 'both' && !Object.hasOwn(SCHEDULES, which)) throw new Error(`--schedule must be ${Object.keys(SCHEDULES).join(', ')} or both, got "${which}"`);
  const schedules: ScheduleName[] = which === 'both' ? ['fused', 'unfused'] : [which as ScheduleName];
  const methods: TimingMethod[] = ['timestamp-inside-pass', 'timestamp-per-pass', 'wall-clock'];
  if (flags.method !== undefined && !methods.includes(flags.method as TimingMethod)) throw new Error(`--method must be one of ${methods.join(', ')}, got "${flags.method}"`);
  const gpu = flags.project === undefined ? undefined : gpuSpec(flags.project);
  // Unquantised timestamps: Dawn rounds them (a browser's anti-fingerprinting measure) unless told not to.
  const rt = await nodeRuntime({ disable: ['timestamp_quantization'] });
  const sd = flags.weights ? null : randomStateDict(info.name, height);
  if (!flags.weights) console.error(`webvit: no --weights: profiling ${info.name} with a seeded random checkpoint (GPU time does not depend on the values)`);
  const dtype = flags.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new Error(`--dtype must be f32 or f16, got "${dtype}"`);
  const options = { dtype: dtype as 'f32' | 'f16', kernels: kernelFamily(flags.kernels), activations: activationFormat(flags.activations) };
  const model = flags.weights ? Model.fromBytes(rt, info.name, readFile(flags.weights, 'checkpoint'), options) : new Model(rt, info, sd!, options);
  const cache = fileRoofCache();
  const roofs = await adapterRoofs(rt, { cache, platform: `node ${process.version}`, refresh: flags['refresh-roofs'] });
  if (!roofs.cached) console.error(`webvit: measured this adapter's roofs (cached in ${cache.file})`);
  // --features: backbone mode's graph (stages, embedding) instead of the classifier's.
  const names = info.stages.map((s) => s.name);
  const wanted = flags.features === 'all' ? [...names, 'embedding'] : flags.features?.split(',');
  const outputs = wanted && { stages: wanted.filter((n) => n !== 'embedding'), embedding: wanted.includes('embedding') };
  const report = await profileModel(model, {
    batch, height, width, schedules, runs, roofs, method: flags.method as TimingMethod | undefined, outputs,
    weights: `${flags.weights ?? 'random (seed 0)'}${model.weightFormat === 'f32' ? '' : ` (matrix weights ${model.weightFormat})`}`, platform: `node ${process.version}`,
    onProgress: process.stderr.isTTY ? (m) => process.stderr.write(`\r\x1b[K${m}`) : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (gpu) report.projection = projectModel(model, gpu, report.input, schedules);
  console.log(profileText(report));
  const write = (file: string | undefined, what: string, data: string) => { if (file) { writeFileSync(file, data); console.log(`${what} → ${file}`); } };
  write(flags.json, 'profile (JSON)', JSON.stringify(report, null, 1));
  write(flags.svg, 'chart (SVG)', profileSvg(report));
  write(flags.trace, 'trace (Chrome Trace Event format; open in https://ui.perfetto.dev)', JSON.stringify(chromeTrace(report)));
  model.destroy();
}

async function demo(): Promise<void> {
  // The shipped model on the shipped sample images (one Fashion-MNIST test image per class), as one batch.
  const dir = fileURLToPath(new URL('../../demo/samples/', import.meta.url));
  const samples = JSON.parse(readFileSync(path.join(dir, 'samples.json'), 'utf8')) as { file: string; label: string }[];
  const model = await load('efficientvit_m0', undefined, { onProgress: progressBar() });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  try {
    const tops = await model.classify(samples.map((s) => path.join(dir, s.file)), { topK: 3 });
    let right = 0;
    tops.forEach((top, i) => {
      right += top[0].label === samples[i].label ? 1 : 0;
      console.log(`${samples[i].file.padEnd(24)} ${top[0].label === samples[i].label ? 'right' : 'WRONG'}  ${top.map((c) => `${c.label} ${(100 * c.probability).toFixed(1)}%`).join(', ')}`);
    });
    console.log(`${right} of ${samples.length} right (efficientvit_m0, the weights webvit ships: ${SHIPPED_WEIGHTS.efficientvit_m0})`);
    console.log('your own: webvit infer --model efficientvit_m0 --weights efficientvit_m0.pth --image photo.jpg; the page: npm start');
  } finally {
    model.dispose();
  }
}

const str = { type: 'string' } as const;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'infer') {
    const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { model: str, weights: str, input: str, image: str, res: str, batch: str, output: str, schedule: str, dtype: str, kernels: str, activations: str } });
    if (values.weights && !values.model) throw new Error('infer --weights needs --model NAME');
    if (positionals.length && !values.image) throw new Error(`unexpected argument "${positionals[0]}" (images follow --image: --image a.png b.png)`);
    await infer(values as InferFlags, values.image ? [values.image, ...positionals] : []);
  } else if (cmd === 'convert') {
    const { values, positionals } = parseArgs({ args: rest, strict: true, allowPositionals: true, options: { model: str, dtype: str, meta: str } });
    if (positionals.length !== 2) throw new Error('convert needs IN.pth OUT.safetensors');
    await convert(positionals[0], positionals[1], values);
  } else if (cmd === 'profile') {
    const { values } = parseArgs({
      args: rest, strict: true,
      options: { model: str, weights: str, res: str, batch: str, schedule: str, runs: str, json: str, svg: str, trace: str, method: str, dtype: str, kernels: str, activations: str, features: str, project: str, 'refresh-roofs': { type: 'boolean' } },
    });
    await profile(values);
  } else if (cmd === 'features' || cmd === 'embed') {
    const { values, positionals } = parseArgs({
      args: rest, strict: true, allowPositionals: true,
      options: { model: str, weights: str, input: str, image: str, size: str, resize: str, batch: str, stages: str, schedule: str, output: str, kernels: str },
    });
    if (positionals.length && !values.image) throw new Error(`unexpected argument "${positionals[0]}" (images follow --image: --image a.png b.png)`);
    if (cmd === 'embed' && values.stages) throw new Error('embed writes the embedding alone: --stages is for features');
    await features({ ...values, kernels: kernelFamily(values.kernels) }, values.image ? [values.image, ...positionals] : [], cmd === 'embed');
  } else if (cmd === 'demo') await demo();
  else { console.log(USAGE); if (cmd && cmd !== 'help' && cmd !== '--help') process.exitCode = 2; }
}

main(process.argv.slice(2)).then(() => process.exit(process.exitCode ?? 0), (e) => {
  const err = e as Error & { code?: string };
  console.error(`webvit: ${err.message}${err.code?.startsWith('ERR_PARSE_ARGS') ? `\n${USAGE}` : ''}`);
  process.exit(1);
});
