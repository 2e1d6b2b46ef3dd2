// PyTorch eager ops → the EfficientViT paper's Figure 2 categories. The mapping follows the paper's
// wording: matrix multiplication is every convolution (dense, depthwise and transposed) and every
// matmul; normalization is BatchNorm and LayerNorm; reshape is a copy made to change the layout
// (`clone` of a permuted or transposed view, Swin's cyclic `roll`); copy is a copy that keeps the layout (cat, padding,
// the attention-bias gather; a cropped `contiguous()` is a `clone` whose node says copy); addition is `add` (residuals, biases added
// by their own kernel, attention biases); everything else (activations, scaling, softmax, pooling,
// means) is "other". A fused dispatch takes the category of the first matmul-category op it
// computes, else of its first op.
import type { Category } from './ir.ts';

const OPS: Record<string, Category> = {
  convolution: 'matmul', bmm: 'matmul', addmm: 'matmul', mm: 'matmul',
  native_batch_norm: 'norm', native_layer_norm: 'norm',
  clone: 'reshape', roll: 'reshape',
  cat: 'copy', constant_pad_nd: 'copy', index: 'copy',
  add: 'add',
  relu: 'other', relu_: 'other', div: 'other', gelu: 'other', sigmoid: 'other', mul: 'other', _softmax: 'other', mean: 'other', avg_pool2d: 'other',
};

export function opCategory(op: string): Category {
  if (!Object.hasOwn(OPS, op)) throw new Error(`no Figure-2 category for eager op "${op}"`);
  return OPS[op];
}

export function categoryOf(ops: readonly string[]): Category {
  if (!ops.length) throw new Error('a node computes no ops');
  return ops.some((o) => opCategory(o) === 'matmul') ? 'matmul' : opCategory(ops[0]);
}
