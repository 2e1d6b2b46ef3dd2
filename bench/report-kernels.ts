// The kernel micro-benchmarks' results: every dispatch the profiler timed (each model's fused,
// one-kernel-FFN and unfused schedules), grouped by kernel and by the shape it ran at, against the
// roofs measured in the same run. bench/run.ts writes them to bench/results/kernels.{json,md}.
import type { ProfileReport, DispatchRecord } from '../src/profile/profile.ts';
import type { Roofs } from '../src/profile/roofs.ts';
import { provenanceLine, type Provenance } from './provenance.ts';
import { median } from '../src/util/median.ts';

/** One kernel at one shape: every dispatch of that pipeline with those activations and grid. */
export interface KernelShapeRow {
  kernel: string; file: string;
  shape: string; workgroups: [number, number, number];
  flops: number; bytes: number;
  /** median of the dispatches' medians */
  ms: number;
  /** each dispatch's median (over the profile's runs), ms: what `ms` is the median of (results before it was kept have none) */
  dispatchMs?: number[];
  gflops: number; gbs: number; intensity: number; bound: 'memory' | 'compute';
  /** achieved / the roofline at this intensity (a copy: GB/s over the copy roof) */
  roofFraction: number;
  /** dispatches at this shape over all models and schedules, and Σ of their ms */
  count: number; totalMs: number;
  uses: string[];
}

export interface KernelFileRow { file: string; dispatches: number; shapes: number; totalMs: number; roofFraction: number; bestGflops: number; bestGbs: number }

export interface ScheduleSummary {
  model: string; schedule: string; dispatches: number; pipelines: number; wholeMs: number; gflops: number;
  /** Σ of the dispatch medians / the whole pass's median (absent in results from before it was recorded) */
  agreement?: number | null;
}

export interface KernelResults {
  schema: 'webvit-bench-kernels/1'; date: string; provenance: Provenance;
  roofs: Roofs; adapter: { vendor: string; architecture: string; device: string; description: string }; fallback: boolean; tuning: unknown; userAgent: string;
  /** every .wgsl in shaders/, and those no model dispatched */
  shaders: string[]; notDispatched: string[];
  files: KernelFileRow[]; rows: KernelShapeRow[]; schedules: ScheduleSummary[];
}

const shapeOf = (r: DispatchRecord) => Object.entries(r.tensors).map(([k, s]) => `${k} ${s.join('×')}`).join(', ');

export function kernelResults(base: Omit<KernelResults, 'schema' | 'notDispatched' | 'files' | 'rows' | 'schedules'>, profiles: ProfileReport[]): KernelResults {
  const { roofs } = base;
  const groups = new Map<string, { recs: DispatchRecord[]; uses: Set<string> }>();
  const schedules: ScheduleSummary[] = [];
  for (const p of profiles) {
    for (const [schedule, sp] of Object.entries(p.schedules)) {
      if (!sp) continue;
      schedules.push({ model: p.model, schedule, dispatches: sp.dispatches, pipelines: sp.pipelines, wholeMs: sp.wholeMs, gflops: sp.flops / sp.wholeMs / 1e6, agreement: sp.agreement });
      for (const r of sp.records) {
        const key = `${r.pipeline}|${shapeOf(r)}|${r.workgroups}`;
        const g = groups.get(key) ?? { recs: [], uses: new Set<string>() };
        g.recs.push(r);
        g.uses.add(`${p.model} ${schedule} ${r.module || r.layer}`);
        groups.set(key, g);
      }
    }
  }
  const rows = [...groups.values()].map(({ recs, uses }): KernelShapeRow => {
    const r = recs[0], ms = median(recs.map((x) => x.ms)), bytes = r.bytesRead + r.bytesWritten;
    const intensity = r.flops / bytes, gflops = ms > 0 ? r.flops / ms / 1e6 : 0, gbs = ms > 0 ? bytes / ms / 1e6 : 0;
    const attainable = Math.min(roofs.gflops, intensity * roofs.gbs);
    return {
      kernel: r.kernel, file: r.kernel.split(':')[0], shape: shapeOf(r), workgroups: r.workgroups,
      flops: r.flops, bytes, ms, dispatchMs: recs.map((x) => x.ms), gflops, gbs, intensity, bound: intensity < roofs.ridge ? 'memory' : 'compute',
      roofFraction: r.flops > 0 ? gflops / attainable : gbs / roofs.gbs,
      count: recs.length, totalMs: recs.reduce((a, x) => a + x.ms, 0), uses: [...uses].slice(0, 4),
    };
  }).sort((a, b) => a.file.localeCompare(b.file) || b.totalMs - a.totalMs);
  const files = [...new Set(rows.map((r) => r.file))].map((file): KernelFileRow => {
    const mine = rows.filter((r) => r.file === file), totalMs = mine.reduce((a, r) => a + r.totalMs, 0);
    return {
      file, dispatches: mine.reduce((a, r) => a + r.count, 0), shapes: mine.length, totalMs,
      roofFraction: totalMs > 0 ? mine.reduce((a, r) => a + r.totalMs * r.roofFraction, 0) / totalMs : 0,
      bestGflops: Math.max(...mine.map((r) => r.gflops)), bestGbs: Math.max(...mine.map((r) => r.gbs)),
    };
  });
  const seen = new Set(files.map((f) => f.file));
  return { schema: 'webvit-bench-kernels/1', ...base, notDispatched: base.shaders.filter((f) => !seen.has(f)), files, rows, schedules };
}

const f = (v: number, d = 2) => v.toFixed(d);
const pct = (v: number) => `${(100 * v).toFixed(0)}%`;

export function kernelTable(k: KernelResults, perFile = 6): string {
  const r = k.roofs, out: string[] = [];
  out.push('# Kernel benchmarks', '',
    `Measured ${k.date.slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` in ${k.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? 'Chromium'} on ${k.adapter.vendor} ${k.adapter.architecture} ${k.adapter.description}` +
    `${k.fallback ? ' (a CPU adapter)' : ''}. Every dispatch of every model's fused, one-kernel-FFN and unfused schedules, timed with timestamps inside one pass, ` +
    'grouped by kernel and by the shape it ran at.', '', provenanceLine(k.provenance), '',
    `Roofs measured in this run: **${f(r.gflops)} GFLOP/s** (${r.matmul.kernel}, ${r.matmul.shape}), **${f(r.gbs)} GB/s** (${r.copy.kernel}), ridge ${f(r.ridge)} FLOP/byte; ` +
    `a near-empty dispatch costs **${f(r.dispatchUs, 1)} µs** inside a pass, a submit and wait **${f(r.submitMs)} ms**. ` +
    '"% roof" is achieved over the roofline at the dispatch\'s arithmetic intensity (a copy: over the copy roof).', '');
  if (k.notDispatched.length) out.push(`Not dispatched by any model in this run: ${k.notDispatched.join(', ')}.`, '');
  else out.push(`All ${k.shaders.length} kernel files in \`shaders/\` were dispatched.`, '');
  out.push('## Per kernel file (all models and schedules)', '', '| kernel file | dispatches | shapes | Σ ms | time-weighted % roof | best GFLOP/s | best GB/s |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const x of [...k.files].sort((a, b) => b.totalMs - a.totalMs)) out.push(`| ${x.file} | ${x.dispatches} | ${x.shapes} | ${f(x.totalMs, 1)} | ${pct(x.roofFraction)} | ${f(x.bestGflops)} | ${f(x.bestGbs)} |`);
  out.push('', '## Whole schedules', '', '| model | schedule | dispatches | pipelines | GPU ms | GFLOP/s | Σ dispatches / whole pass |', '|---|---|---:|---:|---:|---:|---:|');
  for (const s of k.schedules) out.push(`| ${s.model} | ${s.schedule} | ${s.dispatches} | ${s.pipelines} | ${f(s.wholeMs, 1)} | ${f(s.gflops)} | ${s.agreement == null ? '—' : f(s.agreement, 2)} |`);
  out.push('', `## The shapes that take the most time, per kernel (top ${perFile}; all in kernels.json)`, '');
  for (const x of k.files) {
    out.push(`### ${x.file}`, '', '| entry | shape (activations; grid) | ms | GFLOP/s | GB/s | FLOP/B | bound | % roof | dispatches | e.g. |', '|---|---|---:|---:|---:|---:|---|---:|---:|---|');
    for (const s of k.rows.filter((r) => r.file === x.file).slice(0, perFile)) {
      out.push(`| ${s.kernel.split(':')[1]} | ${s.shape}; ${s.workgroups.join('×')} | ${f(s.ms, 3)} | ${f(s.gflops)} | ${f(s.gbs)} | ${f(s.intensity)} | ${s.bound} | ${pct(s.roofFraction)} | ${s.count} | ${s.uses[0]} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
