// The demo page (index.html): load a model (the shipped default, a file, or a URL), classify images
// (samples, files, drops, pastes, webcam), measure its speed, profile it, and show it as a backbone
// (a stage's feature maps, images ranked by embedding similarity). Uses only the public browser API
// (src/browser.ts) and the repo's median (src/util/median.ts), bundled to dist/demo.js by
// scripts/build.ts. Each panel is its own module (model, images, camera, speed, profile, features;
// page.ts their plumbing); this one wires the panels that act on each other and starts the page.
import { $, act, showError } from './page.ts';
import { ensureModel, setChoice } from './model.ts';
import { classify, dropZone, lastImages, loadSamples } from './images.ts';
import './camera.ts';
import './speed.ts';
import './profile.ts';
import './features.ts';

// A model loaded (by the button, or a checkpoint dropped on the model panel) classifies the last images again.
$('load').addEventListener('click', () => act(async () => { await ensureModel(); if (lastImages.length) await classify(lastImages); }));

dropZone($('model-panel'), (files) => {
  const f = files.find((x) => /\.(pth|pt|safetensors)$/i.test(x.name));
  if (!f) return showError(`drop a .pth or .safetensors checkpoint here (got ${files.map((x) => x.name).join(', ') || 'nothing'})`);
  const dt = new DataTransfer();
  dt.items.add(f);
  $<HTMLInputElement>('checkpoint').files = dt.files;
  setChoice('file');
  void act(async () => { await ensureModel(); if (lastImages.length) await classify(lastImages); });
});

// ---- start: the shipped model on the first sample, with no file chosen ----

if (!navigator.gpu) {
  showError('this browser has no WebGPU here: use Chrome or Edge 113+ (or another WebGPU browser) over https:// or http://localhost');
  document.body.dataset.ready = '1';
} else {
  loadSamples()
    .then((samples) => { document.body.dataset.ready = '1'; return act(() => classify([{ input: new URL(`demo/samples/${samples[0].file}`, location.href), name: samples[0].file }])); })
    .catch((e) => { showError(e); document.body.dataset.ready = '1'; });
}
