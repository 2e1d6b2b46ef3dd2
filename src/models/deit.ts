// DeiT (a ViT with DeiT's training; timm's VisionTransformer): the model description. One Schedule
// call per upstream layer, with the checkpoint's tensors as they are (the official DeiT release and
// timm: cls_token, pos_embed, patch_embed.proj, blocks.N.{norm1, attn.qkv, attn.proj, norm2,
// mlp.fc1, mlp.fc2}, norm, head; usually wrapped in {'model': …}).
// Tokens are a [B, C, 1, 1 + N] map with the class token last: every op after the embedding works
// per token or over all tokens alike, so their order is free, and the patches stay in place.
import { GraphBuilder } from '../graph/builder.ts';
import type { WeightPool } from '../graph/weights.ts';
import type { Tuning } from '../tuning.ts';
import type { LayerNorm } from '../schedule/layers.ts';
import { SCHEDULES } from '../schedule/index.ts';
import type { StateDict } from '../weights/tensor.ts';
import { CheckpointReader } from './checkpoint.ts';
import type { InputSpec } from './input.ts';
import { outputPlan, type StageInfo } from './backbone.ts';

export interface DeiTConfig { name: string; patch: number; dim: number; depth: number; heads: number; mlpRatio: number }

export const DEIT_CONFIGS: Record<string, DeiTConfig> = {
  deit_tiny_patch16_224: { name: 'deit_tiny_patch16_224', patch: 16, dim: 192, depth: 12, heads: 3, mlpRatio: 4 },
};

/** The square input side a checkpoint's position embedding was made for (224: 1 + 14² tokens; 384: 1 + 24²). */
export function deitResolution(cfg: DeiTConfig, sd: StateDict): number | undefined {
  const tokens = sd.get('pos_embed')?.shape[1];
  if (tokens === undefined) return undefined;
  const side = Math.round(Math.sqrt(tokens - 1));
  return side * side === tokens - 1 ? side * cfg.patch : undefined;
}

/**
 * The tokens after the last block (before the final norm): the patch tokens as a map (`blocks`,
 * stride 16) and the class token (`blocks.cls`, one vector per image).
 */
export const deitStages = (cfg: DeiTConfig): StageInfo[] =>
  [{ name: 'blocks', stride: cfg.patch, channels: cfg.dim }, { name: 'blocks.cls', stride: 0, channels: cfg.dim }];

export function buildDeiT(sd: StateDict, cfg: DeiTConfig, input: InputSpec, schedule = SCHEDULES.fused, weights?: WeightPool, tuning?: Tuning): GraphBuilder {
  const { batch: B, height: H, width: W } = input;
  const P = cfg.patch, C = cfg.dim;
  const ck = new CheckpointReader(sd, cfg.name);
  const n = ck.shapeOf('pos_embed')?.[1];
  if (!(B >= 1) || H % P || W % P || H < P || W < P) {
    throw new Error(`${cfg.name} needs batch ≥ 1 and height and width that are multiples of ${P}; got batch ${B}, ${H}×${W}`);
  }
  if (n !== undefined && n !== 1 + (H / P) * (W / P)) {
    const side = Math.sqrt(n - 1) * P;
    throw new Error(`${cfg.name}: this checkpoint's position embedding has ${n} tokens, made for a ${side}×${side} input; ` +
      `${H}×${W} needs ${1 + (H / P) * (W / P)} (webvit does not interpolate it): run at ${side}×${side}`);
  }
  const T = 1 + (H / P) * (W / P);
  const out = outputPlan(cfg.name, deitStages(cfg), input.outputs);
  const g = new GraphBuilder(weights, tuning);
  const s = schedule(g);
  let x = g.input('input', [B, 3, H, W]);
  x = s.layer('patch_embed', () => s.conv(x, {
    module: 'patch_embed.proj',
    conv: { weight: ck.get('patch_embed.proj.weight', [C, 3, P, P]), bias: ck.get('patch_embed.proj.bias', [C]), cin: 3, cout: C, k: P, stride: P, pad: 0, groups: 1 },
  }));
  x = s.layer('embed', () => s.classToken(x, { module: '', cls: ck.get('cls_token', [1, 1, C]), pos: ck.get('pos_embed', [1, T, C]) }));
  const ln = (p: string): LayerNorm => ({ module: p, gamma: ck.get(`${p}.weight`, [C]), beta: ck.get(`${p}.bias`, [C]), eps: 1e-6 });
  const hid = C * cfg.mlpRatio;
  for (let i = 0; i < cfg.depth; i++) {
    const b = `blocks.${i}`, a = `${b}.attn`;
    const r = x;
    x = s.layer(a, () => s.sparseAttention(r, {
      module: b, norm1: ln(`${b}.norm1`), sr: 1, heads: cfg.heads, localProp: null, norm: null,
      qkv: { module: `${a}.qkv`, weight: ck.get(`${a}.qkv.weight`, [3 * C, C]), bias: ck.get(`${a}.qkv.bias`, [3 * C]) },
      proj: { module: `${a}.proj`, weight: ck.get(`${a}.proj.weight`, [C, C]), bias: ck.get(`${a}.proj.bias`, [C]) },
    }));
    const y = x;
    x = s.layer(`${b}.mlp`, () => s.ffn(y, {
      pre: [{ kind: 'ln', ln: ln(`${b}.norm2`) }],
      fc1: { module: `${b}.mlp.fc1`, conv: linear(ck, `${b}.mlp.fc1`, C, hid), eager: 'addmm' },
      fc2: { module: `${b}.mlp.fc2`, conv: linear(ck, `${b}.mlp.fc2`, hid, C), eager: 'addmm' },
      act: { kind: 'gelu', module: `${b}.mlp.act` }, residual: b,
    }));
  }
  const last = x;
  if (out.logits) {
    const classes = ck.shapeOf('head.weight')?.[0] ?? 1000;
    g.output = s.layer('head', () => s.tokenClassifier(last, {
      norm: ln('norm'),
      head: { module: 'head', weight: ck.get('head.weight', [classes, C]), bias: ck.get('head.bias', [classes]) },
    }));
  } else {
    if (out.wants('blocks') || out.wants('blocks.cls')) {
      const { map, cls } = s.layer('blocks', () => s.splitTokens(last, 'blocks', H / P, W / P));
      if (out.wants('blocks')) g.addOutput('blocks', map, P);
      if (out.wants('blocks.cls')) g.addOutput('blocks.cls', cls, 0);
    }
    if (out.embedding) g.addOutput('embedding', s.layer('embedding', () => s.classTokenEmbedding(last, ln('norm'))));
    ck.allowUnused(['head.', ...(out.embedding ? [] : ['norm.'])]);
  }
  ck.finish();
  return g;
}

/** A Linear (`p.weight` [out, in], `p.bias`) as a 1×1 conv on the token map. */
const linear = (ck: CheckpointReader, p: string, cin: number, cout: number) =>
  ({ weight: ck.get(`${p}.weight`, [cout, cin]), bias: ck.get(`${p}.bias`, [cout]), cin, cout, k: 1, stride: 1, pad: 0, groups: 1 });
