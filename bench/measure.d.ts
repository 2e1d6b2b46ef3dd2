// Types of bench/measure.js (plain JS: the benchmark page imports it too).
export interface MeasureSpec { runtime: string; model: string; res: number; cases: { batch: number }[]; runs: number; minRuns: number; budgetMs: number; skipBatchAboveMs: number; coldOnly?: boolean }
export interface OpenedRuntime {
  run(x: Float32Array, batch: number): Promise<ArrayLike<number>>;
  gpuMs(batch: number): Promise<number | null>;
  describe(batch: number): Promise<{ flops: number; pipelines: number } | null>;
  memory(): Record<string, number> | null;
  dispose(): unknown;
}
export interface GpuCounters { live: number; peak: number; buffers: number; dispatches: number; submits: number }
export interface MeasuredCase {
  batch: number; logits: number[]; times: number[]; gpuTimes: number[]; reduced: boolean;
  graph: { flops: number; pipelines: number } | null;
  perRun: { dispatches: number; submits: number; buffersCreated: number };
}
export interface MeasureResult {
  coldMs: number; firstLogits: number[]; gpuBytes: { afterLoad: number; peak: number }; memory: Record<string, number> | null;
  cases: (MeasuredCase | { batch: number; skipped: string })[];
}
export function measure(spec: MeasureSpec, inputs: Float32Array[], open: () => Promise<OpenedRuntime>, counters: () => GpuCounters): Promise<MeasureResult>;
