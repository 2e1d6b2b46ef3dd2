// A profile as a Chrome Trace Event file (opens in Perfetto and chrome://tracing): one process per
// schedule, one complete ("X") event per dispatch, laid end to end in execution order with its
// median GPU time, args carrying module, layer, kernel, ops, FLOPs, bytes and the roofline verdict.
import type { ProfileReport } from './profile.ts';

export interface TraceEvent {
  name: string; ph: 'X' | 'M'; pid: number; tid: number; ts?: number; dur?: number; cat?: string;
  args: Record<string, unknown>;
}

export function chromeTrace(report: ProfileReport): { traceEvents: TraceEvent[]; displayTimeUnit: 'ms'; otherData: Record<string, unknown> } {
  const traceEvents: TraceEvent[] = [];
  Object.values(report.schedules).forEach((s, pid) => {
    traceEvents.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: `${report.model} ${s.schedule} (${s.dispatches} dispatches)` } });
    traceEvents.push({ name: 'thread_name', ph: 'M', pid, tid: 0, args: { name: 'GPU queue' } });
    let ts = 0;
    for (const r of s.records) {
      const dur = r.ms * 1000;
      traceEvents.push({
        name: r.module || r.name, cat: r.category, ph: 'X', pid, tid: 0, ts, dur,
        args: {
          module: r.module, layer: r.layer, kernel: r.kernel, pipeline: r.pipeline, ops: r.ops.join(' '),
          flops: r.flops, bytes: r.bytesRead + r.bytesWritten, gflops: r.gflops, gbs: r.gbs, intensity: r.intensity, bound: r.bound,
        },
      });
      ts += dur;
    }
  });
  return {
    traceEvents, displayTimeUnit: 'ms',
    otherData: { model: report.model, input: report.input, adapter: report.adapter, timing: report.timing, roofs: { gflops: report.roofs.gflops, gbs: report.roofs.gbs } },
  };
}
