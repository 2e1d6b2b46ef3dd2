// The benchmark page's code (bench/run.ts drives it, one fresh page per measurement):
//   window.bench.run(spec)      opens one runtime — webvit (fused or unfused schedule) or
//                               onnxruntime-web (WebGPU JSEP, WebGPU native, wasm) — on weights
//                               already in memory, and measures cold start, warm runs, GPU memory and
//                               GPU work per run; every runtime is counted the same way (WebGPU calls
//                               are wrapped before any device exists);
//   window.bench.kernels(spec)  measures the adapter's roofs, then profiles models (every dispatch
//                               timed at the shapes the model uses): the kernel micro-benchmarks.
import * as webvit from '../../dist/webvit.js';
import { measure } from '../measure.js';

const ORT = new URL('../peers/node_modules/onnxruntime-web/dist/', import.meta.url).href;
/** The package's own entries: "onnxruntime-web" (JSEP), "onnxruntime-web/webgpu" (native WebGPU EP), "onnxruntime-web/wasm". */
const ORT_BUNDLES = { 'ort-jsep': 'ort.min.mjs', 'ort-webgpu': 'ort.webgpu.min.mjs', 'ort-wasm': 'ort.wasm.min.mjs' };

// --- GPU counters: bytes of buffers created and not destroyed (now, peak), buffers created, dispatches, submits.
const gpu = { live: 0, peak: 0, buffers: 0, dispatches: 0, submits: 0 };
const sizes = new WeakMap();
if (globalThis.GPUDevice) {
  const wrap = (proto, name, before) => {
    const f = proto[name];
    proto[name] = function (...args) { const r = f.apply(this, args); before.call(this, r, ...args); return r; };
  };
  wrap(GPUDevice.prototype, 'createBuffer', (buf, desc) => { sizes.set(buf, desc.size); gpu.live += desc.size; gpu.peak = Math.max(gpu.peak, gpu.live); gpu.buffers++; });
  const destroy = GPUBuffer.prototype.destroy;
  GPUBuffer.prototype.destroy = function () { const s = sizes.get(this); if (s !== undefined) { gpu.live -= s; sizes.delete(this); } return destroy.call(this); };
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroups', () => { gpu.dispatches++; });
  wrap(GPUComputePassEncoder.prototype, 'dispatchWorkgroupsIndirect', () => { gpu.dispatches++; });
  wrap(GPUQueue.prototype, 'submit', () => { gpu.submits++; });
}

const bytesAt = async (url) => {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
};
const floatsAt = async (url) => { const b = await bytesAt(url); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };

/** A webvit plan's FLOPs (Σ over its dispatches) and pipelines. */
const describe = (plan) => ({ flops: plan.steps.reduce((a, s) => a + s.node.flops, 0), pipelines: plan.stats.pipelines });

/** One runtime behind one interface: run(x, batch) → logits; gpuMs(batch) (webvit: timestamp queries); describe(batch); memory(); dispose(). */
async function open(spec, weights) {
  const { runtime, model, res } = spec;
  if (runtime === 'webvit' || runtime === 'webvit-f16' || runtime === 'webvit-gpu-family') {
    // webvit: float32 weights (what a .pth gives with dtype 'auto' on most adapters), the adapter's kernel family;
    // webvit-f16: half matrix weights; webvit-gpu-family: the GPU kernel family forced.
    const c = await webvit.load(model, weights, { resolution: res, dtype: runtime === 'webvit-f16' ? 'f16' : 'f32', ...(runtime === 'webvit-gpu-family' ? { kernels: 'gpu' } : {}) });
    const plan = (b) => c.model.plan(b, res, res);
    return {
      run: async (x, b) => (await c.run(x, [b, 3, res, res])).logits,
      gpuMs: async (b) => webvit.gpuPassMs(await plan(b)),
      describe: async (b) => describe(await plan(b)),
      memory: () => c.model.memory(),
      dispose: () => c.dispose(),
    };
  }
  if (runtime === 'webvit-unfused') {
    const m = webvit.Model.fromBytes(await webvit.browserRuntime(), model, weights);
    const plan = (b) => m.plan(b, res, res, 'unfused');
    return {
      run: async (x, b) => (await m.run(x, b, res, res, 'unfused')).logits,
      gpuMs: async (b) => webvit.gpuPassMs(await plan(b)),
      describe: async (b) => describe(await plan(b)),
      memory: () => m.memory(),
      dispose: () => { m.destroy(); m.runtime.gpu.device.destroy(); },
    };
  }
  const bundle = ORT_BUNDLES[runtime];
  if (!bundle) throw new Error(`unknown runtime ${runtime}`);
  const ort = await import(ORT + bundle);
  ort.env.wasm.wasmPaths = ORT;
  ort.env.wasm.numThreads = spec.threads ?? 1;
  ort.env.logLevel = 'error';
  const session = await ort.InferenceSession.create(weights, {
    executionProviders: [runtime === 'ort-wasm' ? 'wasm' : 'webgpu'], graphOptimizationLevel: 'all',
  });
  return {
    run: async (x, b) => {
      const out = await session.run({ input: new ort.Tensor('float32', x, [b, 3, res, res]) });
      return out.logits.getData ? await out.logits.getData() : out.logits.data;
    },
    gpuMs: async () => null,
    describe: async () => null,
    memory: () => null,
    dispose: () => session.release(),
  };
}

/** spec: see bench/measure.js; weightsUrl and each case's inputUrl are fetched into memory first. */
async function run(spec) {
  const weights = await bytesAt(spec.weightsUrl);
  const inputs = await Promise.all(spec.cases.map((c) => floatsAt(c.inputUrl)));
  return measure(spec, inputs, () => open(spec, weights), () => ({ ...gpu }));
}

/** spec: { models: [{ name, weightsUrl }], schedules, runs }. The roofs measured now, then each model's profile (the profiler keeps those roofs). */
async function kernels(spec) {
  const rt = await webvit.browserRuntime();
  try {
    const roofs = await webvit.measureRoofs(rt);
    const profiles = [];
    for (const m of spec.models) {
      const model = webvit.Model.fromBytes(rt, m.name, await bytesAt(m.weightsUrl));
      try {
        profiles.push(await webvit.profile(model, { schedules: spec.schedules, runs: spec.runs }));
      } finally {
        model.destroy();
      }
    }
    return { roofs, adapter: rt.gpu.adapterInfo, fallback: rt.gpu.isFallback, tuning: rt.tuning, userAgent: navigator.userAgent, profiles };
  } finally {
    rt.gpu.device.destroy();
  }
}

window.bench = { run, kernels, crossOriginIsolated: globalThis.crossOriginIsolated };
document.body.dataset.ready = '1';
