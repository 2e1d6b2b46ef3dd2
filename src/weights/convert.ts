// `webvit convert`: an upstream checkpoint → safetensors with every BatchNorm folded into the layer
// next to it but those whose running mean the fused kernels subtract from their input (a mean far
// from zero: FusedSchedule.fold; they stay as they are, and fold the same way when the file loads) (f32, or f16 for half the bytes), upstream's key names otherwise kept, and what was done
// recorded in the metadata (webvit.model, webvit.folded, webvit.resolution, webvit.dtype, webvit.source,
// and where given webvit.classes and webvit.preprocess).
// Which BatchNorm folds into which layer is the fused schedule's decision (src/schedule/fused.ts): the
// converter builds the model's fused graph and writes the layers it folded, so a converted checkpoint
// holds exactly the weights the fused schedule would compute from the original.
// Loading it skips the pickle VM and the folding; the models read the folded layers (ck.folded).
import { writeSafetensors } from './safetensors.ts';
import type { Preprocessing } from '../preprocess.ts';
import { f32, type HostTensor, type StateDict } from './tensor.ts';
import type { ModelInfo } from '../models/registry.ts';
import { FusedSchedule, type FoldedLayer } from '../schedule/fused.ts';

const BN_KEYS = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const;

/**
 * The layers the fused schedule folds BatchNorms into when it builds `info` from `sd` at `resolution`²
 * (which also checks that `sd` fits the model), and the BatchNorms whose running mean it leaves to the
 * kernels (`shifted`).
 */
export function batchNormFolds(info: ModelInfo, sd: StateDict, resolution: number): { folded: FoldedLayer[]; shifted: ReadonlySet<string> } {
  let fused: FusedSchedule | undefined;
  info.build(sd, { batch: 1, height: resolution, width: resolution }, (g) => (fused = new FusedSchedule(g)));
  return { folded: fused!.folded, shifted: fused!.shifted };
}

/**
 * The state dict with the BatchNorms folded as the fused schedule folds them: each folded layer's
 * weight and bias replaced (a bias it lacked added at the end, in the checkpoint order of the
 * BatchNorms folded into it), the BatchNorms' keys dropped.
 */
export function foldCheckpoint(info: ModelInfo, sd: StateDict, resolution: number): StateDict {
  const out: StateDict = new Map(sd);
  const order = new Map([...sd.keys()].map((k, i) => [k, i]));
  const added: { at: number; key: string; t: HostTensor }[] = [];
  const { folded, shifted } = batchNormFolds(info, sd, resolution);
  for (const l of folded) {
    const w = sd.get(`${l.module}.weight`), b = sd.get(`${l.module}.bias`);
    if (!w || w.data.length !== l.weight.length) throw new Error(`cannot fold into ${l.module}: the checkpoint has no ${l.module}.weight of ${l.weight.length} values (the model names a module that is not a checkpoint key)`);
    out.set(`${l.module}.weight`, f32(w.shape, l.weight));
    const bias = f32(b?.shape ?? [l.bias.length], l.bias);
    if (b) out.set(`${l.module}.bias`, bias);
    else added.push({ at: Math.min(...l.bns.map((n) => order.get(`${n.module}.running_var`) ?? Infinity)), key: `${l.module}.bias`, t: bias });
    for (const n of l.bns) BN_KEYS.forEach((k) => out.delete(`${n.module}.${k}`));
  }
  for (const { key, t } of added.sort((a, b) => a.at - b.at)) out.set(key, t);
  const left = [...out.keys()].filter((k) => k.endsWith('.running_var')).map((k) => k.slice(0, -'.running_var'.length)).filter((m) => !shifted.has(m));
  if (left.length) {
    throw new Error(`cannot convert: ${info.name}'s fused schedule runs ${left.length === 1 ? 'BatchNorm' : 'BatchNorms'} ${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''} ` +
      'as its own op (a BatchNorm folds only after a conv, or before a 1×1 conv, a linear or the classifier\'s pool); load the original checkpoint instead');
  }
  for (const key of [...out.keys()]) if (key.endsWith('.num_batches_tracked') && !shifted.has(key.slice(0, -'.num_batches_tracked'.length))) out.delete(key);
  return out;
}

export interface ConvertOptions {
  dtype?: 'f32' | 'f16'; resolution: number; source?: string;
  /** class names, recorded as webvit.classes (a JSON array) */
  classes?: readonly string[];
  /** the checkpoint's evaluation transform, recorded as webvit.preprocess (JSON), when it is not ImageNet's */
  preprocess?: Preprocessing;
}

/** Safetensors bytes of the folded checkpoint, with what was done in the metadata. */
export function convertCheckpoint(info: ModelInfo, sd: StateDict, opts: ConvertOptions): Uint8Array {
  const dtype = opts.dtype ?? 'f32';
  return writeSafetensors(foldCheckpoint(info, sd, opts.resolution), {
    format: 'pt',
    'webvit.model': info.name,
    'webvit.folded': 'batchnorm',
    'webvit.resolution': String(opts.resolution),
    'webvit.dtype': dtype,
    ...(opts.source ? { 'webvit.source': opts.source } : {}),
    ...(opts.classes ? { 'webvit.classes': JSON.stringify(opts.classes) } : {}),
    ...(opts.preprocess ? { 'webvit.preprocess': JSON.stringify(opts.preprocess) } : {}),
  }, dtype);
}
