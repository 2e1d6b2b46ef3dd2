// The demo's speed panel: warm runs of the loaded model at a batch, with its plan's counts and memory.
import { median } from '../src/util/median.ts';
import { $, act, fmt, mib, positiveInt } from './page.ts';
import { ensureModel } from './model.ts';
import { lastImages } from './images.ts';

const percentile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(q * s.length))]; };

$('measure').addEventListener('click', () => act(async () => {
  const m = await ensureModel(), c = m.classifier;
  const runs = positiveInt('runs', 'Runs', 3, 200) ?? 20, batch = positiveInt('batch', 'Batch', 1, 16) ?? 1;
  const n = 3 * c.resolution * c.resolution;
  const x = lastImages.length ? await c.input(lastImages[0].input) : new Float32Array(n);
  const input = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) input.set(x, b * n);
  await c.run(input); // builds this batch's plan, warms up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    $('phase').textContent = `measuring: run ${i + 1} of ${runs}`;
    const t = performance.now();
    await c.run(input);
    times.push(performance.now() - t);
  }
  $('phase').textContent = '';
  const s = await c.stats(batch), d = await c.details();
  const rows: [string, string][] = [
    ['cold start (weights → ready)', `${fmt(m.coldMs / 1000, 2)} s`],
    ...(m.firstMs !== null ? [['first inference', `${fmt(m.firstMs, 1)} ms`] as [string, string]] : []),
    [`warm, batch ${batch}: median`, `${fmt(median(times))} ms`],
    ['warm: p90', `${fmt(percentile(times, 0.9))} ms`],
    ['images / s', fmt((1000 * batch) / median(times), 1)],
    ['dispatches / submits per inference', `${s.dispatches} / 1`],
    ['GPU memory: weights / activations / peak', `${mib(d.memory.weights)} / ${mib(s.activationBytes)} / ${mib(d.memory.peak)}`],
    ['pipelines', String(s.pipelines)],
    ['adapter', `${d.adapter.vendor} ${d.adapter.architecture}${d.fallback ? ' (CPU fallback)' : ''}`],
  ];
  const table = $<HTMLTableElement>('speed');
  table.textContent = '';
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  table.dataset.median = String(median(times));
}));
