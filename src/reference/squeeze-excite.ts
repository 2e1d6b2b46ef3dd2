// Squeeze-excite as timm's SqueezeExcite in EfficientViT's PatchMerging (fc1/fc2 are 1×1 convs with bias).
import type { Shape4 } from './conv.ts';
import { sigmoidScalar } from './elementwise.ts';
import { linear, meanPoolHW } from './norm.ts';

/** x · sigmoid(fc2(ReLU(fc1(mean_HW x)))) per channel; fc1 [Cr, C], fc2 [C, Cr] (trailing 1×1 ignored). */
export function squeezeExcite(x: Float32Array, shape: Shape4, fc1w: Float32Array, fc1b: Float32Array, fc2w: Float32Array, fc2b: Float32Array): Float32Array {
  const [B, C, H, W] = shape;
  const reduced = fc1b.length;
  const pooled = meanPoolHW(x, shape);
  const hidden = linear(pooled, [B, C], fc1w, fc1b).map((v) => (v > 0 ? v : 0));
  const gate = linear(hidden, [B, reduced], fc2w, fc2b);
  const y = new Float32Array(x.length);
  for (let bc = 0; bc < B * C; bc++) {
    const g = sigmoidScalar(gate[bc]);
    for (let i = 0; i < H * W; i++) y[bc * H * W + i] = x[bc * H * W + i] * g;
  }
  return y;
}
