// pointwise.wgsl (1×1 conv) at the shapes that matter: square 1024³, ViT MLP shapes, EfficientViT
// stage shapes. Per shape: compile time (fresh pipeline cache), ms per dispatch, GFLOP/s.
//   node --import tsx bench/kernels-pointwise.ts [--sweep] [--filter=TEXT]
// --sweep also runs each shape with every variant in VARIANTS. WEBVIT_NO_ROBUSTNESS=1 turns Dawn's
// robustness off (browsers keep it on, so the default measures what users get).
import { pointwise, type PointwiseOptions } from '../src/ops/pointwise.ts';
import { benchRuntime, compileCase, randomArray, report, timeCases, type Timing } from './kernels-util.ts';

// B, K, M, H, W
export const SHAPES: [number, number, number, number, number][] = [
  [1, 1024, 1024, 32, 32],
  [1, 192, 384, 14, 14],
  [1, 384, 192, 14, 14],
  [1, 384, 768, 4, 4],
  // EfficientViT-M4/M5 stage shapes (FFN and QKV/proj 1×1 convs)
  [1, 64, 128, 14, 14],
  [1, 128, 64, 14, 14],
  [1, 128, 256, 7, 7],
  [1, 256, 128, 7, 7],
  [1, 192, 384, 4, 4],
  [1, 384, 192, 4, 4],
  [2, 128, 256, 7, 7],
];

const VARIANTS: Record<string, PointwiseOptions> = {
  default: {},
  wg4: { wg: 4 },
  wg16: { wg: 16 },
  wg64: { wg: 64 },
};

const args = process.argv.slice(2);
const sweep = args.includes('--sweep');
const filter = args.find((a) => a.startsWith('--filter='))?.slice(9);

const rt = await benchRuntime();
console.log(`adapter: ${rt.gpu.adapterInfo.vendor} ${rt.gpu.adapterInfo.architecture}; robustness ${process.env.WEBVIT_NO_ROBUSTNESS ? 'off' : 'on'}`);
const rows: Timing[] = [];
for (const [B, K, M, H, W] of SHAPES) {
  const cases = [];
  for (const [vname, vopts] of Object.entries(sweep ? VARIANTS : { default: VARIANTS.default })) {
    const label = `B${B} K${K} M${M} P${H * W} ${vname}`;
    if (filter && !label.includes(filter)) continue;
    const w = randomArray(M * K, 1), b = randomArray(M, 2);
    cases.push(await compileCase(rt, label, [[B, K, H, W]], (g, [x]) => pointwise(g, 'pw', x, w, b, M, vopts)));
  }
  const timed = await timeCases(cases);
  report('kernels-pointwise.json', {}, timed);
  rows.push(...timed);
  for (const c of cases) c.graph.destroy();
}
console.log('---');
report('kernels-pointwise.json', { robustness: !process.env.WEBVIT_NO_ROBUSTNESS, adapter: rt.gpu.adapterInfo }, rows);
process.exit(0);
