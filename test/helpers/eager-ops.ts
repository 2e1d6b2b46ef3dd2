// What PyTorch eager runs in one forward of each upstream model (test/fixtures/eager-ops/, see its
// README), and the dispatch counts that follow from it: the unfused schedule runs one kernel per
// eager op; the fused schedules' counts follow from these ops by the rules below (which
// test/schedules.test.ts holds every model builder to, and the profiler tests compare against).
import { readFileSync } from 'node:fs';
import { MODELS } from '../../src/models/registry.ts';
import type { ScheduleName } from '../../src/schedule/index.ts';

/** The eager trace of `model` at 224×224, batch 1: the module and ATen op of every kernel, in order. */
export const eagerOps = (model: string): { module: string; op: string }[] =>
  readFileSync(new URL(`../fixtures/eager-ops/${model}.tsv`, import.meta.url), 'utf8')
    .trim().split('\n').slice(1).map((l) => { const [module, op] = l.split('\t'); return { module, op }; });

// Dispatches per inference at 224, batch 1, derived from the eager trace (test/fixtures/eager-ops) by
// the fused schedule's rules: each rule counts the eager ops that start a kernel of their own (+1) or
// ride in a neighbour's kernel although they would start one (−1). A change that adds or removes a
// dispatch breaks test/schedules.test.ts until the rule that describes it changes too.
interface Rule { op: string; module?: RegExp; per: 1 | -1; why: string }
const TRANSFORMER: Rule[] = [
  { op: 'addmm', per: 1, why: 'each linear: its LayerNorm as prologue, bias, GELU and residual add as epilogue' },
  { op: 'mm', per: 1, why: "Swin's patch-merging reduction (no bias), its LayerNorm as prologue" },
  { op: '_softmax', per: 1, why: 'each attention core (QKᵀ, scale, bias/mask, softmax, ·V, and for Swin the roll) is one kernel' },
  { op: 'convolution', per: 1, why: 'the patch embedding (Swin: with its LayerNorm)' },
  { op: 'cat', per: 1, why: "DeiT's class token; Swin's patch-merging gather" },
  { op: 'add', module: /^$/, per: 1, why: "DeiT's position embedding, added after the cat" },
  { op: 'native_layer_norm', module: /^norm$/, per: 1, why: 'the final norm: the head reads one token or the pooled mean, so it is no linear\'s prologue' },
  { op: 'mean', per: 1, why: "Swin's pooling before the head" },
];
const FUSED_RULES: Record<'efficientvit' | 'edgevit' | 'deit' | 'swin', Rule[]> = {
  efficientvit: [
    { op: 'convolution', per: 1, why: 'each conv: BatchNorm folded, ReLU/residual add/gate/cascade add as pro- or epilogue; a head\'s q dwconv with its attention' },
    { op: 'mean', per: 1, why: "the squeeze-excite squeeze; the classifier's pooling (with the head's BatchNorm and linear)" },
  ],
  edgevit: [
    { op: 'convolution', per: 1, why: 'each conv: BatchNorm before it folded in, GELU/residual add after it, a patch embedding\'s LayerNorm' },
    { op: 'addmm', per: 1, why: 'each linear: its LayerNorm as prologue, GELU and residual add as epilogue; the head with the BatchNorm and mean' },
    { op: '_softmax', per: 1, why: 'each attention core (QKᵀ, scale, softmax, ·V)' },
    { op: 'avg_pool2d', per: 1, why: 'the sampler: LayerNorm, pooling and the q/k/v projection of the pooled tokens' },
    { op: 'convolution', module: /\.LocalProp$/, per: -1, why: "LocalProp's transposed conv runs with its LayerNorm and the proj linear (local_prop_proj.wgsl)" },
  ],
  deit: TRANSFORMER,
  swin: TRANSFORMER,
};
/** fused-ffn: ReLU FFNs (EfficientViT's) run both 1×1 convs in one kernel (ffn.wgsl). */
const ONE_KERNEL_FFN: Rule = { op: 'convolution', module: /\.m\.pw2\.c$/, per: -1, why: "the FFN's second conv runs in the first one's kernel" };

export function derivedDispatches(name: string, schedule: 'fused' | 'fused-ffn'): number {
  const ops = eagerOps(name), family = MODELS[name].family;
  const rules = [...FUSED_RULES[family], ...(schedule === 'fused-ffn' && family === 'efficientvit' ? [ONE_KERNEL_FFN] : [])];
  return rules.reduce((n, r) => n + r.per * ops.filter((o) => o.op === r.op && (r.module?.test(o.module) ?? true)).length, 0);
}

/** Dispatches per inference at 224×224, batch 1, from the eager trace: unfused = the eager op count; the fused schedules by their rules. */
export const dispatchCount = (model: string, schedule: ScheduleName): number =>
  schedule === 'unfused' ? eagerOps(model).length : derivedDispatches(model, schedule);
