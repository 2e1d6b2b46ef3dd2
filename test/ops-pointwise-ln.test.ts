// pointwise.wgsl's LayerNorm-input and GELU-output epilogues (EdgeViT's Mlp: LN → fc1 → GELU) against
// the CPU reference, and its GELU against an exact erf over a wide range.
import { test } from 'node:test';
import { assertClose, random, runGraph } from './helpers/gpu.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { conv2d, gelu, geluScalar, layerNormChannels } from '../src/reference/ops.ts';
import type { GraphBuilder } from '../src/graph/builder.ts';
import { viewOf, type Tensor } from '../src/graph/ir.ts';
import { unary } from '../src/ops/elementwise.ts';

for (const [B, K, M, H, W, eps] of [[1, 36, 144, 7, 9, 1e-6], [2, 13, 29, 5, 3, 1e-5], [1, 288, 50, 7, 7, 1e-6], [2, 6, 17, 1, 5, 1e-6]]) {
  test(`pointwise with LayerNorm in, GELU out: B${B} K${K} M${M} ${H}×${W}`, async () => {
    // An offset mean and uneven scales, as in a residual stream.
    const x = random(B * K * H * W, K).map((v, i) => 3 * v + 0.5 + (i % 7) * 0.1);
    const w = random(M * K, 2), b = random(M, 3), gamma = random(K, 4).map((v) => 1 + 0.5 * v), beta = random(K, 5);
    const n = layerNormChannels(x, [B, K, H, W], gamma, beta, eps);
    const want = gelu(conv2d(n, [B, K, H, W], w, b, { cout: M, kh: 1, kw: 1 }).y);
    const got = await runGraph([{ shape: [B, K, H, W], data: x }], (g, [t]) => pointwise(g, 'fc1', t, w, b, M, { ln: { gamma, beta, eps }, geluOut: true }));
    // Mean and variance by Chan merges of x − z in float32 (layer_norm.wgsl), the matmul on x − z
    // corrected by μ_d·Σw: a few ulps of the O(1) outputs, times √K.
    assertClose(got, want, 2e-5, 2e-5);
  });
}

test('GELU (erfc-based) matches x·Φ(x) over [-12, 12] to ~1e-7 relative', async () => {
  const n = 4096;
  const xs = Float32Array.from({ length: n }, (_, i) => -12 + (24 * i) / (n - 1));
  // The unfused schedule's GELU; pointwise.wgsl's GELU_OUT includes the same shaders/include/gelu.wgsl.
  const got = await runGraph([{ shape: [1, n], data: xs }], (g: GraphBuilder, [t]: Tensor[]) => unary(g, 'gelu', viewOf(t), 'gelu').tensor);
  const want = Array.from(xs, (v) => geluScalar(v));
  // A&S 7.1.26 bounds erfc's absolute error by 1.5e-7; through 0.5·x that is ≤ 1e-6 at |x| = 12.
  assertClose(got, want, 1e-6, 3e-7, 'gelu');
});
