// webvit command line: `webvit infer …` runs a model on a checkpoint in Node (Dawn); `webvit demo`
// makes a random-weight checkpoint with the repo's PyTorch script and checks our logits against it.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeRuntime } from '../node.ts';
import { Model } from '../model.ts';
import { MODELS } from '../models/registry.ts';
import { parseFlags } from './args.ts';
import { decodeImage, preprocess } from './image.ts';

const USAGE = `usage:
  webvit infer --model NAME --weights FILE [--input RAW.f32 | --image FILE.{png,jpg}] [--res 224 | --res HxW] [--batch 1] [--output LOGITS.f32]
  webvit demo    (random-weight ${'efficientvit_m0'} made by PyTorch, checked against PyTorch's logits)
models: ${Object.keys(MODELS).join(', ')}
--input is raw little-endian float32 NCHW [batch, 3, res, res]; without --input or --image a fixed random input is used.`;

function readFile(file: string, what: string): Uint8Array {
  try { return readFileSync(file); } catch (e) { throw new Error(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
}

/** --res N or --res HxW (non-square, where the model allows it). */
function parseRes(v: unknown): [number, number] {
  if (v === undefined) return [224, 224];
  const m = /^(\d+)(?:x(\d+))?$/.exec(String(v));
  if (!m) throw new Error(`--res must be N or HxW (e.g. 224 or 224x288), got "${v}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

function loadInput(flags: Record<string, unknown>, batch: number, h: number, w: number): Float32Array {
  const n = batch * 3 * h * w;
  if (flags.input && flags.image) throw new Error('give either --input or --image, not both');
  if (typeof flags.input === 'string') {
    const b = readFile(flags.input, 'input');
    if (b.byteLength !== n * 4) throw new Error(`${flags.input} has ${b.byteLength} bytes; [${batch}, 3, ${h}, ${w}] float32 needs ${n * 4} (check --batch and --res)`);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  if (typeof flags.image === 'string') {
    if (h !== w) throw new Error('--image needs a square --res (images are centre-cropped to res×res)');
    const one = preprocess(decodeImage(flags.image), h);
    const out = new Float32Array(n);
    for (let i = 0; i < batch; i++) out.set(one, i * one.length);
    return out;
  }
  let s = 12345;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

function top5(logits: Float32Array, classes: number, b: number): string {
  const row = Array.from(logits.subarray(b * classes, (b + 1) * classes), (v, i) => [i, v] as const);
  return row.sort((x, y) => y[1] - x[1]).slice(0, 5).map(([i, v]) => `${i} (${v.toFixed(4)})`).join(', ');
}

async function infer(model: string, weights: string, input: Float32Array | null, flags: Record<string, unknown>): Promise<Float32Array> {
  const [h, w] = parseRes(flags.res), batch = (flags.batch as number) ?? 1;
  const x = input ?? loadInput(flags, batch, h, w);
  const rt = await nodeRuntime();
  const m = Model.fromBytes(rt, model, readFile(weights, 'checkpoint'));
  let t = performance.now();
  const plan = await m.plan(batch, h, w);
  const buildMs = performance.now() - t;
  t = performance.now();
  const { logits, classes } = await m.run(x, batch, h, w);
  const runMs = performance.now() - t;
  for (let b = 0; b < batch; b++) console.log(`image ${b}: top-5 ${top5(logits, classes, b)}`);
  const s = plan.stats;
  console.log(`${model} ${batch}×3×${h}×${w} on ${rt.gpu.adapterInfo.vendor || 'unknown'} ${rt.gpu.adapterInfo.architecture}: inference ${runMs.toFixed(1)} ms ` +
    `(build ${buildMs.toFixed(0)} ms, ${s.pipelines} pipelines)`);
  console.log(`per inference: ${s.dispatches} dispatches, ${s.buffers} GPU buffers (${(s.activationBytes / 2 ** 20).toFixed(2)} MiB activations, ${(s.weightBytes / 2 ** 20).toFixed(2)} MiB weights), 1 submit`);
  if (typeof flags.output === 'string') { writeFileSync(flags.output, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength)); console.log(`logits → ${flags.output}`); }
  m.destroy();
  return logits;
}

async function demo(): Promise<void> {
  const dir = fileURLToPath(new URL('../../weights/demo/', import.meta.url));
  const base = `${dir}efficientvit_m0_r224_b1_s0`;
  if (!existsSync(`${base}.logits.f32`)) {
    mkdirSync(dir, { recursive: true });
    console.log('demo: making a random-weight efficientvit_m0 checkpoint with PyTorch (scripts/golden/make_golden.py)…');
    const py = process.env.WEBVIT_PYTHON ?? '/usr/bin/python3';
    execFileSync(py, [fileURLToPath(new URL('../../scripts/golden/make_golden.py', import.meta.url)), '--out', dir, '--cases', 'efficientvit_m0:224:1'], { stdio: 'inherit' });
  }
  const f = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
  console.log(`demo: webvit infer --model efficientvit_m0 --weights ${base}.pth --input ${base}.input.f32`);
  const logits = await infer('efficientvit_m0', `${base}.pth`, f(`${base}.input.f32`), {});
  const want = f(`${base}.logits.f32`);
  let d = 0, mx = 0;
  want.forEach((v, i) => { d = Math.max(d, Math.abs(v - logits[i])); mx = Math.max(mx, Math.abs(v)); });
  console.log(`PyTorch's logits for the same checkpoint and input: max|Δ| = ${d.toExponential(2)} (tolerance ${(1e-4 * Math.max(1, mx)).toExponential(2)}) ${d <= 1e-4 * Math.max(1, mx) ? 'OK' : 'MISMATCH'}`);
  console.log('real weights: webvit infer --model efficientvit_m0 --weights efficientvit_m0.pth --image photo.jpg');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'infer') {
    const flags = parseFlags(rest, { model: 'string', weights: 'string', input: 'string', image: 'string', res: 'string', batch: 'number', output: 'string' });
    if (typeof flags.model !== 'string' || typeof flags.weights !== 'string') throw new Error('infer needs --model and --weights');
    await infer(flags.model, flags.weights, null, flags);
  } else if (cmd === 'demo') await demo();
  else { console.log(USAGE); if (cmd && cmd !== 'help' && cmd !== '--help') process.exitCode = 2; }
}

main(process.argv.slice(2)).then(() => process.exit(process.exitCode ?? 0), (e) => {
  console.error(`webvit: ${(e as Error).message}`);
  process.exit(1);
});
