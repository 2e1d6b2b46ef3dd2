// Backbone mode: what a graph returns instead of logits. A model's stages are the feature maps a
// detection or segmentation head takes (upstream's module names, their stride in input pixels and
// their channels); a request names the stages wanted and whether the embedding (the pooled vector
// that feeds the classifier's head) is wanted too. A builder asked for features computes nothing
// after the last output: no head, and no stage past the last one requested.

/** One of a model's feature maps: its upstream module, its stride in input pixels (0: one vector per image) and its channels. */
export interface StageInfo { name: string; stride: number; channels: number }

/** What a graph computes in backbone mode: the stages to read back, by name, and the embedding. */
export interface OutputRequest { stages: readonly string[]; embedding: boolean }

/** How a builder serves a request (or the classifier's logits when there is none). */
export interface OutputPlan {
  /** the classifier's logits (no request) */
  logits: boolean;
  /** the embedding is asked for */
  embedding: boolean;
  /** stage `name` is asked for */
  wants(name: string): boolean;
  /** the index of the last stage the graph must compute (every stage for logits or the embedding) */
  last: number;
}

/** Checks `request` against the model's stages and says what the builder computes. */
export function outputPlan(model: string, stages: readonly StageInfo[], request: OutputRequest | undefined): OutputPlan {
  if (!request) return { logits: true, embedding: false, wants: () => false, last: stages.length - 1 };
  const names = stages.map((s) => s.name);
  const unknown = request.stages.filter((s) => !names.includes(s));
  if (unknown.length) throw new Error(`${model} has no stage ${unknown.map((s) => `"${s}"`).join(', ')}; its stages are ${names.join(', ')}`);
  if (!request.stages.length && !request.embedding) throw new Error(`ask ${model} for at least one stage (${names.join(', ')}) or the embedding`);
  const wanted = new Set(request.stages);
  const last = request.embedding ? stages.length - 1 : Math.max(...request.stages.map((s) => names.indexOf(s)));
  return { logits: false, embedding: request.embedding, wants: (name) => wanted.has(name), last };
}
