// The fused FFN (ffn.wgsl, one dispatch) against the two pointwise dispatches it replaces
// (pw1 with reluOut, pw2 with the residual), at EfficientViT's FFN shapes (Hd = 2C).
//   node --import tsx bench/kernels-ffn.ts [--sweep] [--filter=TEXT]
// --sweep also runs the fused kernel with every pixel-tile width (pq).
import { pointwise } from '../src/ops/pointwise.ts';
import { ffn, type FfnOptions } from '../src/ops/ffn.ts';
import { GraphBuilder } from '../src/graph/builder.ts';
import type { Tensor } from '../src/graph/ir.ts';
import { benchRuntime, compileCase, randomArray, report, timeCases, type Timing } from './kernels-util.ts';

// B, C, H, W
const SHAPES: [number, number, number, number][] = [
  [1, 64, 14, 14], [2, 64, 14, 14],
  [1, 128, 7, 7], [2, 128, 7, 7],
  [1, 192, 4, 4], [2, 192, 4, 4],
  [1, 384, 4, 4], [2, 384, 4, 4],
];

const SWEEP: Record<string, FfnOptions> = { 'pq4': { pq: 4 }, 'pq2': { pq: 2 }, 'pq1': { pq: 1 } };

const args = process.argv.slice(2);
const sweep = args.includes('--sweep');
const filter = args.find((a) => a.startsWith('--filter='))?.slice(9);

const rt = await benchRuntime();
console.log(`adapter: ${rt.gpu.adapterInfo.vendor} ${rt.gpu.adapterInfo.architecture}; robustness ${process.env.WEBVIT_NO_ROBUSTNESS ? 'off' : 'on'}`);
const rows: Timing[] = [];
for (const [B, C, H, W] of SHAPES) {
  const hd = 2 * C;
  const w1 = randomArray(hd * C, 1).map((v) => v / Math.sqrt(C)), b1 = randomArray(hd, 2);
  const w2 = randomArray(C * hd, 3).map((v) => v / Math.sqrt(hd)), b2 = randomArray(C, 4);
  const tag = `B${B} C${C} P${H * W}`;
  const variants: [string, (o: FfnOptions) => (g: GraphBuilder, xs: Tensor[]) => Tensor, FfnOptions][] = [
    ['2×pointwise', () => (g, [x]) => pointwise(g, 'pw2', pointwise(g, 'pw1', x, w1, b1, hd, { reluOut: true }), w2, b2, C, { residual: x }), {}],
    ['ffn', (o) => (g, [x]) => ffn(g, 'ffn', x, w1, b1, w2, b2, o), {}],
    ...(sweep ? Object.entries(SWEEP).map(([n, o]) => [`ffn ${n}`, (oo: FfnOptions) => (g: GraphBuilder, [x]: Tensor[]) => ffn(g, 'ffn', x, w1, b1, w2, b2, oo), o] as any) : []),
  ];
  const cases = [];
  for (const [name, make, o] of variants) {
    const label = `${tag} ${name}`;
    if (filter && !label.includes(filter)) continue;
    cases.push(await compileCase(rt, label, [[B, C, H, W]], make(o)));
  }
  const timed = await timeCases(cases);
  report('kernels-ffn.json', {}, timed);
  rows.push(...timed);
  for (const c of cases) c.graph.destroy();
}
console.log('---');
report('kernels-ffn.json', { robustness: !process.env.WEBVIT_NO_ROBUSTNESS, adapter: rt.gpu.adapterInfo }, rows);
process.exit(0);
