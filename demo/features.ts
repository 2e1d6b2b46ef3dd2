// The demo's features panel: a stage's feature maps over the image, and images ranked by embedding
// similarity (the model as a backbone).
import type { FeatureMap, ImageInput } from '../src/browser.ts';
import { $, act, fmt } from './page.ts';
import { ensureModel } from './model.ts';
import { inputCanvas, lastImages } from './images.ts';

/** A colour ramp for a heat map: dark blue → yellow, opaque enough to read over the image. */
function ramp(t: number): [number, number, number] {
  const c = Math.max(0, Math.min(1, t));
  return [Math.round(255 * Math.min(1, 2 * c)), Math.round(255 * c), Math.round(255 * (1 - c) * 0.8)];
}

/** Channel `ch` of image 0 of a [B, C, H, W] map, min–max scaled, over the input image (drawn at the map's size × 4). */
function channelTile(map: FeatureMap, ch: number, image: HTMLCanvasElement): HTMLElement {
  const [, , H, W] = map.shape, plane = map.data.subarray(ch * H * W, (ch + 1) * H * W);
  let lo = Infinity, hi = -Infinity;
  for (const v of plane) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const heat = document.createElement('canvas');
  heat.width = W; heat.height = H;
  const img = new ImageData(W, H);
  plane.forEach((v, i) => { const [r, g, b] = ramp(hi > lo ? (v - lo) / (hi - lo) : 0); img.data.set([r, g, b, 170], i * 4); });
  heat.getContext('2d')!.putImageData(img, 0, 0);
  const canvas = document.createElement('canvas');
  canvas.width = W * 4; canvas.height = H * 4;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
  const fig = document.createElement('figure');
  const cap = document.createElement('figcaption');
  cap.textContent = `ch ${ch}`;
  fig.append(canvas, cap);
  return fig;
}

const MAX_TILES = 64;

$('show-features').addEventListener('click', () => act(async () => {
  const c = (await ensureModel()).classifier;
  const image = lastImages[0];
  if (!image) throw new Error('pick an image first (a sample, a file, or the webcam)');
  const stage = $<HTMLSelectElement>('stage').value;
  const t = performance.now();
  const [map] = await c.features(image.input, { stages: [stage] });
  const ms = performance.now() - t;
  const x = await c.input(image.input);
  const grid = $('feature-grid');
  grid.textContent = '';
  const channels = Math.min(map.shape[1], MAX_TILES);
  const base = inputCanvas(x, c);
  for (let ch = 0; ch < channels; ch++) grid.append(channelTile(map, ch, base));
  grid.dataset.stage = stage;
  grid.dataset.shape = JSON.stringify(map.shape);
  $('features-status').textContent = `${image.name}: ${stage} [${map.shape.join(', ')}]${map.stride ? `, stride ${map.stride}` : ''} in ${fmt(ms)} ms` +
    (map.shape[1] > channels ? `; the first ${channels} of ${map.shape[1]} channels` : '');
}));

/** Cosine similarity of two vectors. */
function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

$('rank').addEventListener('click', () => act(async () => {
  const c = (await ensureModel()).classifier;
  const samples = [...document.querySelectorAll<HTMLImageElement>('#samples img')].map((img) => ({ input: new URL(img.src) as ImageInput, name: img.src.split('/').pop()!, src: img.src }));
  // The query: the image picked last (or the first sample); the pool: the samples and the images picked.
  const own = lastImages.filter((i) => !samples.some((s) => i.input instanceof URL && String(i.input) === s.src)).map((i) => ({ ...i, src: '' }));
  const pool = [...own, ...samples];
  const query = lastImages[0] ?? samples[0];
  const vectors = await c.embed([query.input, ...pool.map((p) => p.input)]);
  const ranked = pool.map((p, i) => ({ ...p, score: cosine(vectors[0], vectors[i + 1]) })).sort((a, b) => b.score - a.score);
  const list = $('similar');
  list.textContent = '';
  for (const r of ranked) {
    const li = document.createElement('li');
    li.dataset.score = String(r.score);
    li.dataset.name = r.name;
    if (r.src) { const img = document.createElement('img'); img.src = r.src; img.alt = r.name; li.append(img); } else li.append(inputCanvas(await c.input(r.input), c));
    const cap = document.createElement('span');
    cap.textContent = `${r.name}: ${fmt(r.score, 3)}`;
    li.append(cap);
    list.append(li);
  }
  $('features-status').textContent = `ranked by cosine similarity to ${query.name} (its ${vectors[0].length}-wide embedding)`;
}));
