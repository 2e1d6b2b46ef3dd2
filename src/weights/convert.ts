// `webvit convert`: an upstream checkpoint → safetensors with every BatchNorm folded into the layer
// next to it (f32, or f16 for half the bytes), upstream's key names otherwise kept, and what was done
// recorded in the metadata (webvit.model, webvit.folded, webvit.resolution, webvit.dtype, webvit.source,
// and where given webvit.classes and webvit.preprocess).
// Loading it skips the pickle VM and the folding; the models read the folded layers (ck.folded).
import { foldBatchNorm, foldBatchNormIntoLinearInput, type BatchNormParams } from './fold.ts';
import { writeSafetensors } from './safetensors.ts';
import type { Preprocessing } from '../preprocess.ts';
import { f32, type HostTensor, type StateDict } from './tensor.ts';
import type { ModelInfo } from '../models/registry.ts';

const BN_EPS = 1e-5;
const BN_KEYS = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const;

function bnOf(sd: StateDict, p: string): BatchNormParams {
  const get = (k: string) => {
    const t = sd.get(`${p}.${k}`);
    if (!t || t.dtype !== 'f32') throw new Error(`cannot fold: ${p}.${k} is missing or not float`);
    return t.data as Float32Array;
  };
  return { weight: get('weight'), bias: get('bias'), running_mean: get('running_mean'), running_var: get('running_var') };
}

const floats = (sd: StateDict, key: string): HostTensor & { dtype: 'f32' } => {
  const t = sd.get(key);
  if (!t || t.dtype !== 'f32') throw new Error(`cannot fold: ${key} is missing or not float`);
  return t as HostTensor & { dtype: 'f32' };
};

/** The state dict with BatchNorms folded: Conv2d_BN → conv with bias; BN before a 1×1 conv or linear → into it. */
export function foldCheckpoint(info: ModelInfo, sd: StateDict): StateDict {
  const out: StateDict = new Map(sd);
  const drop = (p: string) => BN_KEYS.forEach((k) => out.delete(`${p}.${k}`));
  // A BatchNorm over a layer's outputs (EfficientViT's Conv2d_BN: p.c then p.bn).
  const foldAfter = (conv: string, bn: string) => {
    const w = floats(sd, `${conv}.weight`), cout = w.shape[0];
    const b = sd.get(`${conv}.bias`);
    const f = foldBatchNorm(w.data, cout, b ? (b.data as Float32Array) : null, bnOf(sd, bn), BN_EPS);
    out.set(`${conv}.weight`, f32(w.shape, f.weight));
    out.set(`${conv}.bias`, f32([cout], f.bias));
    drop(bn);
  };
  // A BatchNorm over a 1×1 conv's or linear's inputs (EdgeViT's norm1/norm2, BN_Linear, the final norm before the head).
  const foldBefore = (bn: string, layer: string) => {
    const w = floats(sd, `${layer}.weight`), b = floats(sd, `${layer}.bias`);
    if (w.shape.length > 2 && w.shape.slice(2).some((s) => s !== 1)) throw new Error(`cannot fold ${bn} into ${layer}: only 1×1 layers fold exactly`);
    const f = foldBatchNormIntoLinearInput(w.data, w.shape[0], b.data, bnOf(sd, bn), BN_EPS);
    out.set(`${layer}.weight`, f32(w.shape, f.weight));
    out.set(`${layer}.bias`, f32(b.shape, f.bias));
    drop(bn);
  };
  if (info.family === 'efficientvit') {
    for (const key of sd.keys()) {
      const m = /^(.*)\.bn\.running_var$/.exec(key);
      if (m && sd.has(`${m[1]}.c.weight`)) foldAfter(`${m[1]}.c`, `${m[1]}.bn`);
    }
    for (const h of ['head', 'head_dist']) if (sd.has(`${h}.bn.weight`)) foldBefore(`${h}.bn`, `${h}.l`);
  } else if (info.family === 'edgevit') {
    for (const key of sd.keys()) {
      const m = /^(.*\.LocalAgg)\.norm1\.running_var$/.exec(key);
      if (m) { foldBefore(`${m[1]}.norm1`, `${m[1]}.conv1`); foldBefore(`${m[1]}.norm2`, `${m[1]}.mlp.fc1`); }
    }
    foldBefore('norm', 'head'); // the mean pool between them commutes with a per-channel affine
  }
  for (const key of [...out.keys()]) if (key.endsWith('.num_batches_tracked')) out.delete(key);
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
  return writeSafetensors(foldCheckpoint(info, sd), {
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
