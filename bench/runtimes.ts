// Every runtime the model benchmark knows, in one table: bench/run.ts measures them, and the reports
// (bench/report-models.ts, bench/report-readme.ts) label and group their rows by it.
export type Engine = 'chromium' | 'firefox' | 'node';

export interface Runtime {
  /** the name on the command line (`--runtimes`) and in models.json */
  name: string;
  /** its column and row label in the tables */
  label: string;
  /** where it runs: a page in headless Chromium or Firefox, or this Node process */
  engine: Engine;
  /** it runs on the WebGPU adapter (its dispatches and submits are counted) */
  webgpu: boolean;
  /** the matrix weights' type on the device */
  weights: 'f32' | 'f16';
}

export const RUNTIMES = [
  { name: 'webvit', label: 'webvit', engine: 'chromium', webgpu: true, weights: 'f32' },
  { name: 'webvit-f16', label: 'webvit f16 weights', engine: 'chromium', webgpu: true, weights: 'f16' },
  { name: 'webvit-unfused', label: 'webvit unfused', engine: 'chromium', webgpu: true, weights: 'f32' },
  // The GPU kernel family forced (`kernels: 'gpu'`): on a CPU adapter, against `webvit` (its CPU family); on a GPU the default.
  { name: 'webvit-gpu-family', label: 'webvit GPU kernel family', engine: 'chromium', webgpu: true, weights: 'f32' },
  { name: 'ort-jsep', label: 'ORT-web WebGPU (JSEP)', engine: 'chromium', webgpu: true, weights: 'f32' },
  { name: 'ort-webgpu', label: 'ORT-web WebGPU (native)', engine: 'chromium', webgpu: true, weights: 'f32' },
  { name: 'ort-wasm-1', label: 'ORT-web wasm 1 thr', engine: 'chromium', webgpu: false, weights: 'f32' },
  { name: 'ort-wasm-2', label: 'ORT-web wasm 2 thr', engine: 'chromium', webgpu: false, weights: 'f32' },
  { name: 'ort-node', label: 'ORT-node CPU', engine: 'node', webgpu: false, weights: 'f32' },
  { name: 'webvit@firefox', label: 'webvit in Firefox', engine: 'firefox', webgpu: true, weights: 'f32' },
  { name: 'webvit-f16@firefox', label: 'webvit f16 weights in Firefox', engine: 'firefox', webgpu: true, weights: 'f16' },
  { name: 'ort-jsep@firefox', label: 'ORT-web WebGPU (JSEP) in Firefox', engine: 'firefox', webgpu: true, weights: 'f32' },
  { name: 'ort-webgpu@firefox', label: 'ORT-web WebGPU (native) in Firefox', engine: 'firefox', webgpu: true, weights: 'f32' },
] as const satisfies readonly Runtime[];

export type RuntimeName = (typeof RUNTIMES)[number]['name'];
export const RUNTIME_NAMES: readonly string[] = RUNTIMES.map((r) => r.name);

/** The runtime named `name`; throws naming the known ones. */
export function runtimeOf(name: string): Runtime {
  const r = RUNTIMES.find((x) => x.name === name);
  if (!r) throw new Error(`unknown runtime ${name}; one of ${RUNTIME_NAMES.join(', ')}`);
  return r;
}
export const label = (name: string): string => runtimeOf(name).label;
/** The names of the runtimes that match `p`, in the table's order. */
export const runtimesWhere = (p: (r: Runtime) => boolean): string[] => RUNTIMES.filter(p).map((r) => r.name);
