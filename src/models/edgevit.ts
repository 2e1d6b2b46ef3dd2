// EdgeViT XXS/XS/S: upstream checkpoint (bare state dict) → graph of fused kernels. BatchNorms are
// folded into the 1×1 convs that follow them, LayerNorm affines into the linears that follow them,
// and the final BatchNorm into the head (mean pooling commutes with a per-channel affine).
import { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { dwconv } from '../ops/dwconv.ts';
import { pointwise } from '../ops/pointwise.ts';
import { ffn } from '../ops/ffn.ts';
import { patchEmbed } from '../ops/patch-embed.ts';
import { lnQkv } from '../ops/ln-qkv.ts';
import { attention } from '../ops/attention.ts';
import { localPropProj } from '../ops/local-prop-proj.ts';
import { poolLinear } from '../ops/pool-linear.ts';
import { batchNormScaleShift, foldBatchNormIntoLinearInput, foldInputAffine } from '../weights/fold.ts';
import type { StateDict } from '../weights/tensor.ts';
import { CheckpointReader } from './checkpoint.ts';
import { EDGEVIT_CONFIGS, type EdgeViTConfig } from './edgevit-config.ts';
import type { InputSpec } from './efficientvit.ts';

export function edgevitConfig(name: string): EdgeViTConfig {
  const cfg = EDGEVIT_CONFIGS[name];
  if (!cfg) throw new Error(`unknown EdgeViT model "${name}"; known: ${Object.keys(EDGEVIT_CONFIGS).join(', ')}`);
  return cfg;
}

export function buildEdgeViT(sd: StateDict, cfg: EdgeViTConfig, input: InputSpec): GraphBuilder {
  const { batch: B, height: H, width: W } = input;
  if (!(B >= 1) || H % 32 || W % 32 || H < 32 || W < 32) {
    throw new Error(`${cfg.name} needs batch ≥ 1 and height and width that are multiples of 32 (each stage's map must divide by its ` +
      `sparse-attention stride); got batch ${B}, ${H}×${W}`);
  }
  const ck = new CheckpointReader(sd, cfg.name);
  const g = new GraphBuilder();
  let x = g.input('input', [B, 3, H, W]);
  let cin = 3;
  for (let s = 0; s < 4; s++) {
    const C = cfg.embedDim[s], k = s === 0 ? 4 : 2, sr = cfg.srRatios[s];
    const p = `patch_embed${s + 1}`;
    x = patchEmbed(g, p, x, ck.get(`${p}.proj.weight`, [C, cin, k, k]), ck.get(`${p}.proj.bias`, [C]),
      ck.get(`${p}.norm.weight`, [C]), ck.get(`${p}.norm.bias`, [C]), k, 1e-5);
    for (let j = 0; j < cfg.depth[s]; j++) {
      const b = `blocks${s + 1}.${j}`;
      if (sr > 1) x = localAgg(g, ck, `${b}.LocalAgg`, x, C, cfg.mlpRatio);
      x = selfAttn(g, ck, `${b}.SelfAttn`, x, C, C / cfg.headDim, sr, cfg.mlpRatio);
    }
    cin = C;
  }
  const C = cfg.embedDim[3];
  const classes = ck.shapeOf('head.weight')?.[0] ?? 1000;
  const head = foldBatchNormIntoLinearInput(ck.get('head.weight', [classes, C]), classes, ck.get('head.bias', [classes]), ck.bn('norm', C), 1e-5);
  g.output = poolLinear(g, 'head', x, head.weight, head.bias, classes);
  ck.finish();
  return g;
}

/** A 1×1 conv/linear [out, in] preceded by BatchNorm2d over its input (eps 1e-5), folded into one. */
function bnThenLinear(ck: CheckpointReader, bn: string, w: string, out: number, inC: number, as4d: boolean) {
  const { scale, shift } = batchNormScaleShift(ck.bn(bn, inC), 1e-5);
  const weight = ck.get(`${w}.weight`, as4d ? [out, inC, 1, 1] : [out, inC]);
  return foldInputAffine(weight, out, ck.get(`${w}.bias`, [out]), scale, shift);
}

function localAgg(g: GraphBuilder, ck: CheckpointReader, p: string, x: Tensor, C: number, mlpRatio: number): Tensor {
  x = dwconv(g, `${p}.pos_embed`, x, ck.get(`${p}.pos_embed.weight`, [C, 1, 3, 3]), ck.get(`${p}.pos_embed.bias`, [C]), { k: 3, residual: true });
  const c1 = bnThenLinear(ck, `${p}.norm1`, `${p}.conv1`, C, C, true);
  let y = pointwise(g, `${p}.conv1`, x, c1.weight, c1.bias, C);
  y = dwconv(g, `${p}.attn`, y, ck.get(`${p}.attn.weight`, [C, 1, 5, 5]), ck.get(`${p}.attn.bias`, [C]), { k: 5 });
  x = pointwise(g, `${p}.conv2`, y, ck.get(`${p}.conv2.weight`, [C, C, 1, 1]), ck.get(`${p}.conv2.bias`, [C]), C, { residual: x });
  const hid = Math.round(C * mlpRatio);
  const fc1 = bnThenLinear(ck, `${p}.norm2`, `${p}.mlp.fc1`, hid, C, true);
  return ffn(g, `${p}.mlp`, x, fc1.weight, fc1.bias, ck.get(`${p}.mlp.fc2.weight`, [C, hid, 1, 1]), ck.get(`${p}.mlp.fc2.bias`, [C]), { act: 'gelu' });
}

function selfAttn(g: GraphBuilder, ck: CheckpointReader, p: string, x: Tensor, C: number, heads: number, sr: number, mlpRatio: number): Tensor {
  x = dwconv(g, `${p}.pos_embed`, x, ck.get(`${p}.pos_embed.weight`, [C, 1, 3, 3]), ck.get(`${p}.pos_embed.bias`, [C]), { k: 3, residual: true });
  const a = `${p}.attn`;
  const qkv = lnQkv(g, `${a}.qkv`, x, sr, { gamma: ck.get(`${p}.norm1.weight`, [C]), beta: ck.get(`${p}.norm1.bias`, [C]), eps: 1e-6 },
    ck.get(`${a}.qkv.weight`, [3 * C, C]), ck.get(`${a}.qkv.bias`, [3 * C]));
  const o = attention(g, `${a}.attn`, qkv, heads);
  const lp = sr > 1 ? { weight: ck.get(`${a}.LocalProp.weight`, [C, 1, sr, sr]), bias: ck.get(`${a}.LocalProp.bias`, [C]) } : null;
  const ln = sr > 1 ? { gamma: ck.get(`${a}.norm.weight`, [C]), beta: ck.get(`${a}.norm.bias`, [C]), eps: 1e-5 } : null;
  x = localPropProj(g, `${a}.proj`, o, sr, lp, ln, { weight: ck.get(`${a}.proj.weight`, [C, C]), bias: ck.get(`${a}.proj.bias`, [C]) }, x);
  const hid = Math.round(C * mlpRatio);
  return ffn(g, `${p}.mlp`, x, ck.get(`${p}.mlp.fc1.weight`, [hid, C]), ck.get(`${p}.mlp.fc1.bias`, [hid]),
    ck.get(`${p}.mlp.fc2.weight`, [C, hid]), ck.get(`${p}.mlp.fc2.bias`, [C]),
    { act: 'gelu', ln: { gamma: ck.get(`${p}.norm2.weight`, [C]), beta: ck.get(`${p}.norm2.bias`, [C]), eps: 1e-6 } });
}
