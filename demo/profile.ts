// The demo's profiler panel: both schedules profiled, the Figure 2 chart, a sortable per-layer
// table, and the Chrome trace to download.
import { chromeTrace, profileSvg, type ProfileReport } from '../src/browser.ts';
import { $, act, fmt } from './page.ts';
import { current, ensureModel } from './model.ts';

let lastReport: ProfileReport | null = null;

$('profile').addEventListener('click', () => act(async () => {
  const c = (await ensureModel()).classifier;
  const status = $('profile-status');
  status.textContent = 'profiling: both schedules, 5 runs each';
  lastReport = await c.profile({ runs: 5, weights: current?.source });
  status.textContent = `timing: ${lastReport.timing.method}, median of ${lastReport.timing.runs} runs`;
  $('chart').innerHTML = profileSvg(lastReport); // SVG made by webvit from numbers and the model's own layer and category names
  layerTable(lastReport);
  $<HTMLButtonElement>('trace').disabled = false;
}));

$('trace').addEventListener('click', () => {
  if (!lastReport) return;
  const blob = new Blob([JSON.stringify(chromeTrace(lastReport))], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${lastReport.model}-${lastReport.input.height}-trace.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});

type LayerRow = { layer: string; fusedMs: number; unfusedMs: number; saved: number; fusedDispatches: number; unfusedDispatches: number };
const COLUMNS: [keyof LayerRow, string][] = [
  ['layer', 'layer'], ['fusedMs', 'fused ms'], ['unfusedMs', 'unfused ms'], ['saved', 'fusion saves'], ['fusedDispatches', 'fused dispatches'], ['unfusedDispatches', 'unfused dispatches'],
];
let sortBy: { key: keyof LayerRow; dir: 1 | -1 } = { key: 'unfusedMs', dir: -1 };

function layerTable(report: ProfileReport): void {
  const rows: LayerRow[] = (report.comparison?.layers ?? []).map((l) => ({ ...l, saved: l.unfusedMs > 0 ? 1 - l.fusedMs / l.unfusedMs : 0 }));
  const table = $<HTMLTableElement>('layers');
  const draw = () => {
    const { key, dir } = sortBy;
    rows.sort((a, b) => (typeof a[key] === 'string' ? String(a[key]).localeCompare(String(b[key])) : (a[key] as number) - (b[key] as number)) * dir);
    table.textContent = '';
    const head = table.createTHead().insertRow();
    for (const [k, title] of COLUMNS) {
      const th = document.createElement('th');
      th.textContent = title;
      th.tabIndex = 0;
      th.setAttribute('aria-sort', k === key ? (dir === 1 ? 'ascending' : 'descending') : 'none');
      const sort = () => { sortBy = { key: k, dir: sortBy.key === k ? (-sortBy.dir as 1 | -1) : k === 'layer' ? 1 : -1 }; draw(); };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = r.layer;
      tr.insertCell().textContent = fmt(r.fusedMs, 2);
      tr.insertCell().textContent = fmt(r.unfusedMs, 2);
      tr.insertCell().textContent = `${fmt(100 * r.saved, 0)} %`;
      tr.insertCell().textContent = String(r.fusedDispatches);
      tr.insertCell().textContent = String(r.unfusedDispatches);
    }
  };
  draw();
}
