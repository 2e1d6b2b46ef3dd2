// EfficientViT M0–M5 (Liu et al., CVPR 2023): upstream checkpoint → graph of fused kernels.
// Every Conv2d_BN and the BN_Linear head are folded at load. Fusion decisions live here.
import { GraphBuilder } from '../graph/builder.ts';
import type { Tensor } from '../graph/ir.ts';
import { conv2d } from '../ops/conv2d.ts';
import { dwconv } from '../ops/dwconv.ts';
import { pointwise } from '../ops/pointwise.ts';
import { squeezeExciteGate } from '../ops/squeeze-excite.ts';
import { poolLinear } from '../ops/pool-linear.ts';
import { cascadedAttention, type CascadedAttentionWeights } from '../ops/cascaded-attention.ts';
import { foldBatchNormIntoLinearInput } from '../weights/fold.ts';
import type { StateDict } from '../weights/tensor.ts';
import { CheckpointReader } from './checkpoint.ts';
import { EFFICIENTVIT_CONFIGS, type EfficientViTConfig } from './efficientvit-config.ts';

export interface InputSpec { batch: number; height: number; width: number }

/** Unwraps upstream's `{'model': sd}` if the loader did not, and finds the config by name. */
export function efficientvitConfig(name: string): EfficientViTConfig {
  const cfg = EFFICIENTVIT_CONFIGS[name];
  if (!cfg) throw new Error(`unknown EfficientViT model "${name}"; known: ${Object.keys(EFFICIENTVIT_CONFIGS).join(', ')}`);
  return cfg;
}

export function buildEfficientViT(sd: StateDict, cfg: EfficientViTConfig, input: InputSpec): GraphBuilder {
  const ck = new CheckpointReader(sd, cfg.name);
  const g = new GraphBuilder();
  const { batch: B, height: H, width: W } = input;
  if (!(B >= 1 && H >= 16 && W >= 16)) throw new Error(`${cfg.name} needs batch ≥ 1 and an input of at least 16×16 pixels (got batch ${B}, ${H}×${W})`);
  let x = g.input('input', [B, 3, H, W]);

  // Stem: four Conv2d_BN 3×3 stride 2 (3 → C/8 → C/4 → C/2 → C), ReLU after the first three.
  const c1 = cfg.embedDim[0];
  const widths = [3, c1 / 8, c1 / 4, c1 / 2, c1];
  for (let i = 0; i < 4; i++) {
    const f = ck.convBN(`patch_embed.${2 * i}`, widths[i + 1], widths[i], 3);
    x = conv2d(g, `patch_embed.${2 * i}`, x, f.weight, f.bias, { cout: widths[i + 1], k: 3, stride: 2, pad: 1, relu: i < 3 });
  }

  for (let s = 0; s < 3; s++) {
    const C = cfg.embedDim[s];
    const stage = `blocks${s + 1}`;
    let first = 0;
    if (s > 0) {
      const Cp = cfg.embedDim[s - 1];
      x = dwFfn(g, ck, `${stage}.0.0.m`, `${stage}.0.1.m`, x, Cp);
      x = patchMerging(g, ck, `${stage}.1`, x, Cp, C);
      x = dwFfn(g, ck, `${stage}.2.0.m`, `${stage}.2.1.m`, x, C);
      first = 3;
    }
    for (let j = first; j < first + cfg.depth[s]; j++) {
      const p = `${stage}.${j}`;
      x = dwFfn(g, ck, `${p}.dw0.m`, `${p}.ffn0.m`, x, C);
      x = attention(g, ck, `${p}.mixer.m.attn`, x, C, cfg.numHeads[s], cfg, s);
      x = dwFfn(g, ck, `${p}.dw1.m`, `${p}.ffn1.m`, x, C);
    }
  }

  g.output = head(g, ck, x, cfg.embedDim[2]);
  ck.finish();
  return g;
}

/** Residual(dw 3×3 Conv2d_BN) then Residual(FFN): the sandwich's token-mixing-free pair. */
function dwFfn(g: GraphBuilder, ck: CheckpointReader, dwKey: string, ffnKey: string, x: Tensor, C: number): Tensor {
  const dw = ck.convBN(dwKey, C, 1, 3);
  const y = dwconv(g, dwKey, x, dw.weight, dw.bias, { k: 3, residual: true });
  const pw1 = ck.convBN(`${ffnKey}.pw1`, 2 * C, C, 1);
  const pw2 = ck.convBN(`${ffnKey}.pw2`, C, 2 * C, 1);
  const h = pointwise(g, `${ffnKey}.pw1`, y, pw1.weight, pw1.bias, 2 * C, { reluOut: true });
  return pointwise(g, `${ffnKey}.pw2`, h, pw2.weight, pw2.bias, C, { residual: y });
}

function patchMerging(g: GraphBuilder, ck: CheckpointReader, p: string, x: Tensor, C: number, Cout: number): Tensor {
  const hid = 4 * C;
  const c1 = ck.convBN(`${p}.conv1`, hid, C, 1);
  let y = pointwise(g, `${p}.conv1`, x, c1.weight, c1.bias, hid, { reluOut: true });
  const c2 = ck.convBN(`${p}.conv2`, hid, 1, 3);
  y = dwconv(g, `${p}.conv2`, y, c2.weight, c2.bias, { k: 3, stride: 2, pad: 1, relu: true });
  const r = ck.shapeOf(`${p}.se.fc1.weight`)?.[0] ?? hid / 4;
  const gate = squeezeExciteGate(g, `${p}.se`, y,
    ck.get(`${p}.se.fc1.weight`, [r, hid, 1, 1]), ck.get(`${p}.se.fc1.bias`, [r]),
    ck.get(`${p}.se.fc2.weight`, [hid, r, 1, 1]), ck.get(`${p}.se.fc2.bias`, [hid]), r);
  const c3 = ck.convBN(`${p}.conv3`, Cout, hid, 1);
  return pointwise(g, `${p}.conv3`, y, c3.weight, c3.bias, Cout, { scale: gate });
}

function attention(g: GraphBuilder, ck: CheckpointReader, p: string, x: Tensor, C: number, heads: number, cfg: EfficientViTConfig, stage: number): Tensor {
  const d = C / heads, kd = cfg.keyDim;
  const biasShape = ck.shapeOf(`${p}.attention_biases`);
  if (!biasShape || biasShape.length !== 2) {
    // Not this model's checkpoint: record what is missing and go on collecting, for one clear error.
    ck.get(`${p}.attention_biases`, [heads, 49]);
    return x;
  }
  const r = Math.round(Math.sqrt(biasShape[1]));
  if (r * r !== biasShape[1]) ck.problem(`${p}.attention_biases: ${biasShape[1]} offsets is not a square window`);
  const idxs = ck.indices(`${p}.attention_bias_idxs`);
  if (idxs && !idxsMatchWindow(idxs.data, r)) ck.problem(`${p}.attention_bias_idxs is not the offset table of a ${r}×${r} window`);
  const w: CascadedAttentionWeights = {
    keyDim: kd,
    qkv: Array.from({ length: heads }, (_, i) => ck.convBN(`${p}.qkvs.${i}`, 2 * kd + d, d, 1)),
    dw: Array.from({ length: heads }, (_, i) => ({ ...ck.convBN(`${p}.dws.${i}`, kd, 1, cfg.kernels[i]), k: cfg.kernels[i] })),
    biases: ck.get(`${p}.attention_biases`, [heads, r * r]),
    proj: ck.convBN(`${p}.proj.1`, C, C, 1),
  };
  const [, , h, wd] = x.shape;
  if (h <= r && wd <= r && (h !== r || wd !== r)) {
    const fits = r * 16 * 2 ** stage;
    throw new Error(`${p}: the checkpoint's attention biases are for a ${r}×${r} window, made for an input of about ${fits}×${fits} px; ` +
      `this input gives a ${h}×${wd} map here. Run at the resolution the checkpoint was made for.`);
  }
  return cascadedAttention(g, p, x, w, r);
}

/** Upstream numbers offsets by first appearance, which for an r×r window is |Δrow|·r + |Δcol|. */
function idxsMatchWindow(idxs: Int32Array, r: number): boolean {
  const N = r * r;
  if (idxs.length !== N * N) return false;
  for (let n = 0; n < N; n++) for (let m = 0; m < N; m++) {
    const dy = Math.abs(Math.floor(n / r) - Math.floor(m / r)), dx = Math.abs((n % r) - (m % r));
    if (idxs[n * N + m] !== dy * r + dx) return false;
  }
  return true;
}

/** Mean pool + BN_Linear (folded); with a distillation head, the mean of both heads (also folded). */
function head(g: GraphBuilder, ck: CheckpointReader, x: Tensor, C: number): Tensor {
  const classes = ck.shapeOf('head.l.weight')?.[0] ?? 1000;
  const fold = (p: string) => foldBatchNormIntoLinearInput(ck.get(`${p}.l.weight`, [classes, C]), classes, ck.get(`${p}.l.bias`, [classes]), ck.bn(`${p}.bn`, C), 1e-5);
  let { weight, bias } = fold('head');
  if (ck.has('head_dist.')) {
    const d = fold('head_dist');
    weight = weight.map((v, i) => (v + d.weight[i]) / 2);
    bias = bias.map((v, i) => (v + d.bias[i]) / 2);
  }
  return poolLinear(g, 'head', x, weight, bias, classes);
}
