// Seeded random checkpoints with upstream's keys and shapes, for profiling without a checkpoint
// (timing does not depend on the values) and for tests of graph structure. Values are scaled like an
// initialised network (weights ~ 1/√fan_in, BatchNorm statistics near identity, residual branches
// damped) so activations stay finite through every block.
import { f32, type HostTensor, type StateDict } from '../weights/tensor.ts';
import { EFFICIENTVIT_CONFIGS, seReducedChannels, stageResolutions, windowIdxs } from './efficientvit-config.ts';
import { EDGEVIT_CONFIGS } from './edgevit-config.ts';
import { DEIT_CONFIGS } from './deit.ts';
import { SWIN_CONFIGS } from './swin.ts';
import { Lcg } from '../util/random.ts';

class Maker {
  readonly sd: StateDict = new Map();
  private rng: Lcg;
  constructor(seed: number) { this.rng = new Lcg(seed); }
  t(key: string, shape: number[], f: (u: number) => number): void {
    const n = shape.reduce((a, b) => a * b, 1);
    this.sd.set(key, f32(shape, Float32Array.from({ length: n }, () => f(this.rng.uniform(-1, 1)))));
  }
  /** A conv/linear weight [out, in, …] with values ~ gain/√fan_in. */
  w(key: string, shape: number[], gain = 1): void { const fan = shape.slice(1).reduce((a, b) => a * b, 1); this.t(key, shape, (u) => (u * gain * Math.sqrt(3)) / Math.sqrt(fan)); }
  b(key: string, n: number): void { this.t(key, [n], (u) => 0.1 * u); }
  /** BatchNorm γ, β, running statistics (γ scaled by `gain`). */
  bn(p: string, n: number, gain = 1): void {
    this.t(`${p}.weight`, [n], (u) => gain * (1 + 0.5 * u)); this.b(`${p}.bias`, n);
    this.b(`${p}.running_mean`, n); this.t(`${p}.running_var`, [n], (u) => 1 + 0.5 * u);
  }
  ln(p: string, n: number): void { this.t(`${p}.weight`, [n], (u) => 1 + 0.5 * u); this.b(`${p}.bias`, n); }
  idx(key: string, r: number): void {
    this.sd.set(key, { dtype: 'i64', shape: [r * r, r * r], data: BigInt64Array.from(windowIdxs(r), BigInt) } as HostTensor);
  }
}

/** A checkpoint for `model` (upstream's keys) made for a `res`×`res` input, `classes` outputs. */
export function randomStateDict(model: string, res = 224, seed = 0, classes = 1000): StateDict {
  if (Object.hasOwn(EFFICIENTVIT_CONFIGS, model)) return efficientvit(model, res, seed, classes);
  if (Object.hasOwn(EDGEVIT_CONFIGS, model)) return edgevit(model, seed, classes);
  if (Object.hasOwn(DEIT_CONFIGS, model)) return deit(model, res, seed, classes);
  if (Object.hasOwn(SWIN_CONFIGS, model)) return swin(model, seed, classes);
  throw new Error(`no random checkpoint for unknown model "${model}"`);
}

function efficientvit(model: string, res: number, seed: number, classes: number): StateDict {
  const cfg = EFFICIENTVIT_CONFIGS[model], m = new Maker(seed);
  const convBN = (p: string, cout: number, cinPerGroup: number, k: number, gain = 1) => { m.w(`${p}.c.weight`, [cout, cinPerGroup, k, k]); m.bn(`${p}.bn`, cout, gain); };
  const dw = (p: string, C: number) => convBN(`${p}.m`, C, 1, 3, 0.2);
  const ffn = (p: string, C: number) => { convBN(`${p}.m.pw1`, 2 * C, C, 1); convBN(`${p}.m.pw2`, C, 2 * C, 1, 0.2); };
  const c1 = cfg.embedDim[0], widths = [3, c1 / 8, c1 / 4, c1 / 2, c1];
  for (let i = 0; i < 4; i++) convBN(`patch_embed.${2 * i}`, widths[i + 1], widths[i], 3);
  const resolutions = stageResolutions(res, res);
  for (let s = 0; s < 3; s++) {
    const C = cfg.embedDim[s], heads = cfg.numHeads[s], d = C / heads, kd = cfg.keyDim;
    const r = Math.min(cfg.windowSize, resolutions[s][0]);
    let first = 0;
    if (s > 0) {
      const Cp = cfg.embedDim[s - 1], hid = 4 * Cp, rd = seReducedChannels(hid), p = `blocks${s + 1}.1`;
      dw(`blocks${s + 1}.0.0`, Cp); ffn(`blocks${s + 1}.0.1`, Cp);
      convBN(`${p}.conv1`, hid, Cp, 1); convBN(`${p}.conv2`, hid, 1, 3);
      m.w(`${p}.se.fc1.weight`, [rd, hid, 1, 1]); m.b(`${p}.se.fc1.bias`, rd);
      m.w(`${p}.se.fc2.weight`, [hid, rd, 1, 1]); m.b(`${p}.se.fc2.bias`, hid);
      convBN(`${p}.conv3`, C, hid, 1);
      dw(`blocks${s + 1}.2.0`, C); ffn(`blocks${s + 1}.2.1`, C);
      first = 3;
    }
    for (let j = first; j < first + cfg.depth[s]; j++) {
      const p = `blocks${s + 1}.${j}`, a = `${p}.mixer.m.attn`;
      dw(`${p}.dw0`, C); ffn(`${p}.ffn0`, C);
      for (let i = 0; i < heads; i++) { convBN(`${a}.qkvs.${i}`, 2 * kd + d, d, 1); convBN(`${a}.dws.${i}`, kd, 1, cfg.kernels[i]); }
      convBN(`${a}.proj.1`, C, C, 1, 0.2);
      m.t(`${a}.attention_biases`, [heads, r * r], (u) => 0.5 * u);
      m.idx(`${a}.attention_bias_idxs`, r);
      dw(`${p}.dw1`, C); ffn(`${p}.ffn1`, C);
    }
  }
  const C = cfg.embedDim[2];
  m.bn('head.bn', C); m.w('head.l.weight', [classes, C]); m.b('head.l.bias', classes);
  return m.sd;
}

function edgevit(model: string, seed: number, classes: number): StateDict {
  const cfg = EDGEVIT_CONFIGS[model], m = new Maker(seed);
  const convB = (p: string, shape: number[], gain = 1) => { m.w(`${p}.weight`, shape, gain); m.b(`${p}.bias`, shape[0]); };
  let cin = 3;
  for (let s = 0; s < 4; s++) {
    const C = cfg.embedDim[s], k = s === 0 ? 4 : 2, sr = cfg.srRatios[s], hid = Math.round(C * cfg.mlpRatio);
    convB(`patch_embed${s + 1}.proj`, [C, cin, k, k]); m.ln(`patch_embed${s + 1}.norm`, C);
    for (let j = 0; j < cfg.depth[s]; j++) {
      const b = `blocks${s + 1}.${j}`;
      if (sr > 1) {
        const p = `${b}.LocalAgg`;
        convB(`${p}.pos_embed`, [C, 1, 3, 3], 0.25); m.bn(`${p}.norm1`, C); convB(`${p}.conv1`, [C, C, 1, 1]);
        convB(`${p}.attn`, [C, 1, 5, 5]); convB(`${p}.conv2`, [C, C, 1, 1], 0.25); m.bn(`${p}.norm2`, C);
        convB(`${p}.mlp.fc1`, [hid, C, 1, 1]); convB(`${p}.mlp.fc2`, [C, hid, 1, 1], 0.25);
      }
      const p = `${b}.SelfAttn`;
      convB(`${p}.pos_embed`, [C, 1, 3, 3], 0.25); m.ln(`${p}.norm1`, C);
      convB(`${p}.attn.qkv`, [3 * C, C]);
      if (sr > 1) { convB(`${p}.attn.LocalProp`, [C, 1, sr, sr]); m.ln(`${p}.attn.norm`, C); }
      convB(`${p}.attn.proj`, [C, C], 0.25); m.ln(`${p}.norm2`, C);
      convB(`${p}.mlp.fc1`, [hid, C]); convB(`${p}.mlp.fc2`, [C, hid], 0.25);
    }
    cin = C;
  }
  const C = cfg.embedDim[3];
  m.bn('norm', C); convB('head', [classes, C]);
  return m.sd;
}

function deit(model: string, res: number, seed: number, classes: number): StateDict {
  const cfg = DEIT_CONFIGS[model], m = new Maker(seed), C = cfg.dim, hid = C * cfg.mlpRatio;
  const T = 1 + (res / cfg.patch) ** 2;
  const lin = (p: string, out: number, inp: number, gain = 1) => { m.w(`${p}.weight`, [out, inp], gain); m.b(`${p}.bias`, out); };
  m.t('cls_token', [1, 1, C], (u) => 0.5 * u);
  m.t('pos_embed', [1, T, C], (u) => 0.5 * u);
  m.w('patch_embed.proj.weight', [C, 3, cfg.patch, cfg.patch]); m.b('patch_embed.proj.bias', C);
  for (let i = 0; i < cfg.depth; i++) {
    const b = `blocks.${i}`;
    m.ln(`${b}.norm1`, C); lin(`${b}.attn.qkv`, 3 * C, C); lin(`${b}.attn.proj`, C, C, 0.2);
    m.ln(`${b}.norm2`, C); lin(`${b}.mlp.fc1`, hid, C); lin(`${b}.mlp.fc2`, C, hid, 0.2);
  }
  m.ln('norm', C); lin('head', classes, C);
  return m.sd;
}

/** timm ≥ 0.9's layout (no buffers: webvit rebuilds the index and masks for any input size). */
function swin(model: string, seed: number, classes: number): StateDict {
  const cfg = SWIN_CONFIGS[model], m = new Maker(seed), T = (2 * cfg.window - 1) ** 2;
  const lin = (p: string, out: number, inp: number, gain = 1, bias = true) => { m.w(`${p}.weight`, [out, inp], gain); if (bias) m.b(`${p}.bias`, out); };
  let C = cfg.embedDim;
  m.w('patch_embed.proj.weight', [C, 3, 4, 4]); m.b('patch_embed.proj.bias', C); m.ln('patch_embed.norm', C);
  cfg.depths.forEach((depth, i) => {
    if (i > 0) { m.ln(`layers.${i}.downsample.norm`, 4 * C); lin(`layers.${i}.downsample.reduction`, 2 * C, 4 * C, 1, false); C *= 2; }
    for (let j = 0; j < depth; j++) {
      const b = `layers.${i}.blocks.${j}`;
      m.ln(`${b}.norm1`, C); m.t(`${b}.attn.relative_position_bias_table`, [T, cfg.heads[i]], (u) => 0.5 * u);
      lin(`${b}.attn.qkv`, 3 * C, C); lin(`${b}.attn.proj`, C, C, 0.2);
      m.ln(`${b}.norm2`, C); lin(`${b}.mlp.fc1`, 4 * C, C); lin(`${b}.mlp.fc2`, C, 4 * C, 0.2);
    }
  });
  m.ln('norm', C); lin('head.fc', classes, C);
  return m.sd;
}
