// FLOP and byte counts of one dispatch of every kernel file, against values worked out by hand from
// each kernel's access pattern (the op builders' comments say what they count). No GPU needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../src/graph/builder.ts';
import { WeightPool } from '../src/graph/weights.ts';
import { viewOf, type Tensor } from '../src/graph/ir.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { dwconv } from '../src/ops/dwconv.ts';
import { conv2d } from '../src/ops/conv2d.ts';
import { poolLinear } from '../src/ops/pool-linear.ts';
import { cascadedAttention } from '../src/ops/cascaded-attention.ts';
import { squeezeExciteGate } from '../src/ops/squeeze-excite.ts';
import { ffn } from '../src/ops/ffn.ts';
import { patchEmbed } from '../src/ops/patch-embed.ts';
import { lnQkv } from '../src/ops/ln-qkv.ts';
import { attention } from '../src/ops/attention.ts';
import { localPropProj } from '../src/ops/local-prop-proj.ts';
import { batchNorm, binary, unary } from '../src/ops/elementwise.ts';
import { copy, gather } from '../src/ops/copy.ts';
import { layerNorm } from '../src/ops/layer-norm.ts';
import { softmax } from '../src/ops/softmax.ts';
import { matmul } from '../src/ops/matmul.ts';
import { meanHW } from '../src/ops/mean.ts';
import { convTransposeDepthwise } from '../src/ops/conv-transpose.ts';
import { output } from '../src/ops/views.ts';

const z = (n: number) => new Float32Array(n);
const bn = (c: number) => ({ weight: z(c), bias: z(c), running_mean: z(c), running_var: z(c).fill(1) });

/** Builds one op and returns [flops, bytes read, bytes written] of each node it made. */
function counts(build: (g: GraphBuilder, input: (shape: number[]) => Tensor) => void): [number, number, number][] {
  const g = new GraphBuilder();
  build(g, (shape) => g.input(`x${g.inputs.length}`, shape));
  return g.nodes.map((n) => [n.flops, n.bytesRead, n.bytesWritten]);
}

const cases: [string, (g: GraphBuilder, input: (shape: number[]) => Tensor) => void, [number, number, number][]][] = [
  // 1×1 conv 8 → 20 on 5×5: 2·20·8·25 FLOPs; reads x (8 planes of 28 floats) + 2 weight tiles of 16 rows × (8 + 1 bias); writes 20 planes of 28.
  ['pointwise', (g, i) => pointwise(g, 'pw', i([1, 8, 5, 5]), z(160), z(20), 20), [[8000, 4 * (224 + 288), 4 * 560]]],
  // dw 3×3 + residual on [2, 3, 6, 5]: 2·180·9 FLOPs; reads 180 pixels + 27 taps + 3 biases; writes 180.
  ['dwconv', (g, i) => dwconv(g, 'dw', i([2, 3, 6, 5]), z(27), z(3), { k: 3, residual: true }), [[3240, 4 * 210, 4 * 180]]],
  // 3×3 s2 conv 3 → 8 on 9×9 → 5×5: 2·8·25·27 FLOPs; reads 243 pixels + 27 taps × 16 slots + 16 biases; writes 200.
  ['conv2d', (g, i) => conv2d(g, 'c', i([1, 3, 9, 9]), z(216), z(8), { cout: 8, k: 3, stride: 2, pad: 1 }), [[10800, 4 * (243 + 432 + 16), 4 * 200]]],
  // mean of [2, 6, 3, 3] then 6 → 10: 2·(54 + 2·10·6) FLOPs; reads 108 pixels + 12 rows × 8 + 10 biases; writes 20.
  ['pool_linear', (g, i) => poolLinear(g, 'h', i([2, 6, 3, 3]), z(60), z(10), 10), [[348, 4 * 214, 4 * 20]]],
  // 2 heads (d 16) on one 7×7 window, dw 3×3, q/k/v rows of QS = 48: qkv 2·49·48·16; attend 2·49·(16·9 + 49·32);
  // qkv reads 16·49 inputs + 16·48 weights + 48 biases, writes 49·48; attend reads 49·48 + 9·16 + 16 + 49, writes 16·49 into cat + 16·49 for head 1.
  ['cascaded_attention', (g, i) => cascadedAttention(g, 'a', i([1, 32, 7, 7]), {
    keyDim: 16, qkv: [{ weight: z(48 * 16), bias: z(48) }, { weight: z(48 * 16), bias: z(48) }],
    dw: [{ weight: z(144), bias: z(16), k: 3 }, { weight: z(144), bias: z(16), k: 3 }], biases: z(98),
  }, 7), [[75264, 4 * 1600, 4 * 2352], [167776, 4 * 2561, 4 * 1568], [75264, 4 * (1600 + 784), 4 * 2352], [167776, 4 * 2561, 4 * 784]]],
  // SE on [1, 16, 4, 4], 8 hidden: mean 256 adds → 16 means; fc1 2·16·8 + 8 (ReLU); fc2 2·16·8 + 4·16 (sigmoid).
  ['squeeze_excite', (g, i) => squeezeExciteGate(g, 'se', i([1, 16, 4, 4]), z(128), z(8), z(128), z(16), 8),
    [[256, 4 * 256, 4 * 16], [264, 4 * (16 + 128 + 8), 4 * 8], [320, 4 * (8 + 128 + 16), 4 * 16]]],
  // One-kernel FFN 16 → 32 → 16 on 4×4: 4·16·32·16 FLOPs; reads x, two 512-float tiled matrices, 32 + 16 biases, the
  // 512-float hidden scratch back; writes y and the scratch.
  ['ffn', (g, i) => ffn(g, 'f', i([1, 16, 4, 4]), z(512), z(32), z(512), z(16)), [[32768, 4 * (256 + 512 + 32 + 512 + 16 + 512), 4 * (256 + 512)]]],
  // 4×4 s4 patches of [1, 3, 8, 8] → 16 channels, LayerNorm: 2·16·48·4 + 8·16·4; reads 192 pixels + 16 × (48 + 3); writes 64.
  ['patch_embed', (g, i) => patchEmbed(g, 'pe', i([1, 3, 8, 8]), z(16 * 48), z(16), 4, { gamma: z(16), beta: z(16), eps: 1e-5 }), [[6656, 4 * 1008, 4 * 64]]],
  // LN + qkv (8 → 24) on the 4 delegates (sr 2) of 4×4: 2·4·24·8 + 6·4·8; reads 32 delegate values + 2 tiles × 16 × (8 + 1); writes 24 planes of 4.
  ['ln_qkv', (g, i) => lnQkv(g, 'q', i([1, 8, 4, 4]), 2, { gamma: z(8), beta: z(8), eps: 1e-6 }, z(192), z(24)), [[1728, 4 * 320, 4 * 96]]],
  // 2 heads of d 4 over 4 tokens: 4·2·16·4 + 5·2·16; reads qkv (96) and the 2 × 64 scratch twice; writes y (32) and the scratch twice.
  ['attention', (g, i) => attention(g, 'at', i([1, 24, 2, 2]), 2), [[672, 4 * (96 + 256), 4 * (32 + 256)]]],
  // LocalProp (sr 2) + LN + proj 8 → 8 + residual on 4×4: 2·8·8·16 + 8·8·16; reads o 32, taps 32 + 8, residual 128, 16 × (8 + 1); writes 128.
  ['local_prop_proj', (g, i) => localPropProj(g, 'lp', i([1, 8, 2, 2]), 2, { weight: z(32), bias: z(8) }, { gamma: z(8), beta: z(8), eps: 1e-5 },
    { weight: z(64), bias: z(8) }, i([1, 8, 4, 4])), [[3072, 4 * 344, 4 * 128]]],
  // 120 elements: ReLU 1 FLOP each; a [2, 3] gate broadcast over planes reads 6 extra; BN reads 4 × 3 statistics, 4 FLOPs each.
  ['elementwise', (g, i) => {
    const x = viewOf(i([2, 3, 4, 5]));
    unary(g, 'r', x, 'relu');
    binary(g, 'm', x, 'mul', { ...viewOf(i([2, 3])), shape: [2, 3, 1, 1], strides: [4, 1, 0, 0] });
    batchNorm(g, 'b', x, bn(3), 1e-5);
  }, [[120, 480, 480], [120, 4 * 126, 480], [480, 4 * 132, 480]]],
  // Pad [1, 2, 3, 3] to 4×4: reads 18, writes 32; gather 7 indices from a [2, 5] table: reads 10 + 7, writes 14.
  ['copy', (g, i) => { copy(g, 'p', viewOf(i([1, 2, 3, 3])), { shape: [1, 2, 4, 4] }); gather(g, 'ab', z(10), 2, Int32Array.of(0, 1, 2, 3, 4, 0, 1)); },
    [[0, 4 * 18, 4 * 32], [0, 4 * 17, 4 * 14]]],
  // LayerNorm over 5 channels of 6 tokens: 8 FLOPs per element; reads 30 + γ, β; writes 30.
  ['norm', (g, i) => { const t = i([1, 6 * 5]); layerNorm(g, 'ln', { ...viewOf(t), shape: [1, 6, 5], strides: [32, 5, 1] }, z(5), z(5), 1e-6, output(g, 'y', [1, 6, 5])); },
    [[240, 4 * 40, 4 * 30]]],
  // Softmax of 3 rows of 7: 5 FLOPs per element; reads x and its output back, writes the output twice.
  ['softmax', (g, i) => softmax(g, 's', viewOf(i([3, 7]))), [[105, 4 * 42, 4 * 42]]],
  // [2, 3, 5] · [2, 5, 4] + bias[4]: 2·2·3·4·5 + 2·3·4; reads 30 + 40 + 4; writes 24.
  ['matmul', (g, i) => {
    const a = i([2 * 3, 5]), b = i([2 * 5, 4]);
    matmul(g, 'mm', { ...viewOf(a), shape: [2, 3, 5], strides: [24, 8, 1] }, { ...viewOf(b), shape: [2, 5, 4], strides: [20, 4, 1] }, { bias: { data: z(4), along: 'n' } });
  }, [[264, 4 * 74, 4 * 24]]],
  // Means of 6 planes of 20: 120 adds; reads 120, writes 6.
  ['mean', (g, i) => meanHW(g, 'm', i([2, 3, 4, 5])), [[120, 480, 24]]],
  // Depthwise transposed 2×2 s2 of [1, 2, 2, 3] → [1, 2, 4, 6]: 2 FLOPs per output; reads 12 + 8 taps + 2 biases; writes 48.
  ['conv_transpose', (g, i) => convTransposeDepthwise(g, 'ct', viewOf(i([1, 2, 2, 3])), z(8), z(2), 2), [[96, 4 * 22, 4 * 48]]],
];

for (const [kernel, build, want] of cases) {
  test(`${kernel}: FLOPs and bytes of a dispatch match the hand count`, () => {
    assert.deepEqual(counts(build), want);
  });
}

const MATRIX_OPS = new Set(['pointwise', 'conv2d', 'pool_linear', 'cascaded_attention', 'squeeze_excite', 'ffn', 'patch_embed', 'ln_qkv', 'local_prop_proj']);

test('with half matrix weights each op counts them at 2 bytes a value, everything else unchanged', () => {
  for (const [kernel, build] of cases) {
    const full = counts(build);
    const g = new GraphBuilder(new WeightPool('f16-packed', true));
    build(g, (shape) => g.input(`x${g.inputs.length}`, shape));
    let total = 0;
    g.nodes.forEach((n, i) => {
      const halves = Object.values(n.bind).reduce((a, b) => a + ('weight' in b && b.weight.dtype === 'f16' ? b.weight.byteLength : 0), 0);
      assert.deepEqual([n.flops, n.bytesRead + halves, n.bytesWritten], full[i], `${kernel} node ${i}`);
      total += halves;
    });
    // The ops with matrix weights store them as halves (the others have none).
    if (MATRIX_OPS.has(kernel)) assert.ok(total > 0, `${kernel} stores no half weights`);
  }
});
