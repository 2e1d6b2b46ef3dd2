// A profile as an SVG in the style of the EfficientViT paper's Figure 2: the share of runtime per
// category for each schedule side by side, memory-bound categories in red, and a roofline scatter of
// every dispatch (fused filled, unfused hollow) under the adapter's two measured roofs.
import { CATEGORIES, type Category } from '../graph/ir.ts';
import type { ProfileReport, ScheduleProfile } from './profile.ts';

export const CATEGORY_LABELS: Record<Category, string> = {
  matmul: 'Matrix multiplication', reshape: 'Reshape', norm: 'Normalization', copy: 'Copy', add: 'Addition', other: 'Others',
};
const COLORS: Record<Category, string> = { matmul: '#4e79a7', reshape: '#f28e2b', norm: '#b07aa1', copy: '#76b7b2', add: '#59a14f', other: '#edc948' };
const RED = '#c62828', INK = '#222', MUTED = '#666', GRID = '#e4e4e4';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (v: number, d = 1) => v.toFixed(d);
const text = (x: number, y: number, s: string, attrs = '') => `<text x="${f(x)}" y="${f(y)}" ${attrs}>${esc(s)}</text>`;

export function profileSvg(report: ProfileReport): string {
  const W = 1040, H = 480;
  const schedules = Object.values(report.schedules);
  const a = report.adapter;
  const title = `${report.model} · ${report.input.height}×${report.input.width} · batch ${report.input.batch} · ${a.vendor} ${a.architecture}${a.fallback ? ' (CPU)' : ''} · ${report.timing.method}, median of ${report.timing.runs}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="${INK}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    text(20, 24, title, 'font-size="14" font-weight="bold"'),
    bars(schedules, 20, 50, 500, 370),
    roofline(report, 560, 50, 460, 380),
    '</svg>',
  ].join('\n');
}

/** Grouped bars: per category, each schedule's share of its own runtime. */
function bars(schedules: ScheduleProfile[], x0: number, y0: number, w: number, h: number): string {
  const out: string[] = [];
  const plotX = x0 + 40, plotW = w - 50, plotY = y0 + 40, plotH = h - 120;
  const max = Math.max(0.01, ...schedules.flatMap((s) => s.categories.map((c) => c.share)));
  const top = Math.min(1, Math.ceil(max * 10) / 10);
  out.push(text(x0, y0 + 8, 'Share of GPU time by category (Figure 2 of the EfficientViT paper)', 'font-weight="bold"'));
  out.push(text(x0, y0 + 24, 'red: memory-bound category (most of its time below the ridge); M: memory-bound in that schedule', `fill="${MUTED}" font-size="10.5"`));
  for (let t = 0; t <= top + 1e-9; t += 0.1) {
    const y = plotY + plotH - (t / top) * plotH;
    out.push(`<line x1="${plotX}" y1="${f(y)}" x2="${plotX + plotW}" y2="${f(y)}" stroke="${GRID}"/>`);
    out.push(text(plotX - 6, y + 4, `${Math.round(t * 100)}%`, `text-anchor="end" fill="${MUTED}" font-size="10.5"`));
  }
  const groupW = plotW / CATEGORIES.length, barW = Math.min(28, (groupW - 14) / Math.max(1, schedules.length));
  const reference = schedules.find((s) => s.schedule === 'unfused') ?? schedules[0];
  CATEGORIES.forEach((cat, ci) => {
    const gx = plotX + ci * groupW + (groupW - barW * schedules.length) / 2;
    schedules.forEach((s, si) => {
      const c = s.categories.find((k) => k.key === cat)!;
      const bh = (c.share / top) * plotH, bx = gx + si * barW, by = plotY + plotH - bh;
      const fill = COLORS[cat];
      out.push(`<rect x="${f(bx)}" y="${f(by)}" width="${f(barW - 2)}" height="${f(bh)}" fill="${fill}" ${si === 0 ? '' : 'fill-opacity="0.45" stroke="' + fill + '"'}><title>${esc(`${s.schedule} ${cat}: ${f(c.ms, 2)} ms, ${f(c.share * 100)}%, ${c.dispatches} dispatches`)}</title></rect>`);
      const share = c.share >= 0.01 ? `${Math.round(c.share * 100)}` : `${(c.share * 100).toFixed(1)}`;
      if (c.dispatches) out.push(text(bx + (barW - 2) / 2, by - 4, `${share}${c.memoryBound ? ' M' : ''}`, `text-anchor="middle" font-size="9.5" fill="${c.memoryBound ? RED : INK}"`));
    });
    const mb = reference.categories.find((k) => k.key === cat)!.memoryBound;
    const label = CATEGORY_LABELS[cat].split(' ');
    label.forEach((word, li) => out.push(text(plotX + ci * groupW + groupW / 2, plotY + plotH + 16 + li * 13, word, `text-anchor="middle" font-size="11" fill="${mb ? RED : INK}"${mb ? ' font-weight="bold"' : ''}`)));
  });
  out.push(`<line x1="${plotX}" y1="${plotY + plotH}" x2="${plotX + plotW}" y2="${plotY + plotH}" stroke="${INK}"/>`);
  // Legend: one swatch per schedule, with its totals.
  schedules.forEach((s, si) => {
    const ly = plotY + plotH + 52 + si * 18;
    out.push(`<rect x="${plotX}" y="${ly - 10}" width="14" height="12" fill="#888" ${si === 0 ? '' : 'fill-opacity="0.45" stroke="#888"'}/>`);
    out.push(text(plotX + 20, ly, `${s.schedule}: ${f(s.sumMs, 2)} ms (Σ of dispatches; whole pass ${f(s.wholeMs, 2)} ms), ${s.dispatches} dispatches`));
  });
  return out.join('\n');
}

/** Log-log roofline: achieved GFLOP/s against FLOP/byte, one dot per dispatch (area ∝ time). */
function roofline(report: ProfileReport, x0: number, y0: number, w: number, h: number): string {
  const out: string[] = [];
  const { gflops: peak, gbs } = report.roofs;
  const plotX = x0 + 48, plotW = w - 60, plotY = y0 + 40, plotH = h - 120;
  const names = Object.values(report.schedules).map((s) => s.schedule);
  const recs = Object.values(report.schedules).flatMap((s, si) => s.records.map((r) => ({ ...r, schedule: s.schedule, filled: si === 0 })));
  const pos = recs.filter((r) => r.flops > 0 && r.ms > 0);
  const xs = pos.map((r) => r.intensity), ys = pos.map((r) => r.gflops);
  const lx0 = Math.floor(Math.log10(Math.min(0.05, ...xs))), lx1 = Math.ceil(Math.log10(Math.max(4 * report.roofs.ridge, ...xs)));
  const ly1 = Math.ceil(Math.log10(peak * 1.5)), ly0 = Math.min(ly1 - 2, Math.floor(Math.log10(Math.max(1e-6, Math.min(...ys)))));
  const X = (v: number) => plotX + ((Math.log10(v) - lx0) / (lx1 - lx0)) * plotW;
  const Y = (v: number) => plotY + plotH - ((Math.log10(v) - ly0) / (ly1 - ly0)) * plotH;
  out.push(text(x0, y0 + 8, 'Roofline: every dispatch against the measured roofs', 'font-weight="bold"'));
  out.push(text(x0, y0 + 24, `roofs: ${f(peak, 2)} GFLOP/s (${report.roofs.matmul.kernel}), ${f(gbs, 2)} GB/s (${report.roofs.copy.kernel})`, `fill="${MUTED}" font-size="10.5"`));
  for (let e = lx0; e <= lx1; e++) {
    out.push(`<line x1="${f(X(10 ** e))}" y1="${plotY}" x2="${f(X(10 ** e))}" y2="${plotY + plotH}" stroke="${GRID}"/>`);
    out.push(text(X(10 ** e), plotY + plotH + 14, e >= 0 ? `${10 ** e}` : `1e${e}`, `text-anchor="middle" fill="${MUTED}" font-size="10.5"`));
  }
  for (let e = ly0; e <= ly1; e++) {
    out.push(`<line x1="${plotX}" y1="${f(Y(10 ** e))}" x2="${plotX + plotW}" y2="${f(Y(10 ** e))}" stroke="${GRID}"/>`);
    out.push(text(plotX - 6, Y(10 ** e) + 4, e >= 0 ? `${10 ** e}` : `1e${e}`, `text-anchor="end" fill="${MUTED}" font-size="10.5"`));
  }
  // The roof: min(peak, I · bandwidth).
  const ridge = report.roofs.ridge, xa = 10 ** lx0, xb = 10 ** lx1;
  const yAt = (i: number) => Math.min(peak, i * gbs);
  const clampY = (v: number) => Y(Math.max(v, 10 ** ly0));
  out.push(`<polyline points="${f(X(xa))},${f(clampY(yAt(xa)))} ${f(X(ridge))},${f(Y(peak))} ${f(X(xb))},${f(Y(peak))}" fill="none" stroke="${INK}" stroke-width="2"/>`);
  out.push(`<line x1="${f(X(ridge))}" y1="${plotY}" x2="${f(X(ridge))}" y2="${plotY + plotH}" stroke="${INK}" stroke-dasharray="3 3"/>`);
  out.push(text(X(ridge) + 4, plotY + 12, `ridge ${f(ridge, 2)} FLOP/B`, `font-size="10.5" fill="${MUTED}"`));
  const maxMs = Math.max(...pos.map((r) => r.ms));
  for (const r of pos.sort((a, b) => b.ms - a.ms)) {
    const rad = 2 + 7 * Math.sqrt(r.ms / maxMs), c = COLORS[r.category];
    const style = r.filled ? `fill="${c}" fill-opacity="0.8"` : `fill="none" stroke="${c}" stroke-width="1.3"`;
    out.push(`<circle cx="${f(X(r.intensity))}" cy="${f(Y(r.gflops))}" r="${f(rad)}" ${style}><title>${esc(`${r.schedule} ${r.module || r.name} (${r.kernel}): ${f(r.ms, 3)} ms, ${f(r.gflops, 2)} GFLOP/s, ${f(r.intensity, 2)} FLOP/B, ${r.bound}-bound`)}</title></circle>`);
  }
  out.push(text(plotX + plotW / 2, plotY + plotH + 32, 'arithmetic intensity (FLOP / byte read + written)', 'text-anchor="middle"'));
  out.push(text(x0 + 10, plotY + plotH / 2, 'achieved GFLOP/s', `text-anchor="middle" transform="rotate(-90 ${x0 + 10} ${plotY + plotH / 2})"`));
  // Legend: categories, and filled = fused, hollow = unfused.
  CATEGORIES.forEach((cat, i) => {
    const lx = plotX + (i % 3) * 125, ly = plotY + plotH + 52 + Math.floor(i / 3) * 16;
    out.push(`<circle cx="${lx}" cy="${ly - 4}" r="5" fill="${COLORS[cat]}"/>`);
    out.push(text(lx + 9, ly, CATEGORY_LABELS[cat], 'font-size="11"'));
  });
  const zero = recs.length - pos.length;
  const key = names.length > 1 ? `filled: ${names[0]} · hollow: ${names[1]}` : `${names[0]}`;
  out.push(text(plotX, plotY + plotH + 92, `${key} · area ∝ time${zero ? ` · not shown: ${zero} without FLOPs or time` : ''}`, `fill="${MUTED}" font-size="10.5"`));
  return out.join('\n');
}
