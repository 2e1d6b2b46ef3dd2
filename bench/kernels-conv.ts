// The non-matmul kernels of EfficientViT at the shapes the models use: stem conv2d.wgsl (M0, M5),
// dwconv.wgsl, cascaded_attention.wgsl (one head), squeeze_excite.wgsl. Per shape: compile time
// (fresh pipeline cache), ms per dispatch, GFLOP/s (and GB/s from the node's byte count).
//   node --import tsx bench/kernels-conv.ts [--filter=TEXT] [--check]
// --check also compares each output with the CPU reference (src/reference) on random data.
// WEBVIT_NO_ROBUSTNESS=1 turns Dawn's robustness off (browsers keep it on). Notes: bench/README-conv.md.
import { conv2d } from '../src/ops/conv2d.ts';
import { dwconv } from '../src/ops/dwconv.ts';
import { pointwise } from '../src/ops/pointwise.ts';
import { cascadedAttention, type CascadedAttentionWeights } from '../src/ops/cascaded-attention.ts';
import { squeezeExciteGate } from '../src/ops/squeeze-excite.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import { fromPadded, toPadded } from '../src/graph/layout.ts';
import type { Tensor } from '../src/graph/ir.ts';
import type { Runtime } from '../src/runtime.ts';
import * as ref from '../src/reference/ops.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchRuntime, randomArray, timeGraph, type Timing } from './kernels-util.ts';

interface Case { label: string; shape: number[]; build: (g: GraphBuilder, x: Tensor) => Tensor; want?: (x: Float32Array) => Float32Array }

const cases: Case[] = [];
// Stem: 3×3 stride 2 pad 1, ReLU on the first three.
for (const [model, c1] of [['M0', 64], ['M5', 192]] as const) {
  const widths = [3, c1 / 8, c1 / 4, c1 / 2, c1];
  for (let i = 0; i < 4; i++) {
    const H = 224 >> i, cin = widths[i], cout = widths[i + 1], relu = i < 3;
    const w = randomArray(cout * cin * 9, 10 + i).map((v) => v * 0.5), b = randomArray(cout, 20 + i);
    cases.push({
      label: `conv2d ${model} ${cin}→${cout} ${H}×${H}`, shape: [1, cin, H, H],
      build: (g, x) => conv2d(g, 'conv', x, w, b, { cout, k: 3, stride: 2, pad: 1, relu }),
      want: (x) => { const y = ref.conv2d(x, [1, cin, H, H], w, b, { cout, kh: 3, kw: 3, stride: 2, pad: 1 }).y; return relu ? ref.relu(y) : y; },
    });
  }
}
// Depthwise 3×3: residual stride 1 in every block, ReLU stride 2 in PatchMerging (4C channels).
for (const [C, H, s] of [[64, 14, 1], [128, 7, 1], [192, 4, 1], [256, 14, 2], [512, 7, 2], [192, 14, 1], [288, 7, 1], [384, 4, 1], [768, 14, 2], [1152, 7, 2]]) {
  const w = randomArray(C * 9, 30), b = randomArray(C, 31);
  const residual = s === 1;
  cases.push({
    label: `dwconv C${C} ${H}×${H} s${s}`, shape: [1, C, H, H],
    build: (g, x) => dwconv(g, 'dw', x, w, b, { k: 3, stride: s, pad: 1, relu: !residual, residual }),
    want: (x) => { const y = ref.conv2d(x, [1, C, H, H], w, b, { cout: C, kh: 3, kw: 3, stride: s, pad: 1, groups: C }).y; return residual ? ref.add(y, x) : ref.relu(y); },
  });
}
// Attention (all heads + proj): M0 stages (4 heads, 14×14 / 7×7 / 4×4) and M5's widest.
for (const [C, heads, H, r, kernels] of [[64, 4, 14, 7, [5, 5, 5, 5]], [128, 4, 7, 7, [5, 5, 5, 5]], [192, 4, 4, 4, [5, 5, 5, 5]], [192, 3, 14, 7, [7, 5, 3]], [384, 4, 4, 4, [7, 5, 3, 3]]] as [number, number, number, number, number[]][]) {
  const d = C / heads, kd = 16;
  let seed = 40;
  const rnd = (n: number, sc = 0.5) => randomArray(n, ++seed).map((v) => v * sc);
  const w: CascadedAttentionWeights & { proj: { weight: Float32Array; bias: Float32Array } } = {
    keyDim: kd,
    qkv: Array.from({ length: heads }, () => ({ weight: rnd((2 * kd + d) * d, 1 / Math.sqrt(d)), bias: rnd(2 * kd + d) })),
    dw: kernels.map((k) => ({ weight: rnd(kd * k * k, 0.3), bias: rnd(kd), k })),
    biases: rnd(heads * r * r, 1),
    proj: { weight: rnd(C * C, 1 / Math.sqrt(C)), bias: rnd(C) },
  };
  cases.push({
    label: `attention C${C} h${heads} ${H}×${H} r${r}`, shape: [1, C, H, H],
    build: (g, x) => pointwise(g, 'proj', cascadedAttention(g, 'attn', x, w, r), w.proj.weight, w.proj.bias, C, { reluIn: true, residual: x }),
    want: (x) => ref.add(x, ref.localWindowAttention(x, [1, C, H, H], {
      heads, keyDim: kd, qkvs: w.qkv, dws: w.dw.map((q) => ({ weight: q.weight, bias: q.bias, kernel: q.k })),
      attentionBiases: w.biases, biasIdxs: ref.attentionBiasIdxs(r), proj: w.proj,
    })),
  });
}
// Squeeze-excite in PatchMerging: 4C channels after the stride-2 dw conv, R = C (make_divisible(4C/4, 8)).
for (const [C, R, H] of [[256, 64, 7], [512, 128, 4], [768, 192, 7], [1152, 288, 4]]) {
  const w1 = randomArray(R * C, 50), b1 = randomArray(R, 51), w2 = randomArray(C * R, 52), b2 = randomArray(C, 53);
  cases.push({
    label: `squeeze-excite C${C} R${R} ${H}×${H}`, shape: [1, C, H, H],
    build: (g, x) => squeezeExciteGate(g, 'se', x, w1, b1, w2, b2, R),
    want: (x) => ref.sigmoid(ref.linear(ref.relu(ref.linear(ref.meanPoolHW(x, [1, C, H, H]), [1, C], w1, b1)), [1, R], w2, b2)),
  });
}

async function check(rt: Runtime, c: Case): Promise<string> {
  const g = new GraphBuilder();
  const x = g.input('x', c.shape);
  g.output = c.build(g, x);
  const compiled = await rt.compile(g, c.label);
  try {
    const data = randomArray(c.shape.reduce((a, b) => a * b, 1), 7);
    const got = fromPadded(g.output, await compiled.run(toPadded(x, data)));
    const want = c.want!(data);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-5 + 1e-5 * Math.abs(want[i])));
    return got.length === want.length && worst <= 1 ? 'ok' : `WRONG (worst |Δ|/tol = ${worst.toFixed(1)})`;
  } finally {
    compiled.destroy();
  }
}

const args = process.argv.slice(2);
const filter = args.find((a) => a.startsWith('--filter='))?.slice(9);
const rt = await benchRuntime();
console.log(`adapter: ${rt.gpu.adapterInfo.vendor} ${rt.gpu.adapterInfo.architecture}; robustness ${process.env.WEBVIT_NO_ROBUSTNESS ? 'off' : 'on'}`);
const rows: (Timing & { check?: string; gbs: number })[] = [];
let wrong = 0;
for (const c of cases) {
  if (filter && !c.label.includes(filter)) continue;
  let bytes = 0;
  const r = await timeGraph(rt, c.label, [c.shape], (g, [x]) => {
    const y = c.build(g, x);
    bytes = g.nodes.reduce((a, n) => a + n.bytesRead + n.bytesWritten, 0);
    return y;
  });
  const row = { ...r, gbs: bytes / r.ms / 1e6, check: args.includes('--check') ? await check(rt, c) : undefined };
  if (row.check && row.check !== 'ok') wrong++;
  console.log(`${r.label.padEnd(34)} ${r.ms.toFixed(3).padStart(8)} ms ${r.gflops.toFixed(2).padStart(6)} GFLOP/s ${row.gbs.toFixed(2).padStart(6)} GB/s ` +
    `compile ${r.compileMs.toFixed(0).padStart(5)} ms ${r.dispatches}× ${row.check ?? ''}  ${r.kernels.join(' ')}`);
  rows.push(row);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/kernels-conv.json', import.meta.url), JSON.stringify({ robustness: !process.env.WEBVIT_NO_ROBUSTNESS, adapter: rt.gpu.adapterInfo, date: new Date().toISOString(), rows }, null, 2));
process.exit(wrong ? 1 : 0);
