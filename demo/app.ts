// The demo page (index.html): load a model (the shipped default, a file, or a URL), classify images
// (samples, files, drops, pastes, webcam), measure its speed, profile it, and show it as a backbone
// (a stage's feature maps, images ranked by embedding similarity). Uses only the public
// browser API (src/browser.ts) and the repo's median (src/util/median.ts), bundled to dist/demo.js by scripts/build.ts.
import {
  load, loadInWorker, profile, profileSvg, chromeTrace, topClasses, MODELS, SHIPPED_WEIGHTS,
  type Classifier, type Classification, type FeatureMap, type ImageInput, type LoadOptions, type LoadProgress, type ProfileReport, type WeightsInput, type WorkerClassifier,
} from '../src/browser.ts';
import { median } from '../src/util/median.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const errorBox = $('error');
const fmt = (v: number, d = 1) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

/** What the page uses of a model: loadInWorker()'s classifier, or load()'s on the page where a worker has no WebGPU. */
type DemoModel = Pick<WorkerClassifier, 'name' | 'classes' | 'labels' | 'resolution' | 'preprocessing' | 'classify' | 'input' | 'run' | 'features' | 'embed' | 'details' | 'stats' | 'profile' | 'dispose'>;

/** load()'s classifier with the worker's shape. */
const onPage = (c: Classifier): DemoModel => ({
  name: c.name, classes: c.classes, labels: c.labels, resolution: c.resolution, preprocessing: c.preprocessing,
  classify: ((i: ImageInput[], o?: object) => c.classify(i, o)) as DemoModel['classify'],
  input: (i) => c.input(i), run: (x, shape) => c.run(x, shape), features: (i, o) => c.features(i, o),
  embed: ((i: ImageInput[], o?: object) => c.embed(i, o)) as DemoModel['embed'],
  details: async () => c.details(), stats: async (b = 1) => ({ ...(await c.model.plan(b, c.resolution, c.resolution)).stats }),
  profile: (o = {}) => profile(c.model, { height: c.resolution, width: c.resolution, ...o }), dispose: () => c.dispose(),
});

/**
 * The model in a worker (the page's thread never waits on it and opens no GPU device); on the page
 * where the browser gives workers no WebGPU (or the worker cannot start).
 */
async function loadModel(name: string, weights: WeightsInput | undefined, opts: LoadOptions): Promise<{ model: DemoModel; where: 'worker' | 'page' }> {
  try {
    return { model: await loadInWorker(name, weights, opts), where: 'worker' };
  } catch (e) {
    if (!/navigator\.gpu is missing|the webvit worker failed/.test((e as Error).message)) throw e;
    console.warn(`webvit demo: no WebGPU in a worker here (${(e as Error).message}); the model runs on the page`);
    return { model: onPage(await load(name, weights, opts)), where: 'page' };
  }
}

interface Loaded { classifier: DemoModel; key: string; coldMs: number; firstMs: number | null; source: string; where: 'worker' | 'page' }
let current: Loaded | null = null;
let lastImages: { input: ImageInput; name: string }[] = [];
let lastReport: ProfileReport | null = null;

function showError(e: unknown): void {
  errorBox.textContent = e instanceof Error ? e.message : String(e);
  console.error(e);
}

/** Runs user actions one after another (an image picked while a model loads waits for it), each with its error on the page. */
let queue: Promise<void> = Promise.resolve();
let pending = 0;
function act(what: () => Promise<void>): Promise<void> {
  pending++;
  document.body.dataset.busy = '1';
  queue = queue.then(async () => {
    errorBox.textContent = '';
    try { await what(); } catch (e) { showError(e); } finally { if (--pending === 0) delete document.body.dataset.busy; }
  });
  return queue;
}

// ---- model ----

const modelSelect = $<HTMLSelectElement>('model');
for (const name of Object.keys(MODELS)) modelSelect.add(new Option(name, name));
modelSelect.value = 'efficientvit_m0';
const radios = () => [...document.querySelectorAll<HTMLInputElement>('input[name=weights]')];
const weightsChoice = () => radios().find((r) => r.checked)?.value ?? 'shipped';
function setChoice(v: string): void { for (const r of radios()) r.checked = r.value === v; }

function updateShipped(): void {
  const shipped = SHIPPED_WEIGHTS[modelSelect.value];
  const radio = radios().find((r) => r.value === 'shipped')!;
  radio.disabled = !shipped;
  $('shipped-label').textContent = shipped ? `shipped: ${shipped}` : 'shipped (none for this model)';
  if (!shipped && radio.checked) setChoice('file');
}
modelSelect.addEventListener('change', updateShipped);
updateShipped();
$('checkpoint').addEventListener('change', () => setChoice('file'));
$('weights-url').addEventListener('input', () => setChoice('url'));

function positiveInt(id: string, what: string, min: number, max: number): number | undefined {
  const raw = $<HTMLInputElement>(id).value.trim();
  if (raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return v;
}

/** The weights the form asks for, and a key that says whether they are what is loaded. */
function chosenWeights(): { weights: WeightsInput | undefined; key: string; source: string } {
  // Resolution and weight dtype: a change of either means loading again.
  const name = modelSelect.value, settings = `${$<HTMLInputElement>('res').value.trim()}|${$<HTMLSelectElement>('dtype').value}`;
  const choice = weightsChoice();
  if (choice === 'file') {
    const f = $<HTMLInputElement>('checkpoint').files?.[0];
    if (!f) throw new Error(`choose a checkpoint file for ${name} (.pth as torch.save writes it, or .safetensors), or drop one on the model panel`);
    return { weights: f, key: `${name}|${settings}|file|${f.name}|${f.size}|${f.lastModified}`, source: f.name };
  }
  if (choice === 'url') {
    const u = $<HTMLInputElement>('weights-url').value.trim();
    let url: URL;
    try { url = new URL(u, location.href); } catch { throw new Error(`"${u}" is not a URL`); }
    return { weights: url, key: `${name}|${settings}|url|${url}`, source: String(url) };
  }
  return { weights: undefined, key: `${name}|${settings}|shipped`, source: SHIPPED_WEIGHTS[name] ?? '' };
}

let fromCache = false;
function onProgress(p: LoadProgress): void {
  if (p.cached) fromCache = true;
  const bar = $<HTMLProgressElement>('progress');
  bar.hidden = false;
  bar.value = p.total > 0 ? p.loaded / p.total : 0;
  const amount = p.phase === 'compile' ? `${p.loaded} / ${p.total} pipelines` : p.total > 0 && p.phase !== 'fold' ? `${mib(p.loaded)} / ${mib(p.total)}` : '';
  $('phase').textContent = `${{ read: p.cached ? 'reading from the cache' : 'reading', parse: 'parsing', fold: 'folding BatchNorms', upload: 'uploading', compile: 'compiling' }[p.phase]} ${amount}`;
}

async function ensureModel(): Promise<Loaded> {
  const want = chosenWeights();
  if (current?.key === want.key) return current;
  current?.classifier.dispose();
  current = null;
  enableAfterLoad(false);
  const t0 = performance.now();
  fromCache = false;
  const dtype = $<HTMLSelectElement>('dtype').value as 'auto' | 'f32' | 'f16';
  const { model: classifier, where } = await loadModel(modelSelect.value, want.weights, { resolution: positiveInt('res', 'Resolution', 32, 1024), dtype, onProgress })
    .finally(() => { $<HTMLProgressElement>('progress').hidden = true; });
  current = { classifier, key: want.key, coldMs: performance.now() - t0, firstMs: null, source: want.source, where };
  document.body.dataset.runtime = where;
  const d = await classifier.details(), a = d.adapter;
  $('adapter').textContent = `WebGPU adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' · ') || 'unknown'}` +
    (d.fallback ? ' — a CPU fallback: everything works, slowly' : '');
  $('phase').textContent = `loaded in ${fmt(current.coldMs / 1000, 2)} s${fromCache ? ' (weights from the browser\'s cache)' : ''}`;
  document.body.dataset.weightsCached = String(fromCache);
  document.body.dataset.coldMs = String(current.coldMs);
  $('model-info').textContent = `${d.name} from ${want.source}: ` +
    (d.classes ? `${d.classes} classes (${classifier.labels.slice(0, 3).join(', ')}, …), ` : `a backbone without a classifier head (set aside: ${Object.keys(d.setAside).join(', ') || 'nothing'}), `) +
    `${d.resolution}×${d.resolution} input, ${mib(d.memory.weights)} of weights on the GPU (matrices ${d.weights}), running ${where === 'worker' ? 'in a worker' : 'on the page'}`;
  const stage = $<HTMLSelectElement>('stage');
  stage.textContent = '';
  for (const s of d.stages) stage.add(new Option(`${s.name} (stride ${s.stride || '—'}, ${s.channels} channels)`, s.name));
  enableAfterLoad(true);
  return current;
}

function enableAfterLoad(on: boolean): void {
  for (const id of ['measure', 'profile', 'show-features', 'rank']) $<HTMLButtonElement>(id).disabled = !on;
  if (!on) {
    $<HTMLButtonElement>('trace').disabled = true;
    for (const id of ['speed', 'chart', 'layers', 'feature-grid', 'similar', 'features-status']) $(id).textContent = '';
  }
}

$('load').addEventListener('click', () => act(async () => { await ensureModel(); if (lastImages.length) await classify(lastImages); }));

// ---- images ----

/** The model's input shown as the model sees it: the crop, with the normalisation undone. */
function inputCanvas(x: Float32Array, c: DemoModel): HTMLCanvasElement {
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
async function classify(images: { input: ImageInput; name: string }[]): Promise<void> {
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

async function loadSamples(): Promise<{ file: string; label: string }[]> {
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
function dropZone(el: HTMLElement, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('dragover'); });
  el.addEventListener('dragleave', () => el.classList.remove('dragover'));
  el.addEventListener('drop', (e) => { e.preventDefault(); el.classList.remove('dragover'); onFiles([...(e.dataTransfer?.files ?? [])]); });
}
dropZone($('model-panel'), (files) => {
  const f = files.find((x) => /\.(pth|pt|safetensors)$/i.test(x.name));
  if (!f) return showError(`drop a .pth or .safetensors checkpoint here (got ${files.map((x) => x.name).join(', ') || 'nothing'})`);
  const dt = new DataTransfer();
  dt.items.add(f);
  $<HTMLInputElement>('checkpoint').files = dt.files;
  setChoice('file');
  void act(async () => { await ensureModel(); if (lastImages.length) await classify(lastImages); });
});
dropZone($('image-panel'), (files) => {
  const imgs = imageFiles(files);
  if (!imgs.length) return showError('drop image files (PNG, JPEG, WebP) here');
  void act(() => classify(imgs));
});
document.addEventListener('paste', (e) => {
  const imgs = imageFiles([...(e.clipboardData?.files ?? [])]);
  if (imgs.length) void act(() => classify(imgs.map((i, k) => ({ ...i, name: `pasted image ${k + 1}` }))));
});

// Webcam: a live preview, and a snapshot classified as an image.
let stream: MediaStream | null = null;
$('camera').addEventListener('click', () => act(async () => {
  const video = $<HTMLVideoElement>('video');
  if (stream) {
    setLive(false);
    for (const t of stream.getTracks()) t.stop();
    stream = null; video.hidden = true; $('snap').hidden = true; $('live').hidden = true; $('camera').textContent = 'Webcam';
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives no camera access here (it needs https:// or http://localhost)');
  stream = await navigator.mediaDevices.getUserMedia({ video: true });
  video.srcObject = stream;
  video.hidden = false;
  $('snap').hidden = false;
  $('live').hidden = false;
  $('camera').textContent = 'Stop webcam';
}));

// Live: every frame the model can take is classified (requestVideoFrameCallback); a frame that comes
// while the previous one is still being classified is dropped, never queued.
let live = false, busy = false, dropped = 0;
const done: { at: number; ms: number }[] = [];

function setLive(on: boolean): void {
  live = on;
  $('live').textContent = on ? 'Pause live' : 'Live: classify every frame';
  $('live').setAttribute('aria-pressed', String(on));
  $('live-view').hidden = !on && !done.length;
  if (on) { dropped = 0; done.length = 0; $<HTMLVideoElement>('video').requestVideoFrameCallback(onFrame); }
}

function onFrame(): void {
  if (!live) return;
  const video = $<HTMLVideoElement>('video');
  video.requestVideoFrameCallback(onFrame);
  const m = current;
  if (busy || !m || m.classifier.classes === 0) { dropped++; return; }
  busy = true;
  const t = performance.now();
  void createImageBitmap(video).then(async (frame) => {
    try { return await m.classifier.classify(frame as ImageInput, { topK: 5 }); } finally { frame.close(); }
  }).then((top) => {
    const now = performance.now();
    done.push({ at: now, ms: now - t });
    while (done.length && done[0].at < now - 2000) done.shift();
    const list = $('live-top');
    list.textContent = '';
    for (const c of top) {
      const li = document.createElement('li');
      li.textContent = `${c.label} ${fmt(100 * c.probability, 1)} %`;
      list.append(li);
    }
    list.dataset.top1 = top[0].label;
    list.dataset.frames = String(Number(list.dataset.frames ?? 0) + 1);
    const fps = done.length > 1 ? (1000 * (done.length - 1)) / (done[done.length - 1].at - done[0].at) : 0;
    $('live-stats').textContent = `${fmt(fps, 1)} frames/s classified, ${fmt(median(done.map((d) => d.ms)), 1)} ms per frame ` +
      `(decode, preprocessing and inference${current?.where === 'worker' ? ', in the worker' : ''}), ${dropped} frames dropped`;
  }).catch(showError).finally(() => { busy = false; });
}

$('live').addEventListener('click', () => setLive(!live));
$('snap').addEventListener('click', () => act(async () => {
  const video = $<HTMLVideoElement>('video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext('2d')!.drawImage(video, 0, 0);
  await classify([{ input: canvas, name: 'webcam snapshot' }]);
}));

// ---- speed ----

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

// ---- profile ----

$('profile').addEventListener('click', () => act(async () => {
  const c = (await ensureModel()).classifier;
  const status = $('profile-status');
  status.textContent = 'profiling: both schedules, 5 runs each';
  lastReport = await c.profile({ runs: 5, weights: current?.source });
  status.textContent = `timing: ${lastReport.timing.method}, median of ${lastReport.timing.runs} runs`;
  $('chart').innerHTML = profileSvg(lastReport); // SVG made by webvit from numbers and the model's own layer and category names
  layerTable(lastReport);
  $<HTMLButtonElement>('trace').disabled = false;
}));

$('trace').addEventListener('click', () => {
  if (!lastReport) return;
  const blob = new Blob([JSON.stringify(chromeTrace(lastReport))], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${lastReport.model}-${lastReport.input.height}-trace.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

type LayerRow = { layer: string; fusedMs: number; unfusedMs: number; saved: number; fusedDispatches: number; unfusedDispatches: number };
const COLUMNS: [keyof LayerRow, string][] = [
  ['layer', 'layer'], ['fusedMs', 'fused ms'], ['unfusedMs', 'unfused ms'], ['saved', 'fusion saves'], ['fusedDispatches', 'fused dispatches'], ['unfusedDispatches', 'unfused dispatches'],
];
let sortBy: { key: keyof LayerRow; dir: 1 | -1 } = { key: 'unfusedMs', dir: -1 };

function layerTable(report: ProfileReport): void {
  const rows: LayerRow[] = (report.comparison?.layers ?? []).map((l) => ({ ...l, saved: l.unfusedMs > 0 ? 1 - l.fusedMs / l.unfusedMs : 0 }));
  const table = $<HTMLTableElement>('layers');
  const draw = () => {
    const { key, dir } = sortBy;
    rows.sort((a, b) => (typeof a[key] === 'string' ? String(a[key]).localeCompare(String(b[key])) : (a[key] as number) - (b[key] as number)) * dir);
    table.textContent = '';
    const head = table.createTHead().insertRow();
    for (const [k, title] of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = title;
      th.tabIndex = 0;
      th.setAttribute('aria-sort', k === key ? (dir === 1 ? 'ascending' : 'descending') : 'none');
      const sort = () => { sortBy = { key: k, dir: sortBy.key === k ? (-sortBy.dir as 1 | -1) : k === 'layer' ? 1 : -1 }; draw(); };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = r.layer;
      tr.insertCell().textContent = fmt(r.fusedMs, 2);
      tr.insertCell().textContent = fmt(r.unfusedMs, 2);
      tr.insertCell().textContent = `${fmt(100 * r.saved, 0)} %`;
      tr.insertCell().textContent = String(r.fusedDispatches);
      tr.insertCell().textContent = String(r.unfusedDispatches);
    }
  };
  draw();
}

// ---- features ----

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

// ---- start: the shipped model on the first sample, with no file chosen ----

if (!navigator.gpu) {
  showError('this browser has no WebGPU here: use Chrome or Edge 113+ (or another WebGPU browser) over https:// or http://localhost');
  document.body.dataset.ready = '1';
} else {
  loadSamples()
    .then((samples) => { document.body.dataset.ready = '1'; return act(() => classify([{ input: new URL(`demo/samples/${samples[0].file}`, location.href), name: samples[0].file }])); })
    .catch((e) => { showError(e); document.body.dataset.ready = '1'; });
}
