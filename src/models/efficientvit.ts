// EfficientViT M0–M5 (Liu et al., CVPR 2023): the model description. One Schedule call per upstream
// layer, with the checkpoint's tensors as they are and upstream's module names; the schedule decides
// how each layer becomes dispatches (fused kernels with BN folded, or one dispatch per eager op).
import { GraphBuilder } from '../graph/builder.ts';
import type { WeightPool } from '../graph/weights.ts';
import type { Tuning } from '../tuning.ts';
import type { Tensor } from '../graph/ir.ts';
import type { ConvBN, Schedule } from '../schedule/layers.ts';
import { BN_EPS } from '../schedule/window-attention.ts';
import { SCHEDULES } from '../schedule/index.ts';
import type { StateDict } from '../weights/tensor.ts';
import { CheckpointReader } from './checkpoint.ts';
import { EFFICIENTVIT_CONFIGS, stageResolutions, windowIdxs, type EfficientViTConfig } from './efficientvit-config.ts';
import type { InputSpec } from './input.ts';
import { outputPlan, type StageInfo } from './backbone.ts';

export function efficientvitConfig(name: string): EfficientViTConfig {
  const cfg = EFFICIENTVIT_CONFIGS[name];
  if (!cfg) throw new Error(`unknown EfficientViT model "${name}"; known: ${Object.keys(EFFICIENTVIT_CONFIGS).join(', ')}`);
  return cfg;
}

/**
 * The outputs of the downstream (detection) backbone: blocks1, blocks2 and blocks3, at strides 16, 32
 * and 64 (upstream's EfficientViT/downstream/efficientvit.py).
 */
export const efficientvitStages = (cfg: EfficientViTConfig): StageInfo[] =>
  cfg.embedDim.map((channels, i) => ({ name: `blocks${i + 1}`, stride: 16 * 2 ** i, channels }));

export function buildEfficientViT(sd: StateDict, cfg: EfficientViTConfig, input: InputSpec, schedule = SCHEDULES.fused, weights?: WeightPool, tuning?: Tuning): GraphBuilder {
  const ck = new CheckpointReader(sd, cfg.name);
  const g = new GraphBuilder(weights, tuning);
  const s = schedule(g);
  const { batch: B, height: H, width: W } = input;
  if (!(B >= 1 && H >= 16 && W >= 16)) throw new Error(`${cfg.name} needs batch ≥ 1 and an input of at least 16×16 pixels (got batch ${B}, ${H}×${W})`);
  const out = outputPlan(cfg.name, efficientvitStages(cfg), input.outputs);
  checkInputSize(ck, cfg, H, W, out.last);
  let x = g.input('input', [B, 3, H, W]);

  // Stem: four Conv2d_BN 3×3 stride 2 (3 → C/8 → C/4 → C/2 → C), ReLU after the first three.
  const c1 = cfg.embedDim[0];
  const widths = [3, c1 / 8, c1 / 4, c1 / 2, c1];
  for (let i = 0; i < 4; i++) {
    const p = `patch_embed.${2 * i}`;
    const layer = convBN(ck, p, widths[i], widths[i + 1], 3, 2, 1, 1);
    x = s.layer(p, () => s.conv(x, { ...layer, post: i < 3 ? [{ kind: 'relu', module: `patch_embed.${2 * i + 1}` }] : [] }));
  }

  for (let st = 0; st <= out.last; st++) {
    const C = cfg.embedDim[st];
    const stage = `blocks${st + 1}`;
    let first = 0;
    if (st > 0) {
      const Cp = cfg.embedDim[st - 1];
      x = dw(s, ck, `${stage}.0.0`, x, Cp);
      x = ffn(s, ck, `${stage}.0.1`, x, Cp);
      x = s.layer(`${stage}.1`, () => patchMerging(s, ck, `${stage}.1`, x, Cp, C));
      x = dw(s, ck, `${stage}.2.0`, x, C);
      x = ffn(s, ck, `${stage}.2.1`, x, C);
      first = 3;
    }
    for (let j = first; j < first + cfg.depth[st]; j++) {
      const p = `${stage}.${j}`;
      x = dw(s, ck, `${p}.dw0`, x, C);
      x = ffn(s, ck, `${p}.ffn0`, x, C);
      x = attention(s, ck, `${p}.mixer`, x, C, cfg.numHeads[st], cfg);
      x = dw(s, ck, `${p}.dw1`, x, C);
      x = ffn(s, ck, `${p}.ffn1`, x, C);
    }
    if (out.wants(stage)) g.addOutput(stage, x, 16 * 2 ** st);
  }

  if (out.logits) g.output = s.layer('head', () => head(s, ck, x, cfg.embedDim[2]));
  else {
    // The downstream backbone: the global mean of blocks3 is what the head's BN_Linear takes.
    const last = x;
    if (out.embedding) g.addOutput('embedding', s.layer('embedding', () => s.embedding(last, {})));
    ck.allowUnused(['head.', 'head_dist.', ...Array.from({ length: 2 - out.last }, (_, k) => `blocks${out.last + 2 + k}.`)]);
  }
  ck.finish();
  return g;
}

/**
 * Conv2d_BN `p` (keys p.c.weight, p.bn.*) as a conv layer: conv without bias, then BatchNorm; in a
 * checkpoint `webvit convert` folded, the conv with the BatchNorm in its weight and bias (p.c.bias).
 */
function convBN(ck: CheckpointReader, p: string, cin: number, cout: number, k: number, stride: number, pad: number, groups: number): ConvBN {
  const conv = { weight: ck.get(`${p}.c.weight`, [cout, cin / groups, k, k]), bias: ck.folded ? ck.get(`${p}.c.bias`, [cout]) : null, cin, cout, k, stride, pad, groups };
  return { module: `${p}.c`, conv, bn: ck.folded ? undefined : { module: `${p}.bn`, params: ck.bn(`${p}.bn`, cout), eps: BN_EPS } };
}

/** Residual(depthwise 3×3 Conv2d_BN): x + bn(dw(x)). */
function dw(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number): Tensor {
  return s.layer(p, () => s.conv(x, { ...convBN(ck, `${p}.m`, C, C, 3, 1, 1, C), post: [{ kind: 'add', module: p, residual: x }] }));
}

/** Residual(FFN): x + pw2(ReLU(pw1(x))), both Conv2d_BN 1×1, hidden 2C. */
function ffn(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number): Tensor {
  return s.layer(p, () => s.ffn(x, {
    fc1: convBN(ck, `${p}.m.pw1`, C, 2 * C, 1, 1, 0, 1), fc2: convBN(ck, `${p}.m.pw2`, 2 * C, C, 1, 1, 0, 1),
    act: { kind: 'relu', module: `${p}.m.act` }, residual: p,
  }));
}

/** PatchMerging: conv1 1×1 → ReLU → dw 3×3 s2 → ReLU → squeeze-excite → conv3 1×1 (no residual). */
function patchMerging(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number, Cout: number): Tensor {
  const hid = 4 * C;
  const act = { kind: 'relu' as const, module: `${p}.act` };
  let y = s.conv(x, { ...convBN(ck, `${p}.conv1`, C, hid, 1, 1, 0, 1), post: [act] });
  y = s.conv(y, { ...convBN(ck, `${p}.conv2`, hid, hid, 3, 2, 1, hid), post: [act] });
  const r = ck.shapeOf(`${p}.se.fc1.weight`)?.[0] ?? hid / 4;
  const gate = s.squeezeExcite(y, {
    module: `${p}.se`, reduced: r,
    fc1: { weight: ck.get(`${p}.se.fc1.weight`, [r, hid, 1, 1]), bias: ck.get(`${p}.se.fc1.bias`, [r]) },
    fc2: { weight: ck.get(`${p}.se.fc2.weight`, [hid, r, 1, 1]), bias: ck.get(`${p}.se.fc2.bias`, [hid]) },
  });
  return s.conv(y, { ...convBN(ck, `${p}.conv3`, hid, Cout, 1, 1, 0, 1), pre: [{ kind: 'gate', module: `${p}.se`, gate }] });
}

/** Residual(LocalWindowAttention) `p` (= blocksN.j.mixer): cascaded group attention in r×r windows. */
function attention(s: Schedule, ck: CheckpointReader, p: string, x: Tensor, C: number, heads: number, cfg: EfficientViTConfig): Tensor {
  const a = `${p}.m.attn`;
  const d = C / heads, kd = cfg.keyDim;
  const biasShape = ck.shapeOf(`${a}.attention_biases`);
  if (!biasShape || biasShape.length !== 2) {
    // Not this model's checkpoint: record what is missing and go on collecting, for one clear error.
    ck.get(`${a}.attention_biases`, [heads, 49]);
    return x;
  }
  const r = Math.round(Math.sqrt(biasShape[1]));
  if (r * r !== biasShape[1]) ck.problem(`${a}.attention_biases: ${biasShape[1]} offsets is not a square window`);
  const idxs = ck.indices(`${a}.attention_bias_idxs`);
  if (idxs && !idxsMatchWindow(idxs.data, r)) ck.problem(`${a}.attention_bias_idxs is not the offset table of a ${r}×${r} window`);
  const [, , h, wd] = x.shape;
  if (h <= r && wd <= r && (h !== r || wd !== r)) throw new Error(`${a}: a ${h}×${wd} map with ${r}×${r} attention biases`); // checkInputSize says why first
  const layer = (q: string, cin: number, cout: number, k: number, groups: number) => convBN(ck, q, cin, cout, k, 1, Math.floor(k / 2), groups);
  return s.layer(p, () => s.windowAttention(x, {
    module: p, keyDim: kd, window: r,
    qkv: Array.from({ length: heads }, (_, i) => layer(`${a}.qkvs.${i}`, d, 2 * kd + d, 1, 1)),
    dw: Array.from({ length: heads }, (_, i) => layer(`${a}.dws.${i}`, kd, kd, cfg.kernels[i], kd)),
    biases: ck.get(`${a}.attention_biases`, [heads, r * r]),
    biasIdxs: idxs?.data ?? windowIdxs(r),
    proj: layer(`${a}.proj.1`, C, C, 1, 1),
  }));
}

/**
 * Each stage's attention runs on windows of the side its checkpoint's bias tables were made for
 * (upstream pads the map to whole windows), or on the whole map where the map is exactly one window;
 * a map smaller than its window in both sides has no bias table in the checkpoint. Refuses such an
 * input with the sizes that work: squares from the smallest whose every map covers its window, and
 * any input taller or wider than every stage's window.
 */
function checkInputSize(ck: CheckpointReader, cfg: EfficientViTConfig, H: number, W: number, last: number): void {
  const maps = stageResolutions(H, W);
  const windows = cfg.depth.map((_, st) => {
    const shape = ck.shapeOf(`blocks${st + 1}.${st ? 3 : 0}.mixer.m.attn.attention_biases`);
    const r = shape?.length === 2 ? Math.round(Math.sqrt(shape[1])) : 0;
    return r * r === shape?.[1] ? r : 0;
  });
  if (windows.some((r) => r === 0)) return; // not this model's checkpoint: the builder lists what is missing
  const stride = (st: number) => 16 * 2 ** st;
  const bad = windows.findIndex((r, st) => st <= last && maps[st][0] <= r && maps[st][1] <= r && (maps[st][0] !== r || maps[st][1] !== r));
  if (bad < 0) return;
  const smallest = Math.max(...windows.map((r, st) => stride(st) * (r - 1) + 1));
  const largest = Math.max(...windows.map((r, st) => stride(st) * r));
  const [h, w] = maps[bad];
  throw new Error(`${cfg.name}: a ${H}×${W} input gives blocks${bad + 1} a ${h}×${w} map, smaller than the ${windows[bad]}×${windows[bad]} window its attention ` +
    `biases were made for (each stage's map must be its window exactly, or larger in height or width). With this checkpoint's windows ` +
    `(${windows.map((r, st) => `blocks${st + 1} ${r}×${r}`).join(', ')}) square inputs of ${smallest} px and more work, and any input taller or wider ` +
    `than ${largest} px`);
}

const idxsMatchWindow = (idxs: Int32Array, r: number): boolean => {
  const want = windowIdxs(r);
  return idxs.length === want.length && idxs.every((v, i) => v === want[i]);
};

/** Mean pool + BN_Linear; with a distillation head, the mean of both heads. */
function head(s: Schedule, ck: CheckpointReader, x: Tensor, C: number): Tensor {
  const classes = ck.shapeOf('head.l.weight')?.[0] ?? 1000;
  const bnLinear = (p: string) => ({
    bn: ck.foldedBn(`${p}.bn`) ? undefined : { module: `${p}.bn`, params: ck.bn(`${p}.bn`, C), eps: BN_EPS },
    linear: { module: `${p}.l`, weight: ck.get(`${p}.l.weight`, [classes, C]), bias: ck.get(`${p}.l.bias`, [classes]) },
  });
  return s.classifier(x, { head: bnLinear('head'), dist: ck.has('head_dist.') ? bnLinear('head_dist') : undefined });
}
