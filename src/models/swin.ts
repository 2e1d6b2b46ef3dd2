// Swin Transformer (Swin-T): the model description. One Schedule call per upstream layer, with the
// checkpoint's tensors as they are, in either layout people have:
//   official (microsoft/Swin-Transformer): layers.i.downsample at the END of stage i (i = 0…2),
//     head, and the relative_position_index and attn_mask buffers;
//   timm ≥ 0.9: the same downsample at the START of stage i + 1 (layers.{i+1}.downsample), head.fc,
//     no buffers.
// Module names (for the profiler and the eager trace) are the official layout's. The buffers, where
// present, are checked against what webvit computes (the index and masks are rebuilt, not read).
import { GraphBuilder } from '../graph/builder.ts';
import type { WeightPool } from '../graph/weights.ts';
import type { Tuning } from '../tuning.ts';
import type { Tensor } from '../graph/ir.ts';
import type { LayerNorm, Schedule } from '../schedule/layers.ts';
import { SCHEDULES } from '../schedule/index.ts';
import type { StateDict } from '../weights/tensor.ts';
import { relativePositionIndex, shiftedWindowMask } from './swin-tables.ts';
import { CheckpointReader } from './checkpoint.ts';
import type { InputSpec } from './input.ts';
import { outputPlan, type StageInfo } from './backbone.ts';

export interface SwinConfig { name: string; embedDim: number; depths: number[]; heads: number[]; window: number }

export const SWIN_CONFIGS: Record<string, SwinConfig> = {
  swin_tiny_patch4_window7_224: { name: 'swin_tiny_patch4_window7_224', embedDim: 96, depths: [2, 2, 6, 2], heads: [3, 6, 12, 24], window: 7 },
};

/** timm ≥ 0.9's layout: downsample at the start of the next stage, head.fc. */
const isTimmLayout = (sd: StateDict) => sd.has('head.fc.weight') || (sd.has('layers.1.downsample.reduction.weight') && !sd.has('layers.0.downsample.reduction.weight'));

/** The input side the official checkpoint's attention masks were made for (224: 64 windows in stage 1), if it has them. */
export function swinResolution(cfg: SwinConfig, sd: StateDict): number | undefined {
  const nW = sd.get('layers.0.blocks.1.attn_mask')?.shape[0];
  if (nW === undefined) return undefined;
  const side = Math.round(Math.sqrt(nW));
  return side * side === nW ? side * cfg.window * 4 : undefined;
}

/**
 * The four stages' outputs, each after its blocks and before the patch merging that starts the next
 * (timm's `layers.N` and its feature pyramid): strides 4, 8, 16 and 32.
 */
export const swinStages = (cfg: SwinConfig): StageInfo[] =>
  cfg.depths.map((_, i) => ({ name: `layers.${i}`, stride: 4 * 2 ** i, channels: cfg.embedDim * 2 ** i }));

export function buildSwin(sd: StateDict, cfg: SwinConfig, input: InputSpec, schedule = SCHEDULES.fused, weights?: WeightPool, tuning?: Tuning): GraphBuilder {
  const { batch: B, height: H, width: W } = input;
  const stages = cfg.depths.length;
  const side = (i: number) => [H / 4 / 2 ** i, W / 4 / 2 ** i];
  const fits = (n: number) => Number.isInteger(n) && n >= 1 && (n <= cfg.window || n % cfg.window === 0);
  if (!(B >= 1) || !cfg.depths.every((_, i) => side(i).every(fits)) || H !== W) {
    throw new Error(`${cfg.name} needs batch ≥ 1 and a square input whose stage maps (side / 4, / 8, / 16, / 32) split into ` +
      `${cfg.window}×${cfg.window} windows or fit in one (224, 448, …); got batch ${B}, ${H}×${W}`);
  }
  const ck = new CheckpointReader(sd, cfg.name);
  const timm = isTimmLayout(sd);
  // The official key of a tensor → where this checkpoint keeps it.
  const key = (k: string) => {
    if (!timm) return k;
    const m = /^layers\.(\d+)\.downsample\.(.*)$/.exec(k);
    if (m) return `layers.${Number(m[1]) + 1}.downsample.${m[2]}`;
    return k.startsWith('head.') ? `head.fc.${k.slice(5)}` : k;
  };
  const get = (k: string, shape: number[]) => ck.get(key(k), shape);
  const ln = (p: string, C: number): LayerNorm => ({ module: p, gamma: get(`${p}.weight`, [C]), beta: get(`${p}.bias`, [C]), eps: 1e-5 });
  const linear = (p: string, cin: number, cout: number, bias = true) =>
    ({ weight: get(`${p}.weight`, [cout, cin]), bias: bias ? get(`${p}.bias`, [cout]) : null, cin, cout, k: 1, stride: 1, pad: 0, groups: 1 });

  const out = outputPlan(cfg.name, swinStages(cfg), input.outputs);
  const g = new GraphBuilder(weights, tuning);
  const s = schedule(g);
  let x: Tensor = g.input('input', [B, 3, H, W]);
  let C = cfg.embedDim;
  const proj = { weight: get('patch_embed.proj.weight', [C, 3, 4, 4]), bias: get('patch_embed.proj.bias', [C]), cin: 3, cout: C, k: 4, stride: 4, pad: 0, groups: 1 };
  const image = x;
  x = s.layer('patch_embed', () => s.patchEmbed(image, { module: 'patch_embed', conv: proj, ln: ln('patch_embed.norm', C), relayout: false }));
  for (let i = 0; i <= out.last; i++) {
    const [res] = side(i), ws = Math.min(cfg.window, res), heads = cfg.heads[i];
    for (let j = 0; j < cfg.depths[i]; j++) {
      const b = `layers.${i}.blocks.${j}`, a = `${b}.attn`;
      const shift = j % 2 === 1 && res > cfg.window ? Math.floor(cfg.window / 2) : 0;
      checkBuffers(ck, key, b, ws, res, shift);
      const r = x;
      x = s.layer(a, () => s.shiftedWindowAttention(r, {
        module: b, norm1: ln(`${b}.norm1`, C), heads, window: ws, shift,
        qkv: { module: `${a}.qkv`, weight: get(`${a}.qkv.weight`, [3 * C, C]), bias: get(`${a}.qkv.bias`, [3 * C]) },
        proj: { module: `${a}.proj`, weight: get(`${a}.proj.weight`, [C, C]), bias: get(`${a}.proj.bias`, [C]) },
        table: get(`${a}.relative_position_bias_table`, [(2 * cfg.window - 1) ** 2, heads]),
      }));
      const y = x;
      x = s.layer(`${b}.mlp`, () => s.ffn(y, {
        pre: [{ kind: 'ln', ln: ln(`${b}.norm2`, C) }],
        fc1: { module: `${b}.mlp.fc1`, conv: linear(`${b}.mlp.fc1`, C, 4 * C), eager: 'addmm' },
        fc2: { module: `${b}.mlp.fc2`, conv: linear(`${b}.mlp.fc2`, 4 * C, C), eager: 'addmm' },
        act: { kind: 'gelu', module: `${b}.mlp.act` }, residual: b,
      }));
    }
    if (out.wants(`layers.${i}`)) g.addOutput(`layers.${i}`, x, 4 * 2 ** i);
    if (i === out.last && !out.logits) break;
    if (i < stages - 1) x = patchMerging(s, x, `layers.${i}.downsample`, C, ln, linear);
    if (i < stages - 1) C *= 2;
  }
  const last = x;
  if (out.logits) {
    const classes = ck.shapeOf(key('head.weight'))?.[0] ?? 1000;
    g.output = s.layer('head', () => s.classifier(last, {
      preLN: ln('norm', C), poolModule: 'avgpool',
      head: { linear: { module: 'head', weight: get('head.weight', [classes, C]), bias: get('head.bias', [classes]) } },
    }));
  } else {
    if (out.embedding) g.addOutput('embedding', s.layer('embedding', () => s.embedding(last, { preLN: ln('norm', C), poolModule: 'avgpool' })));
    // The patch merging after the last stage computed (official layout: layers.N.downsample; timm's: layers.N+1.downsample) and the stages after it.
    const later = Array.from({ length: stages - 1 - out.last }, (_, k) => `layers.${out.last + 1 + k}.`);
    ck.allowUnused(['head.', ...(out.embedding ? [] : ['norm.']), `layers.${out.last}.downsample.`, ...later]);
  }
  ck.finish();
  return g;
}

type Ln = (p: string, C: number) => LayerNorm;
type Lin = (p: string, cin: number, cout: number, bias?: boolean) => { weight: Float32Array; bias: Float32Array | null; cin: number; cout: number; k: number; stride: number; pad: number; groups: number };

/** cat of the 2×2 sub-grids → LayerNorm(4C) → Linear(4C, 2C, no bias). */
function patchMerging(s: Schedule, x: Tensor, p: string, C: number, ln: Ln, linear: Lin): Tensor {
  return s.layer(p, () => {
    const cat = s.patchMerge(x, p);
    return s.conv(cat, { module: `${p}.reduction`, conv: linear(`${p}.reduction`, 4 * C, 2 * C, false), pre: [{ kind: 'ln', ln: ln(`${p}.norm`, 4 * C) }], eager: 'mm' });
  });
}

/** The official release's buffers, where present, must be what webvit computes (it rebuilds them). */
function checkBuffers(ck: CheckpointReader, key: (k: string) => string, b: string, ws: number, res: number, shift: number): void {
  const N = ws * ws;
  const idx = ck.indices(key(`${b}.attn.relative_position_index`));
  if (idx) {
    const want = relativePositionIndex(ws);
    if (idx.data.length !== want.length || idx.data.some((v, i) => v !== want[i])) ck.problem(`${b}.attn.relative_position_index is not Swin's index for ${ws}×${ws} windows`);
  }
  const maskKey = key(`${b}.attn_mask`);
  const shape = ck.shapeOf(maskKey);
  if (shape) {
    const nW = (res / ws) ** 2;
    const mask = ck.get(maskKey, shape);
    const want = shift ? shiftedWindowMask(res, res, ws, shift) : null;
    if (!want || shape.join() !== [nW, N, N].join() || mask.some((v, i) => v !== want[i])) {
      ck.problem(`${b}.attn_mask [${shape}] is not the ${shift ? `[${nW}, ${N}, ${N}] mask of a ${res}×${res} map` : 'absent mask of an unshifted block'}: ` +
        'the checkpoint was made for another input size; run it at that size');
    }
  }
}
