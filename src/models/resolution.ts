// The input resolution a checkpoint was made for, where its tensors say: EfficientViT's attention-bias
// tables have one offset per (|Δrow|, |Δcol|) of the last stage's window, whose side follows from the
// input size (224 → 4×4, 384 → 6×6, 512 → 7×7). EdgeViT's weights work at any multiple of 32: 224.
// A file `webvit convert` wrote says it in its metadata.
import type { StateDict } from '../weights/tensor.ts';
import { checkpointMetadata } from '../weights/load.ts';
import type { ModelInfo } from './registry.ts';
import { EFFICIENTVIT_CONFIGS, stageResolutions } from './efficientvit-config.ts';
import { DEIT_CONFIGS, deitResolution } from './deit.ts';
import { SWIN_CONFIGS, swinResolution } from './swin.ts';

/** Resolutions upstream trains and fine-tunes at, in order of preference when several fit. */
const CANDIDATES = [224, 192, 256, 288, 320, 384, 512];

export function defaultResolution(info: ModelInfo, sd: StateDict): number {
  const recorded = Number(checkpointMetadata(sd)['webvit.resolution']);
  if (Number.isInteger(recorded) && recorded >= 32) return recorded;
  if (info.family === 'deit') return deitResolution(DEIT_CONFIGS[info.name], sd) ?? info.defaultResolution;
  if (info.family === 'swin') return swinResolution(SWIN_CONFIGS[info.name], sd) ?? info.defaultResolution;
  if (info.family !== 'efficientvit') return info.defaultResolution;
  const cfg = EFFICIENTVIT_CONFIGS[info.name];
  const last = `blocks3.${3 + cfg.depth[2] - 1}.mixer.m.attn.attention_biases`;
  const offsets = sd.get(last)?.shape[1];
  if (offsets === undefined) return info.defaultResolution;
  const fit = CANDIDATES.find((res) => Math.min(cfg.windowSize, stageResolutions(res, res)[2][0]) ** 2 === offsets);
  return fit ?? info.defaultResolution;
}
