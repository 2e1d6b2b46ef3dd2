// `webvit features` and `webvit embed`: backbone mode from the command line. Images (or a raw float32
// input) in; the stages' feature maps and the embedding out, as one safetensors file whose tensors are
// named as upstream's modules (blocks1 …, embedding) and whose metadata says each one's stride, the
// input's shape and, for images, where each sits in the input (the scale that maps boxes back).
import { readFileSync, writeFileSync } from 'node:fs';
import { load } from '../node.ts';
import type { DenseSize, TensorInput } from '../api.ts';
import type { FeatureMap } from '../model.ts';
import type { DensePlacement } from '../preprocess.ts';
import { scheduleNamed, type ScheduleName } from '../schedule/index.ts';
import { writeSafetensors } from '../weights/safetensors.ts';
import type { StateDict } from '../weights/tensor.ts';

export interface FeatureFlags {
  model?: string; weights?: string; input?: string; size?: string; resize?: string; batch?: string; stages?: string; schedule?: string; output?: string; kernels?: string;
}

/** --size HxW → [H, W]; --resize shorter:TO[:MAXLONGER[:PAD]] → mmdet's keep-ratio resize. */
export function denseSizeFlag(size: string | undefined, resize: string | undefined): DenseSize | undefined {
  if (size !== undefined && resize !== undefined) throw new Error('give --size or --resize, not both');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) throw new Error(`--size must be HxW in pixels (e.g. 480x640), got "${size}"`);
    return [Number(m[1]), Number(m[2])];
  }
  if (resize === undefined) return undefined;
  const m = /^shorter:(\d+)(?::(\d+))?(?::(\d+))?$/.exec(resize);
  if (!m) throw new Error(`--resize must be shorter:TO[:MAXLONGER[:PAD]] (mmdet's keep-ratio resize, e.g. shorter:800:1333:32), got "${resize}"`);
  return { resize: 'shorter', to: Number(m[1]), ...(m[2] ? { maxLonger: Number(m[2]) } : {}), ...(m[3] ? { pad: Number(m[3]) } : {}) };
}

function readInput(file: string, size: DenseSize | undefined, batchFlag: string | undefined): TensorInput {
  if (!Array.isArray(size)) throw new Error('--input needs --size HxW (its height and width)');
  const [h, w] = size as [number, number];
  const batch = batchFlag === undefined ? 1 : Number(batchFlag);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got "${batchFlag}"`);
  let b: Uint8Array;
  try { b = readFileSync(file); } catch (e) { throw new Error(`cannot read input ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const n = batch * 3 * h * w;
  if (b.byteLength !== n * 4) throw new Error(`${file} has ${b.byteLength} bytes; [${batch}, 3, ${h}, ${w}] float32 needs ${n * 4} (check --batch and --size)`);
  return { data: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), shape: [batch, 3, h, w] };
}

/** The outputs as one safetensors file: stage maps [B, C, H, W], the embedding [B, C]; strides, input and placements in the metadata. */
export function featuresFile(model: string, outputs: FeatureMap[], input: readonly number[], placements: DensePlacement[] | null): Uint8Array {
  const sd: StateDict = new Map(outputs.map((o) => [o.name, { dtype: 'f32' as const, shape: o.shape, data: o.data }]));
  return writeSafetensors(sd, {
    'webvit.model': model,
    'webvit.strides': JSON.stringify(Object.fromEntries(outputs.filter((o) => o.name !== 'embedding').map((o) => [o.name, o.stride]))),
    'webvit.input': JSON.stringify(input),
    ...(placements ? { 'webvit.placements': JSON.stringify(placements) } : {}),
  });
}

/** `features` (every stage asked for and the embedding) or `embed` (the embedding alone), written to --output. */
export async function features(flags: FeatureFlags, images: string[], embedOnly: boolean): Promise<void> {
  if (!flags.model || !flags.weights) throw new Error(`${embedOnly ? 'embed' : 'features'} needs --model NAME and --weights FILE`);
  if (!flags.output) throw new Error(`${embedOnly ? 'embed' : 'features'} needs --output FILE.safetensors`);
  if (!!flags.input === images.length > 0) throw new Error('give --image A.png [B.jpg …] or --input RAW.f32 --size HxW');
  const schedule = (flags.schedule ?? 'fused') as ScheduleName;
  scheduleNamed(schedule);
  const size = denseSizeFlag(flags.size, flags.resize);
  const m = await load(flags.model, flags.weights, { kernels: flags.kernels as 'gpu' | 'cpu' | undefined });
  try {
    const stages = embedOnly ? [] : flags.stages ? flags.stages.split(',') : m.details().stages.map((s) => s.name);
    let placements: DensePlacement[] | null = null;
    let tensor: TensorInput | undefined;
    if (flags.input) tensor = readInput(flags.input, size, flags.batch);
    else if (size !== undefined) {
      const dense = await m.denseInput(images, size);
      placements = dense.placements;
      tensor = { data: dense.data, shape: dense.shape };
    }
    const t0 = performance.now();
    const outputs = tensor ? await m.features(tensor, { stages, embedding: true, schedule }) : await m.features(images, { stages, embedding: true, schedule });
    const ms = performance.now() - t0;
    const input = tensor ? [...tensor.shape] : [images.length, 3, m.resolution, m.resolution];
    writeFileSync(flags.output, featuresFile(m.name, outputs, input, placements));
    for (const o of outputs) console.log(`${o.name.padEnd(12)} [${o.shape.join(', ')}]${o.stride ? `  stride ${o.stride}` : ''}`);
    const e = outputs[outputs.length - 1];
    if (e.shape[0] > 1) {
      // Cosine similarity of the embeddings, what an image search ranks by.
      const [B, C] = e.shape, rows = Array.from({ length: B }, (_, i) => e.data.subarray(i * C, (i + 1) * C));
      const norm = rows.map((r) => Math.hypot(...r));
      console.log('cosine similarity of the embeddings:');
      for (let i = 0; i < B; i++) console.log(`  ${rows.map((r, j) => (rows[i].reduce((a, v, k) => a + v * r[k], 0) / (norm[i] * norm[j])).toFixed(3)).join(' ')}`);
    }
    console.log(`${m.name} [${input.join(', ')}] (${schedule}): ${ms.toFixed(1)} ms; → ${flags.output}`);
  } finally {
    m.dispose();
  }
}
