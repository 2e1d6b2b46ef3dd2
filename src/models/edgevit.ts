// EdgeViT XXS/XS/S: the model description. One Schedule call per upstream layer, with the
// checkpoint's tensors as they are (a bare state dict) and upstream's module names.
import { GraphBuilder } from '../graph/builder.ts';
import type { WeightPool } from '../graph/weights.ts';
import type { Tuning } from '../tuning.ts';
import type { Tensor } from '../graph/ir.ts';
import type { ConvWeights, LayerNorm, Pre, Schedule } from '../schedule/layers.ts';
import { SCHEDULES } from '../schedule/index.ts';
import type { StateDict } from '../weights/tensor.ts';
import { CheckpointReader } from './checkpoint.ts';
import { EDGEVIT_CONFIGS, type EdgeViTConfig } from './edgevit-config.ts';
import type { InputSpec } from './input.ts';
import { outputPlan, type StageInfo } from './backbone.ts';

export function edgevitConfig(name: string): EdgeViTConfig {
  const cfg = EDGEVIT_CONFIGS[name];
  if (!cfg) throw new Error(`unknown EdgeViT model "${name}"; known: ${Object.keys(EDGEVIT_CONFIGS).join(', ')}`);
  return cfg;
}

/** The four stages' outputs (after blocks1 … blocks4), strides 4, 8, 16 and 32: the pyramid EdgeViT's detection and segmentation heads take. */
export const edgevitStages = (cfg: EdgeViTConfig): StageInfo[] =>
  cfg.embedDim.map((channels, i) => ({ name: `blocks${i + 1}`, stride: 4 * 2 ** i, channels }));

export function buildEdgeViT(sd: StateDict, cfg: EdgeViTConfig, input: InputSpec, schedule = SCHEDULES.fused, weights?: WeightPool, tuning?: Tuning): GraphBuilder {
  const { batch: B, height: H, width: W } = input;
  if (!(B >= 1) || H % 32 || W % 32 || H < 32 || W < 32) {
    throw new Error(`${cfg.name} needs batch ≥ 1 and height and width that are multiples of 32 (each stage's map must divide by its ` +
      `sparse-attention stride); got batch ${B}, ${H}×${W}`);
  }
  const ck = new CheckpointReader(sd, cfg.name);
  const g = new GraphBuilder(weights, tuning);
  const s = schedule(g);
  const out = outputPlan(cfg.name, edgevitStages(cfg), input.outputs);
  let x = g.input('input', [B, 3, H, W]);
  let cin = 3;
  for (let st = 0; st <= out.last; st++) {
    const C = cfg.embedDim[st], k = st === 0 ? 4 : 2, sr = cfg.srRatios[st];
    const p = `patch_embed${st + 1}`;
    x = s.layer(p, () => s.patchEmbed(x, { module: p, conv: conv(ck, `${p}.proj`, cin, C, k, k, 0, 1), ln: layerNorm(ck, `${p}.norm`, C, 1e-5) }));
    for (let j = 0; j < cfg.depth[st]; j++) {
      const b = `blocks${st + 1}.${j}`;
      if (sr > 1) x = localAgg(s, ck, `${b}.LocalAgg`, x, C, cfg.mlpRatio);
      x = selfAttn(s, ck, `${b}.SelfAttn`, x, C, C / cfg.headDim, sr, cfg.mlpRatio);
    }
    cin = C;
    if (out.wants(`blocks${st + 1}`)) g.addOutput(`blocks${st + 1}`, x, 4 * 2 ** st);
  }
  const C = cfg.embedDim[3];
  if (out.logits) {
    const classes = ck.shapeOf('head.weight')?.[0] ?? 1000;
    g.output = s.layer('head', () => s.classifier(x, {
      preBN: ck.foldedBn('norm') ? undefined : { module: 'norm', params: ck.bn('norm', C), eps: 1e-5 },
      head: { linear: { module: 'head', weight: ck.get('head.weight', [classes, C]), bias: ck.get('head.bias', [classes]) } },
    }));
  } else {
    if (out.embedding) {
      // The head takes mean(norm(x)), norm a BatchNorm; a file `webvit convert` wrote has it folded into the head.
      if (ck.foldedBn('norm')) throw new Error(`${cfg.name}: this converted checkpoint has its final BatchNorm (norm) folded into the head, so the embedding cannot be computed: use the original checkpoint`);
      const last = x;
      g.addOutput('embedding', s.layer('embedding', () => s.embedding(last, { preBN: { module: 'norm', params: ck.bn('norm', C), eps: 1e-5 } })));
    }
    ck.allowUnused(['head.', ...(out.embedding ? [] : ['norm.']), ...Array.from({ length: 3 - out.last }, (_, k) => [`patch_embed${out.last + 2 + k}.`, `blocks${out.last + 2 + k}.`]).flat()]);
  }
  ck.finish();
  return g;
}

/** A Conv2d with bias (`p.weight`, `p.bias`); 1×1 weights may be stored 2-D. */
function conv(ck: CheckpointReader, p: string, cin: number, cout: number, k: number, stride: number, pad: number, groups: number): ConvWeights {
  return { weight: ck.get(`${p}.weight`, [cout, cin / groups, k, k]), bias: ck.get(`${p}.bias`, [cout]), cin, cout, k, stride, pad, groups };
}

/** A Linear (`p.weight` [out, in], `p.bias`) as a 1×1 conv on the NCHW map. */
const linear = (ck: CheckpointReader, p: string, cin: number, cout: number): ConvWeights =>
  ({ weight: ck.get(`${p}.weight`, [cout, cin]), bias: ck.get(`${p}.bias`, [cout]), cin, cout, k: 1, stride: 1, pad: 0, groups: 1 });

const layerNorm = (ck: CheckpointReader, p: string, C: number, eps: number): LayerNorm =>
  ({ module: p, gamma: ck.get(`${p}.weight`, [C]), beta: ck.get(`${p}.bias`, [C]), eps });

/** BatchNorm2d `p` before a 1×1 conv, as its pre-op (none where a checkpoint `webvit convert` wrote folded it: it is in the conv). */
const bn = (ck: CheckpointReader, p: string, C: number): Pre[] => (ck.foldedBn(p) ? [] : [{ kind: 'bn', bn: { module: p, params: ck.bn(p, C), eps: 1e-5 } }]);

/** x + dw3×3(x): the conditional position encoding at the start of LocalAgg and SelfAttn. */
function posEmbed(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number): Tensor {
  return s.layer(`${p}.pos_embed`, () => s.conv(x, { module: `${p}.pos_embed`, conv: conv(ck, `${p}.pos_embed`, C, C, 3, 1, 1, C), post: [{ kind: 'add', module: p, residual: x }] }));
}

function localAgg(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number, mlpRatio: number): Tensor {
  x = posEmbed(s, ck, p, x, C);
  // x + conv2(dw5×5(conv1(BN(x))))
  const r = x;
  x = s.layer(`${p}.attn`, () => {
    let y = s.conv(r, { module: `${p}.conv1`, conv: conv(ck, `${p}.conv1`, C, C, 1, 1, 0, 1), pre: bn(ck, `${p}.norm1`, C) });
    y = s.conv(y, { module: `${p}.attn`, conv: conv(ck, `${p}.attn`, C, C, 5, 1, 2, C) });
    return s.conv(y, { module: `${p}.conv2`, conv: conv(ck, `${p}.conv2`, C, C, 1, 1, 0, 1), post: [{ kind: 'add', module: p, residual: r }] });
  });
  // x + fc2(GELU(fc1(BN(x)))), 1×1 convs
  const hid = Math.round(C * mlpRatio);
  return s.layer(`${p}.mlp`, () => s.ffn(x, {
    pre: bn(ck, `${p}.norm2`, C),
    fc1: { module: `${p}.mlp.fc1`, conv: conv(ck, `${p}.mlp.fc1`, C, hid, 1, 1, 0, 1) },
    fc2: { module: `${p}.mlp.fc2`, conv: conv(ck, `${p}.mlp.fc2`, hid, C, 1, 1, 0, 1) },
    act: { kind: 'gelu', module: `${p}.mlp.act` }, residual: p,
  }));
}

function selfAttn(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number, heads: number, sr: number, mlpRatio: number): Tensor {
  x = posEmbed(s, ck, p, x, C);
  const a = `${p}.attn`;
  const r = x;
  x = s.layer(a, () => s.sparseAttention(r, {
    module: p, norm1: layerNorm(ck, `${p}.norm1`, C, 1e-6), sr, heads,
    qkv: { module: `${a}.qkv`, weight: ck.get(`${a}.qkv.weight`, [3 * C, C]), bias: ck.get(`${a}.qkv.bias`, [3 * C]) },
    localProp: sr > 1 ? { weight: ck.get(`${a}.LocalProp.weight`, [C, 1, sr, sr]), bias: ck.get(`${a}.LocalProp.bias`, [C]) } : null,
    norm: sr > 1 ? layerNorm(ck, `${a}.norm`, C, 1e-5) : null,
    proj: { module: `${a}.proj`, weight: ck.get(`${a}.proj.weight`, [C, C]), bias: ck.get(`${a}.proj.bias`, [C]) },
  }));
  // x + fc2(GELU(fc1(LN(x)))), linears on the tokens
  const hid = Math.round(C * mlpRatio);
  return s.layer(`${p}.mlp`, () => s.ffn(x, {
    pre: [{ kind: 'ln', ln: layerNorm(ck, `${p}.norm2`, C, 1e-6) }],
    fc1: { module: `${p}.mlp.fc1`, conv: linear(ck, `${p}.mlp.fc1`, C, hid), eager: 'addmm' },
    fc2: { module: `${p}.mlp.fc2`, conv: linear(ck, `${p}.mlp.fc2`, hid, C), eager: 'addmm' },
    act: { kind: 'gelu', module: `${p}.mlp.act` }, residual: p,
  }));
}
