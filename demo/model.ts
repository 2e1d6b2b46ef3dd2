// The demo's model panel: which model and weights (shipped, a file, a URL), loading it (in a worker,
// on the page where workers have no WebGPU) with its progress, and what the page shows about it.
import {
  load, loadInWorker, profile, MODELS, SHIPPED_WEIGHTS,
  type Classifier, type ImageInput, type LoadOptions, type LoadProgress, type WeightsInput, type WorkerClassifier,
} from '../src/browser.ts';
import { $, fmt, mib, positiveInt } from './page.ts';

/** What the page uses of a model: loadInWorker()'s classifier, or load()'s on the page where a worker has no WebGPU. */
export type DemoModel = Pick<WorkerClassifier, 'name' | 'classes' | 'labels' | 'resolution' | 'preprocessing' | 'classify' | 'input' | 'run' | 'features' | 'embed' | 'details' | 'stats' | 'profile' | 'dispose'>;

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

export interface Loaded { classifier: DemoModel; key: string; coldMs: number; firstMs: number | null; source: string; where: 'worker' | 'page' }
/** The model loaded now (null while none is, or while one loads). */
export let current: Loaded | null = null;

const modelSelect = $<HTMLSelectElement>('model');
for (const name of Object.keys(MODELS)) modelSelect.add(new Option(name, name));
modelSelect.value = 'efficientvit_m0';
const radios = () => [...document.querySelectorAll<HTMLInputElement>('input[name=weights]')];
const weightsChoice = () => radios().find((r) => r.checked)?.value ?? 'shipped';
export function setChoice(v: string): void { for (const r of radios()) r.checked = r.value === v; }

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

export async function ensureModel(): Promise<Loaded> {
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

export function enableAfterLoad(on: boolean): void {
  for (const id of ['measure', 'profile', 'show-features', 'rank']) $<HTMLButtonElement>(id).disabled = !on;
  if (!on) {
    $<HTMLButtonElement>('trace').disabled = true;
    for (const id of ['speed', 'chart', 'layers', 'feature-grid', 'similar', 'features-status']) $(id).textContent = '';
  }
}
