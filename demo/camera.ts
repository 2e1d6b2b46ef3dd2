// The demo's webcam: a live preview, a snapshot classified as an image, and live classification of
// every frame the model can take.
import type { ImageInput } from '../src/browser.ts';
import { median } from '../src/util/median.ts';
import { $, act, fmt, showError } from './page.ts';
import { current } from './model.ts';
import { classify } from './images.ts';

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
