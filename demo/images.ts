// The demo's image panel: images from the samples, files, drops and pastes classified as one batch,
// each shown as the model sees it with its top classes.
import { topClasses, type Classification, type ImageInput } from '../src/browser.ts';
import { $, act, fmt, positiveInt, showError } from './page.ts';
import { ensureModel, type DemoModel } from './model.ts';

export type PickedImage = { input: ImageInput; name: string };
/** The images classified last (the query of the features panel, the input of the speed panel). */
export let lastImages: PickedImage[] = [];

/** The model's input shown as the model sees it: the crop, with the normalisation undone. */
export function inputCanvas(x: Float32Array, c: DemoModel): HTMLCanvasElement {
  const res = c.resolution, { mean, std } = c.preprocessing;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = res;
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    for (let ch = 0; ch < 3; ch++) img.data[i * 4 + ch] = (x[ch * res * res + i] * std[ch] + mean[ch]) * 255;
    img.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  return canvas;
}

function resultView(name: string, x: Float32Array, top: Classification[], c: DemoModel): HTMLElement {
  const fig = document.createElement('figure');
  fig.className = 'result';
  fig.style.margin = '0';
  const left = document.createElement('div');
  left.append(inputCanvas(x, c));
  const cap = document.createElement('figcaption');
  cap.textContent = `${name} → ${c.resolution}×${c.resolution}`;
  left.append(cap);
  const list = document.createElement('ol');
  list.className = 'top5';
  list.setAttribute('aria-label', `top ${top.length} classes for ${name}`);
  for (const t of top) {
    const li = document.createElement('li');
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(100 * t.probability).toFixed(1)}%`;
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = t.label;
    const p = document.createElement('span');
    p.className = 'p';
    p.textContent = `${fmt(100 * t.probability, 1)} %`;
    li.append(bar, label, p);
    list.append(li);
  }
  fig.append(left, list);
  return fig;
}

/** Classifies the images as one batch (the batch field repeats them to fill it) and shows each. */
export async function classify(images: PickedImage[]): Promise<void> {
  lastImages = images;
  const m = await ensureModel();
  if (m.classifier.classes === 0) {
    $('results').textContent = `${m.classifier.name} here is a backbone without a classifier head: see its features below (5 · Features)`;
    return;
  }
  const c = m.classifier, batch = Math.max(images.length, positiveInt('batch', 'Batch', 1, 16) ?? 1);
  const inputs = await Promise.all(images.map((i) => c.input(i.input)));
  const n = 3 * c.resolution * c.resolution, x = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) x.set(inputs[b % inputs.length], b * n);
  const t = performance.now();
  const { logits } = await c.run(x);
  m.firstMs ??= performance.now() - t;
  const out = $('results');
  out.textContent = '';
  images.forEach((img, b) => {
    const row = logits.subarray(b * c.classes, (b + 1) * c.classes);
    const view = resultView(img.name, inputs[b], topClasses(row, Math.min(5, c.classes), c.labels), c);
    view.dataset.logits = JSON.stringify(Array.from(row)); // the raw numbers, for whoever inspects the page
    out.append(view);
  });
  document.body.dataset.classified = String(Number(document.body.dataset.classified ?? 0) + 1);
}

const imageFiles = (files: Iterable<File>) => [...files].filter((f) => f.type.startsWith('image/')).map((f) => ({ input: f as ImageInput, name: f.name }));

$('image').addEventListener('change', () => {
  const files = imageFiles($<HTMLInputElement>('image').files ?? []);
  if (files.length) void act(() => classify(files));
});

export async function loadSamples(): Promise<{ file: string; label: string }[]> {
  const r = await fetch('demo/samples/samples.json');
  if (!r.ok) throw new Error(`demo/samples/samples.json: HTTP ${r.status}`);
  const samples = await r.json() as { file: string; label: string }[];
  for (const s of samples) {
    const b = document.createElement('button');
    b.type = 'button';
    b.title = `${s.label} (Fashion-MNIST test image)`;
    b.setAttribute('role', 'listitem');
    const img = document.createElement('img');
    img.src = `demo/samples/${s.file}`;
    img.alt = s.label;
    b.append(img);
    b.addEventListener('click', () => act(() => classify([{ input: new URL(img.src), name: s.file }])));
    $('samples').append(b);
  }
  return samples;
}

// Drops: checkpoints on the model panel, images on the image panel; pastes: images.
export function dropZone(el: HTMLElement, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('dragover'); });
  el.addEventListener('dragleave', () => el.classList.remove('dragover'));
  el.addEventListener('drop', (e) => { e.preventDefault(); el.classList.remove('dragover'); onFiles([...(e.dataTransfer?.files ?? [])]); });
}
dropZone($('image-panel'), (files) => {
  const imgs = imageFiles(files);
  if (!imgs.length) return showError('drop image files (PNG, JPEG, WebP) here');
  void act(() => classify(imgs));
});
document.addEventListener('paste', (e) => {
  const imgs = imageFiles([...(e.clipboardData?.files ?? [])]);
  if (imgs.length) void act(() => classify(imgs.map((i, k) => ({ ...i, name: `pasted image ${k + 1}` }))));
});
