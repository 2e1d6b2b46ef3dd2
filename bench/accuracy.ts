// `npm run accuracy [-- --count 10000 --batch 100 --out DIR]`: the shipped model's accuracy parity. Runs the
// Fashion-MNIST test images through webvit (Node, batched, the shipped f16 safetensors, the
// checkpoint's own preprocessing) and compares with PyTorch's predictions for the original f32
// checkpoint (weights/efficientvit_m0_fashion_mnist.torch.json, made by scripts/train/eval_torch.py):
// both accuracies, and how many predictions differ. Writes bench/results/accuracy.{json,md} (with their
// provenance: bench/provenance.ts) and the README's accuracy table; with --out DIR, DIR/accuracy.* only.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { load, SHIPPED_WEIGHTS } from '../src/node.ts';
import { fashionMnistTest } from './fashion-mnist.ts';
import { provenance, provenanceLine } from './provenance.ts';

export const TORCH_PREDICTIONS = fileURLToPath(new URL('../weights/efficientvit_m0_fashion_mnist.torch.json', import.meta.url));

export interface TorchPredictions { checkpoint: string; torch: string; accuracy: number; predictions: number[]; logits_head: number[][] }

/** webvit's predictions (and logits) for test images [0, count), in batches. */
export async function webvitPredictions(count: number, batch: number, onBatch?: (done: number) => void): Promise<{ predictions: number[]; logits: Float32Array; ms: number; adapter: GPUAdapterInfo }> {
  const set = fashionMnistTest();
  const model = await load('efficientvit_m0');
  try {
    const n = 3 * model.resolution * model.resolution, classes = model.classes;
    const predictions: number[] = [], logits = new Float32Array(count * classes);
    let ms = 0;
    for (let start = 0; start < count; start += batch) {
      const b = Math.min(batch, count - start), x = new Float32Array(b * n);
      for (let i = 0; i < b; i++) x.set(await model.input(set.image(start + i)), i * n);
      const t = performance.now();
      const out = await model.run(x);
      ms += performance.now() - t;
      logits.set(out.logits, start * classes);
      for (let i = 0; i < b; i++) {
        const row = out.logits.subarray(i * classes, (i + 1) * classes);
        predictions.push(row.indexOf(Math.max(...row)));
      }
      onBatch?.(start + b);
    }
    return { predictions, logits, ms, adapter: model.details().adapter as GPUAdapterInfo };
  } finally {
    model.dispose();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '10000' }, batch: { type: 'string', default: '100' }, out: { type: 'string' } } });
  const count = Number(values.count), batch = Number(values.batch);
  const torch = JSON.parse(readFileSync(TORCH_PREDICTIONS, 'utf8')) as TorchPredictions;
  const labels = fashionMnistTest().labels;
  const t0 = performance.now();
  const ours = await webvitPredictions(count, batch, (done) => process.stderr.write(`\raccuracy: ${done}/${count} images`));
  process.stderr.write('\n');
  let right = 0, torchRight = 0, differ = 0;
  for (let i = 0; i < count; i++) {
    right += ours.predictions[i] === labels[i] ? 1 : 0;
    torchRight += torch.predictions[i] === labels[i] ? 1 : 0;
    differ += ours.predictions[i] !== torch.predictions[i] ? 1 : 0;
  }
  const result = {
    date: new Date().toISOString(), node: process.version, provenance: provenance({ adapter: ours.adapter }), images: count, batch,
    webvit: { weights: SHIPPED_WEIGHTS.efficientvit_m0, accuracy: right / count, gpuMs: ours.ms, totalS: (performance.now() - t0) / 1000 },
    pytorch: { weights: torch.checkpoint, torch: torch.torch, accuracy: torchRight / count },
    differ, differShare: differ / count,
  };
  const dir = values.out ? `${path.resolve(values.out)}/` : fileURLToPath(new URL('results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}accuracy.json`, JSON.stringify(result, null, 1) + '\n');
  const table = [
    `Measured ${result.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run accuracy\` on the ${count.toLocaleString('en-US')} Fashion-MNIST test images (Node ${process.version}, batches of ${batch}).`, '',
    '| runtime | weights | top-1 | predictions that differ from PyTorch\'s |', '|---|---|---:|---:|',
    `| webvit | ${result.webvit.weights} (f16, BatchNorms folded) | ${(100 * result.webvit.accuracy).toFixed(2)} % | ${differ} (${(100 * result.differShare).toFixed(2)} %) |`,
    `| PyTorch ${torch.torch} | ${torch.checkpoint} (f32, as trained) | ${(100 * result.pytorch.accuracy).toFixed(2)} % | — |`,
    '', provenanceLine(result.provenance),
  ].join('\n');
  writeFileSync(`${dir}accuracy.md`, `# Accuracy parity\n\n${table}\n`);
  if (values.out) return void console.log(table);
  const readme = fileURLToPath(new URL('../README.md', import.meta.url)), text = readFileSync(readme, 'utf8');
  const BEGIN = '<!-- accuracy:begin (npm run accuracy writes this table) -->', END = '<!-- accuracy:end -->';
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  if (a >= 0 && b > a) writeFileSync(readme, `${text.slice(0, a + BEGIN.length)}\n${table}\n${text.slice(b)}`);
  console.log(table);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
