// A profile as text for a terminal: the setup (adapter, timing method, roofs), per schedule a
// per-category table (Figure 2's breakdown with the roofline verdict) and the top layers by time,
// and what fusion changed.
import { CATEGORY_LABELS } from './svg.ts';
import type { Aggregate, ProfileReport, ScheduleProfile } from './profile.ts';
import { CATEGORIES, type Category } from '../graph/ir.ts';
import type { Projection } from './project.ts';

const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: number, d: number, n: number) => v.toFixed(d).padStart(n);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`.padStart(7);

export function profileText(r: ProfileReport, top = 10): string {
  const a = r.adapter, lines: string[] = [];
  const o = r.input.outputs;
  const backbone = o ? `, backbone mode: ${[...o.stages, ...(o.embedding ? ['embedding'] : [])].join(', ')}` : '';
  lines.push(`${r.model} ${r.input.height}×${r.input.width} batch ${r.input.batch}${backbone}, weights: ${r.weights}, ${r.kernels} kernel family`);
  lines.push(`adapter: ${a.vendor} ${a.architecture} ${a.description}${a.fallback ? ' — a CPU (software) adapter: times are the CPU\'s, not a GPU\'s' : ''}`);
  lines.push(`timing: ${r.timing.method}, median of ${r.timing.runs} runs${r.timing.quantumNs ? `; timestamps are quantised to ${(r.timing.quantumNs / 1e6).toFixed(3)} ms (in Chromium start with --enable-webgpu-developer-features)` : ''}` +
    `${r.timing.reversedStamps ? `; ${r.timing.reversedStamps} timestamp pairs ran backwards (counted as 0 ms)` : ''}`);
  lines.push(`roofs (${r.roofs.cached ? `cached, measured ${r.roofs.measuredAt}` : 'measured now'}): ${r.roofs.gflops.toFixed(2)} GFLOP/s (${r.roofs.matmul.kernel}), ` +
    `${r.roofs.gbs.toFixed(2)} GB/s (${r.roofs.copy.kernel}); ridge ${r.roofs.ridge.toFixed(2)} FLOP/byte; ` +
    `a dispatch costs ${r.roofs.dispatchUs.toFixed(1)} µs, a submit ${r.roofs.submitMs.toFixed(2)} ms`);
  for (const s of Object.values(r.schedules)) lines.push('', ...scheduleText(s, r, top));
  const c = r.comparison;
  if (c) {
    const f = r.schedules.fused!, u = r.schedules.unfused!;
    lines.push('', `fusion: ${u.dispatches} → ${f.dispatches} dispatches, ${c.unfusedMs.toFixed(2)} → ${c.fusedMs.toFixed(2)} ms: ${(100 * c.removedShare).toFixed(1)}% of the unfused time removed ` +
      `(whole pass ${c.unfusedWholeMs.toFixed(2)} → ${c.fusedWholeMs.toFixed(2)} ms: ${(100 * c.removedWholeShare).toFixed(1)}%)`);
    const cats = (s: ScheduleProfile) => new Map(s.categories.map((k) => [k.key, k]));
    const fc = cats(f), uc = cats(u);
    const memU = u.categories.filter((k) => k.memoryBound).reduce((t, k) => t + k.ms, 0);
    const memF = f.categories.filter((k) => uc.get(k.key)!.memoryBound).reduce((t, k) => t + k.ms, 0);
    lines.push(`  categories memory-bound in the unfused schedule: ${u.categories.filter((k) => k.memoryBound).map((k) => k.key).join(', ') || 'none'} — ` +
      `${memU.toFixed(2)} ms unfused (${(100 * memU / u.sumMs).toFixed(1)}%), ${memF.toFixed(2)} ms fused`);
    for (const k of CATEGORIES) {
      lines.push(`  ${pad(CATEGORY_LABELS[k], 22)} ${num(uc.get(k)!.ms, 2, 9)} → ${num(fc.get(k)!.ms, 2, 9)} ms   (${uc.get(k)!.dispatches} → ${fc.get(k)!.dispatches} dispatches)`);
    }
  }
  if (r.projection) lines.push('', ...projectionText(r.projection, r));
  return lines.join('\n');
}

/** Figure 2 as projected onto the named GPU for each family and schedule, beside the measured shares. */
export function projectionText(p: Projection, r?: ProfileReport): string[] {
  const g = p.gpu;
  const measured = r ? Object.values(r.schedules).map((s) => ({ label: `measured ${r.kernels} ${s.schedule}`, ms: s.sumMs, share: (k: Category) => s.categories.find((c) => c.key === k)!.share })) : [];
  const projected = p.schedules.map((s) => ({ label: `${s.family} ${s.schedule}`, ms: s.ms, share: (k: Category) => s.categories.find((c) => c.key === k)!.share }));
  const cols = [...measured, ...projected];
  const w = Math.max(12, ...cols.map((c) => c.label.length + 1));
  const head = (label: string, cells: string[]) => `  ${pad(label, 22)}${cells.map((c) => c.padStart(w)).join('')}`;
  return [
    `projected onto ${g.name}: ${(g.gflops / 1e3).toFixed(1)} TFLOP/s FP32, ${g.gbs} GB/s, ${g.lanes} lanes at ${g.clockGhz} GHz, ${g.dispatchUs} µs per dispatch`,
    `  ${p.formula}; measured columns are this adapter's${r?.adapter.fallback ? ' (a CPU adapter)' : ''}`,
    head('', cols.map((c) => c.label)),
    head('ms', cols.map((c) => c.ms.toFixed(3))),
    head('dispatches', [...(r ? Object.values(r.schedules).map((s) => String(s.dispatches)) : []), ...p.schedules.map((s) => String(s.dispatches))]),
    head('median invocations', [...measured.map(() => ''), ...p.schedules.map((s) => String(s.medianInvocations))]),
    head('serial-bound share', [...measured.map(() => ''), ...p.schedules.map((s) => `${(100 * s.serialBoundMs / s.ms).toFixed(1)}%`)]),
    ...CATEGORIES.map((k) => head(CATEGORY_LABELS[k], cols.map((c) => `${(100 * c.share(k)).toFixed(1)}%`))),
  ];
}

function scheduleText(s: ScheduleProfile, r: ProfileReport, top: number): string[] {
  const ok = s.withinTolerance ? 'within' : 'OUTSIDE';
  const lines = [
    `${s.schedule}: ${s.dispatches} dispatches, ${s.pipelines} pipelines; Σ dispatches ${s.sumMs.toFixed(2)} ms, whole pass ${s.wholeMs.toFixed(2)} ms ` +
      `(Σ/whole ${s.agreement?.toFixed(3) ?? '—'}, ${ok} ±${100 * r.timing.tolerance}%); ${(s.flops / 1e9).toFixed(3)} GFLOP, ${(s.flops / s.sumMs / 1e6).toFixed(2)} GFLOP/s`,
    `  ${pad('category', 22)} ${'ms'.padStart(9)} ${'share'.padStart(7)} ${'disp.'.padStart(6)} ${'GFLOP/s'.padStart(8)} ${'GB/s'.padStart(7)}  verdict`,
    ...s.categories.map((c) => row(CATEGORY_LABELS[c.key as Category], c)),
    `  top ${top} layers by time:`,
    ...[...s.layers].sort((a, b) => b.ms - a.ms).slice(0, top).map((l) => {
      const other = r.comparison && Object.values(r.schedules).find((o) => o.schedule !== s.schedule)?.layers.find((o) => o.key === l.key);
      return `${row(l.key, l)}${other ? `   (${other.ms.toFixed(2)} ms, ${other.dispatches} disp. ${s.schedule === 'fused' ? 'unfused' : 'fused'})` : ''}`;
    }),
  ];
  return lines;
}

function row(label: string, a: Aggregate): string {
  const verdict = a.dispatches === 0 ? '' : a.memoryBound ? `memory-bound (${(100 * a.memoryBoundMs / a.ms).toFixed(0)}% of its time)` : 'compute-bound';
  return `  ${pad(label, 22)} ${num(a.ms, 3, 9)} ${pct(a.share)} ${String(a.dispatches).padStart(6)} ${num(a.ms > 0 ? a.flops / a.ms / 1e6 : 0, 2, 8)} ${num(a.ms > 0 ? a.bytes / a.ms / 1e6 : 0, 2, 7)}  ${verdict}`;
}
