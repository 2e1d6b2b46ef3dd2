// The GPU benchmark kit's results: `assemble` gathers the records run.sh's steps wrote into one JSON
// (with its provenance and every target met or missed), `md` writes its Markdown. `md` runs here on a
// committed JSON as well:   node --import tsx bench/gpu/report.ts md bench/results/gpu-DEVICE.json
//   report.js assemble --work DIR --out FILE.json   (bundled: run.sh)
//   report.js md FILE.json [--out FILE.md]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { provenance, provenanceLine, type Provenance } from '../provenance.ts';

type Cell = { status: string; reason?: string; ms?: number; gpuMs?: number; wallMs?: number; imagesPerSec?: number; runs?: number; [k: string]: unknown };
type Rec = Cell & { runtime?: string; model: string; batch?: number; kernels?: string; schedule?: string; activations?: string };
interface Target { model: string; target: string; batch: number; value: number | null; goal: string; met: boolean | null; gap: string; how: string }
export interface GpuResults {
  schema: 'webvit-gpu-kit/1'; dry: boolean; date: string; device: { slug: string; name: string }; provenance: Provenance;
  environment: Record<string, unknown>; args: Record<string, unknown>;
  steps: Record<string, { status: string; seconds: number; rc?: number; reason?: string }>;
  models: Record<string, { webvit: Record<string, Record<string, Record<string, Cell>>>; torchEager: Record<string, Cell>; torchCompile: Record<string, Cell>; onnxExport: Cell; ort: Record<string, Cell> }>;
  profiles: Record<string, unknown>[]; tune: Record<string, unknown>; targets: Target[]; summary: { met: number; missed: number; unknown: number };
}

const readJson = (f: string): any => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);
const readJsonl = (f: string): any[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } }) : []);
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'unknown';
const fmt = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(d));

function assemble(work: string, out: string, tunedFile?: string): void {
  const a = readJson(path.join(work, 'args.json')) ?? {};
  const dry = Boolean(a.dry), models: string[] = a.models ?? [], batches: number[] = a.batches ?? [1];
  const steps: GpuResults['steps'] = {};
  for (const s of readJsonl(path.join(work, 'steps.jsonl'))) {
    const reason = String(s.reason ?? '').trim();
    steps[s.step] = { status: s.status, seconds: s.seconds, ...(s.rc === undefined ? {} : { rc: s.rc }), ...(reason ? { reason } : {}) };
  }
  const missing = (step: string, what: string): Cell => {
    const s = steps[step];
    const why = !s ? `the ${step} step did not run (${a.part && a.part !== 'all' ? `--part ${a.part}` : 'see run.log'})`
      : s.status === 'ok' ? `the ${step} step ended without a record of it (see run.log)`
      : `the ${step} step ${s.status === 'timeout' ? `hit its time box (${s.seconds} s) before it` : `ended: ${s.reason ?? s.status}`}`;
    return { status: 'not measured', reason: `not measured: ${what}: ${why}` };
  };
  const adapter = readJson(path.join(work, 'adapter.json'));
  const torchMeta = readJson(path.join(work, 'torch-meta.json'));
  const kitMeta = readJson(path.join(work, 'kit-meta.json')) ?? {};
  const smi = readJson(path.join(work, 'nvidia-smi.json'));
  const webvit = readJsonl(path.join(work, 'webvit.jsonl')) as Rec[];
  const torch = readJsonl(path.join(work, 'torch.jsonl')) as Rec[];
  const exports = readJsonl(path.join(work, 'onnx-export.jsonl')) as Rec[];
  const ort = readJsonl(path.join(work, 'ort.jsonl')) as Rec[];
  const strip = ({ runtime: _r, model: _m, batch: _b, kernels: _k, schedule: _s, activations: _a, ...c }: Rec): Cell => c;
  const find = (rs: Rec[], f: (r: Rec) => boolean, step: string, what: string) => { const r = rs.filter(f).at(-1); return r ? strip(r) : missing(step, what); };
  const res: GpuResults['models'] = {};
  for (const m of models) {
    const per = (b: number) => `b${b}`;
    const wv: GpuResults['models'][string]['webvit'] = {};
    const families = String(a.families ?? 'gpu,cpu').split(',');
    for (const k of ['gpu', 'cpu']) for (const s of ['fused', 'unfused']) for (const b of batches) {
      ((wv[k] ??= {})[s] ??= {})[per(b)] = families.includes(k)
        ? find(webvit, (r) => r.model === m && r.kernels === k && r.schedule === s && r.batch === b && r.activations === undefined, 'webvit', `webvit ${k} ${s} batch ${b}`)
        : { status: 'skipped', reason: `skipped: --families ${a.families} (the ${k} family not asked for)` };
    }
    // The GPU family fused with half activations, under its own key.
    for (const b of batches) {
      ((wv[HALF_ACT] ??= {}).fused ??= {})[per(b)] = families.includes('gpu')
        ? find(webvit, (r) => r.model === m && r.kernels === 'gpu' && r.schedule === 'fused' && r.batch === b && r.activations === 'f16', 'webvit', `webvit gpu fused f16 activations batch ${b}`)
        : { status: 'skipped', reason: `skipped: --families ${a.families} (the gpu family not asked for)` };
    }
    const byBatch = (rs: Rec[], f: (r: Rec) => boolean, step: string, what: string) => Object.fromEntries(batches.map((b) => [per(b), find(rs, (r) => f(r) && r.batch === b, step, `${what} batch ${b}`)]));
    res[m] = {
      webvit: wv,
      torchEager: byBatch(torch, (r) => r.runtime === 'torch-eager' && r.model === m, 'torch-eager', 'PyTorch eager'),
      torchCompile: byBatch(torch, (r) => r.runtime === 'torch-compile' && r.model === m, 'torch-compile', 'torch.compile'),
      onnxExport: find(exports, (r) => r.model === m, 'onnx-export', 'the ONNX export'),
      ort: byBatch(ort, (r) => r.model === m, 'ort', 'onnxruntime-node WebGPU EP'),
    };
  }
  const profiles = readJsonl(path.join(work, 'profile.jsonl')).map((p) => {
    const r = p.file && readJson(path.join(work, 'profiles', p.file));
    if (!r) return { ...p, status: p.status === 'ok' ? 'failed' : p.status, reason: p.reason ?? `no profile written (exit ${p.rc}; see ${p.log ?? 'run.log'})` };
    const proj = (r.projection?.schedules ?? []) as { family: string; schedule: string; ms: number }[];
    const projected = Object.fromEntries(proj.map((s) => [`${s.family}/${s.schedule}`, Number(s.ms.toFixed(4))]));
    return { ...p, status: 'ok', method: r.timing?.method, fusedMs: r.schedules?.fused?.wholeMs ?? null, unfusedMs: r.schedules?.unfused?.wholeMs ?? null, projectedOn: r.projection?.gpu?.key ?? null, projected };
  });
  const tuneOut = existsSync(path.join(work, 'tune.out')) ? readFileSync(path.join(work, 'tune.out'), 'utf8') : '';
  const line = /^recorded: (\{.*\})$/m.exec(tuneOut)?.[1];
  const key = /^adapter (.*?); \d+ threads/m.exec(tuneOut)?.[1];
  // A sweep stopped by its time box records no entry: the fields it had decided are kept as `partial`.
  const value = (v: string) => { try { return JSON.parse(v); } catch { return v; } };
  const partial = Object.fromEntries([...tuneOut.matchAll(/^(\S+)\s+.*→ (.+)$/gm)].map((x) => [x[1], value(x[2].trim())]));
  const tune = line ? { status: 'ok', key, entry: JSON.parse(line), wroteTunedJson: !dry && /recorded for /.test(tuneOut) }
    : { status: steps.tune?.status ?? 'not run', ...(Object.keys(partial).length ? { partial } : {}), reason: `no entry recorded: ${steps.tune ? `the tune step ${steps.tune.status === 'timeout' ? `hit its time box (${steps.tune.seconds} s)` : `ended: ${steps.tune.reason ?? steps.tune.status}`}` : 'the tune step did not run'}` };

  const adapterInfo = adapter?.adapter;
  const name = smi?.name ?? (adapterInfo ? [adapterInfo.vendor, adapterInfo.description || adapterInfo.device].filter(Boolean).join(' ') : 'unknown device');
  const date = a.date ?? new Date().toISOString();
  const prov = provenance({ adapter: adapterInfo ?? undefined, peers: false, date });
  // The checkout as the run found it (run.sh records it before the tune step rewrites tuned.json), else as the kit was made.
  const commit = existsSync(path.join(work, 'git-commit.txt')) ? readFileSync(path.join(work, 'git-commit.txt'), 'utf8').trim() : '';
  if (/^[0-9a-f]{40}$/.test(commit)) Object.assign(prov, { commit, dirty: readFileSync(path.join(work, 'git-status.txt'), 'utf8').trim() !== '' });
  else if (prov.commit === 'not recorded' && kitMeta.commit) Object.assign(prov, { commit: kitMeta.commit, dirty: kitMeta.dirty });
  prov.versions = {
    webgpu: kitMeta.webgpu ?? prov.versions.webgpu, dawn: `npm webgpu ${kitMeta.webgpu ?? '?'}'s dawn.node`,
    'onnxruntime-node': kitMeta['onnxruntime-node'] ?? 'not used', torch: torchMeta?.torch ?? 'not recorded', cuda: torchMeta?.cuda ?? 'not recorded',
    driver: smi?.driver ?? (dry ? 'not used (--dry)' : 'not recorded'), 'cuda (driver)': smi?.cuda ?? (dry ? 'not used (--dry)' : 'not recorded'),
  };
  const results: GpuResults = {
    schema: 'webvit-gpu-kit/1', dry, date, device: { slug: a.slug ?? slug(name), name }, provenance: prov,
    environment: { nvidiaSmi: smi ?? (dry ? 'not used (--dry)' : 'not available'), vulkan: a.vulkan ?? 'not recorded', adapter, torch: torchMeta, kit: kitMeta },
    args: a, steps, models: res, profiles, tune, targets: [], summary: { met: 0, missed: 0, unknown: 0 },
  };
  results.targets = targets(results, batches);
  for (const t of results.targets) results.summary[t.met === null ? 'unknown' : t.met ? 'met' : 'missed']++;
  writeFileSync(out, JSON.stringify(results, null, 1) + '\n');
  // The entry as tuned.json holds it, under its adapter key: what to copy into src/tuning/tuned.json.
  if (tunedFile && tune.status === 'ok' && key) writeFileSync(tunedFile, JSON.stringify({ [key]: (tune as { entry: unknown }).entry }, null, 1) + '\n');
  console.log(`report: ${out}: targets met ${results.summary.met}, missed ${results.summary.missed}, not measured ${results.summary.unknown}`);
}

const ok = (c: Cell | undefined) => (c?.status === 'ok' ? c : null);
/** The key of the GPU family's half-activation cells in a model's `webvit` map (beside 'gpu' and 'cpu'). */
const HALF_ACT = 'gpu-f16-activations';
/**
 * Per model: the issue's four targets (the batch-64 ones at batch 64). Against PyTorch and onnxruntime
 * webvit runs as it ships: fused, in the adapter's default kernel family (a GPU's: gpu).
 */
function targets(r: GpuResults, batches: number[]): Target[] {
  const big = Math.max(...batches, 64), out: Target[] = [];
  const fam = String((r.environment.adapter as { defaultKernels?: string } | null)?.defaultKernels ?? 'gpu');
  const push = (model: string, target: string, batch: number, value: number | null, goal: number, atMost: boolean, how: string, why: string) => {
    // factor: how many times webvit must still speed up (> 1: missed), or its margin (< 1).
    const factor = value === null ? null : atMost ? value / goal : goal / value;
    out.push({
      model, target, batch, value: value === null ? null : Number(value.toFixed(4)), goal: `${atMost ? '≤' : '≥'} ${goal}`, met: factor === null ? null : factor <= 1, how,
      gap: factor === null ? why : factor <= 1 ? `met with a ${(1 / factor).toFixed(2)}× margin` : `missed: webvit needs to be ${factor.toFixed(2)}× faster`,
    });
  };
  for (const [m, c] of Object.entries(r.models)) {
    const wv = (k: string, s: string, b: number) => ok(c.webvit[k]?.[s]?.[`b${b}`]);
    const why = (...cells: (Cell | undefined)[]) => cells.map((x) => (!x ? `not measured: batch ${big} is not in this run (batches ${batches.join(', ')}${r.dry ? '; --dry runs batch 1 only' : ''})` : x.status !== 'ok' ? x.reason : ''))
      .filter(Boolean).filter((x, i, all) => all.indexOf(x) === i).join('; ') || 'not measured';
    const g64 = wv('gpu', 'fused', big), c64 = wv('cpu', 'fused', big);
    push(m, 'GPU family ≥ 10× CPU family (fused, GPU time)', big, g64 && c64 ? c64.gpuMs! / g64.gpuMs! : null, 10, false, 'cpu gpuMs / gpu gpuMs',
      why(c.webvit.gpu?.fused?.[`b${big}`], c.webvit.cpu?.fused?.[`b${big}`]));
    const w1 = wv(fam, 'fused', 1), t1 = ok(c.torchEager.b1), w64 = wv(fam, 'fused', big);
    push(m, 'batch-1 latency ≤ 0.5× PyTorch eager', 1, w1 && t1 ? w1.gpuMs! / t1.ms! : null, 0.5, true, `webvit ${fam} family GPU ms (timestamps) / PyTorch ms (CUDA events)`, why(c.webvit[fam]?.fused?.b1, c.torchEager.b1));
    const t64 = ok(c.torchEager[`b${big}`]);
    push(m, `batch-${big} throughput ≥ 80 % of PyTorch eager`, big, w64 && t64 ? w64.imagesPerSec! / t64.imagesPerSec! : null, 0.8, false, `webvit ${fam} family images/s / PyTorch images/s (GPU-side times)`,
      why(c.webvit[fam]?.fused?.[`b${big}`], c.torchEager[`b${big}`]));
    for (const b of [1, big]) {
      const w = wv(fam, 'fused', b), o = ok(c.ort[`b${b}`]);
      push(m, `≥ 3× onnxruntime WebGPU EP (batch ${b})`, b, w && o ? o.wallMs! / w.wallMs! : null, 3, false, `ORT wall ms / webvit ${fam} family wall ms (CPU tensors in and out, both)`, why(c.webvit[fam]?.fused?.[`b${b}`], c.ort[`b${b}`]));
    }
  }
  return out;
}

function md(r: GpuResults): string {
  const env = r.environment as any;
  const ad = env.adapter?.adapter;
  const cellText = (c: Cell | undefined, key: 'gpuMs' | 'ms' | 'wallMs' = 'ms') => (c?.status === 'ok' ? fmt((c[key] as number) ?? c.ms) : c ? c.status : '—');
  const lines = [
    `# webvit on ${r.device.name}: the GPU benchmark kit${r.dry ? ' (--dry)' : ''}`, '',
    provenanceLine(r.provenance), '',
    ...(r.args.adapterProblem ? [`**${r.args.adapterProblem}**: the webvit steps did not run.`, ''] : []),
    ...(r.dry ? ['**Dry run** (`bash bench/gpu/run.sh --dry`): the same steps on this machine, batch 1 only: WebGPU on its CPU adapter, PyTorch on the CPU. The targets are the GPU\'s; here they only show that every step and number is produced.', ''] : []),
    `Adapter (webvit, Dawn): ${ad ? [ad.vendor, ad.architecture, ad.description || ad.device].filter(Boolean).join(' ') : 'none'}${env.adapter?.isFallback ? ' — **a CPU fallback adapter**' : ''}; timestamp-query ${env.adapter?.hasTimestamps ?? '?'}, shader-f16 ${env.adapter?.hasF16 ?? '?'}, subgroups ${env.adapter?.hasSubgroups ?? '?'}. ` +
      `nvidia-smi: ${typeof env.nvidiaSmi === 'object' ? `${env.nvidiaSmi.name}, driver ${env.nvidiaSmi.driver}, CUDA ${env.nvidiaSmi.cuda}, ${env.nvidiaSmi.memory}` : env.nvidiaSmi}. Vulkan loader: ${env.vulkan}. ` +
      `PyTorch ${env.torch?.torch ?? '?'} (CUDA ${env.torch?.cuda ?? '?'}, ${env.torch?.device ?? '?'}, TF32 ${env.torch?.tf32 ? 'on' : 'off'}; torch.compile ${env.torch?.compile ?? '?'}).`, '',
    'How: webvit times one inference as one compute pass by timestamp queries (GPU ms; median of its runs) and `run()` by the wall clock (input upload, one submit, readback); PyTorch by CUDA events around the forward, input on the GPU (so launch gaps count), and the wall clock; onnxruntime-node (executionProviders [\'webgpu\'], CPU tensors in and out) by the wall clock only. Seeded random weights; float32 everywhere.', '',
    '## Targets', '', `Against PyTorch and onnxruntime webvit runs fused, in the adapter's default kernel family (${(env.adapter?.defaultKernels as string) ?? 'gpu'}); each row says how its number is formed (the JSON's \`how\`).`, '',
    '| model | target | measured | goal | met | gap |', '|---|---|---:|---|---|---|',
    ...r.targets.map((t) => `| ${t.model} | ${t.target} | ${t.value === null ? '—' : fmt(t.value, 3)} | ${t.goal} | ${t.met === null ? 'not measured' : t.met ? '**met**' : 'missed'} | ${t.gap} |`),
    '', `Targets: ${r.summary.met} met, ${r.summary.missed} missed, ${r.summary.unknown} not measured.`, '',
    '## Steps', '', '| step | status | seconds | note |', '|---|---|---:|---|',
    ...Object.entries(r.steps).map(([k, s]) => `| ${k} | ${s.status} | ${s.seconds} | ${(s.reason ?? '').replaceAll('|', '/')} |`), '',
  ];
  for (const b of (r.args.batches as number[]) ?? [1]) {
    const rows = Object.entries(r.models).map(([m, c]) => {
      const w = (k: string, s: string) => c.webvit[k]?.[s]?.[`b${b}`];
      const g = ok(w('gpu', 'fused')), cpu = ok(w('cpu', 'fused'));
      const h = ok(w(HALF_ACT, 'fused'));
      return `| ${m} | ${cellText(w('gpu', 'fused'), 'gpuMs')} | ${cellText(w(HALF_ACT, 'fused'), 'gpuMs')} | ${g && h ? fmt(g.gpuMs! / h.gpuMs!) + '×' : '—'} | ${cellText(w('cpu', 'fused'), 'gpuMs')} | ${g && cpu ? fmt(cpu.gpuMs! / g.gpuMs!) + '×' : '—'} | ${cellText(w('gpu', 'unfused'), 'gpuMs')} | ${cellText(w('cpu', 'unfused'), 'gpuMs')} | ` +
        `${cellText(c.torchEager[`b${b}`])} | ${cellText(c.torchCompile[`b${b}`])} | ${cellText(w('gpu', 'fused'), 'wallMs')} | ${cellText(c.ort[`b${b}`], 'wallMs')} | ${g ? fmt(g.imagesPerSec!, 0) : '—'} | ${ok(c.torchEager[`b${b}`]) ? fmt(c.torchEager[`b${b}`].imagesPerSec!, 0) : '—'} |`;
    });
    lines.push(`## Batch ${b}: ms`, '', 'GPU ms: webvit by timestamps, PyTorch by CUDA events; wall ms: webvit `run()` and onnxruntime `session.run()`. f16 activations: the GPU family with `activations: \'f16\'` (adapters with shader-f16); f32/f16 act: its speed-up.', '',
      '| model | webvit gpu fused | gpu fused, f16 activations | f32/f16 act | cpu fused | cpu/gpu | gpu unfused | cpu unfused | torch eager | torch.compile | webvit wall | ORT WebGPU wall | webvit img/s | torch img/s |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|', ...rows, '');
  }
  if (r.profiles.length) {
    lines.push('## webvit profile (`--project`)', '', '| model | family | status | fused ms | unfused ms | projected fused | projected unfused |', '|---|---|---|---:|---:|---:|---:|',
      ...r.profiles.map((p: any) => `| ${p.model} | ${p.kernels} | ${p.status === 'ok' ? 'ok' : p.reason ?? p.status} | ${fmt(p.fusedMs, 3)} | ${fmt(p.unfusedMs, 3)} | ${fmt(p.projected?.[`${p.kernels}/fused`], 3)} | ${fmt(p.projected?.[`${p.kernels}/unfused`], 3)} |`),
      '', `Projected onto: ${(r.profiles.find((p: any) => p.projectedOn) as any)?.projectedOn ?? 'nothing (no --project)'}.`, '');
  }
  lines.push('## Tuning (`npm run tune`\'s sweep on this adapter)', '', r.tune.status === 'ok' ? `Adapter key \`${r.tune.key}\`: \`${JSON.stringify(r.tune.entry)}\`${r.tune.wroteTunedJson ? ' (written to src/tuning/tuned.json there)' : ''}` : `${r.tune.status}: ${r.tune.reason}${r.tune.partial ? `; the fields decided before that: \`${JSON.stringify(r.tune.partial)}\`` : ''}`, '');
  const notes: string[] = [];
  for (const [m, c] of Object.entries(r.models)) {
    const visit = (where: string, x: Cell) => { if (x.status !== 'ok') notes.push(`- ${m} ${where}: ${x.reason ?? x.status}`); };
    for (const [k, ss] of Object.entries(c.webvit)) for (const [s, bs] of Object.entries(ss)) for (const [b, x] of Object.entries(bs)) visit(`webvit ${k} ${s} ${b}`, x);
    for (const [b, x] of Object.entries(c.torchEager)) visit(`PyTorch eager ${b}`, x);
    for (const [b, x] of Object.entries(c.torchCompile)) visit(`torch.compile ${b}`, x);
    visit('ONNX export', c.onnxExport);
    for (const [b, x] of Object.entries(c.ort)) visit(`onnxruntime WebGPU ${b}`, x);
  }
  lines.push('## Skipped, failed and not measured', '', ...(notes.length ? notes : ['None.']), '');
  return lines.join('\n');
}

const [cmd, ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { work: { type: 'string' }, out: { type: 'string' }, tuned: { type: 'string' } } });
if (cmd === 'assemble') {
  if (!values.work || !values.out) throw new Error('report assemble --work DIR --out FILE.json');
  assemble(values.work, values.out, values.tuned);
} else if (cmd === 'md') {
  const file = positionals[0];
  if (!file) throw new Error('report md FILE.json [--out FILE.md]');
  const text = md(JSON.parse(readFileSync(file, 'utf8')) as GpuResults);
  const out = values.out ?? file.replace(/\.json$/, '.md');
  writeFileSync(out, text);
  console.log(`report: ${out}`);
} else throw new Error(`report: command ${cmd} is not assemble or md`);
