// The README's generated sections: the performance table and the findings under it, written from
// bench/results/models.json and kernels.json by `npm run bench` (and `npm run bench -- --report`).
// Every figure in them is computed here from the results; test/readme-figures.test.ts checks that
// the README holds exactly what these functions make of the committed results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelResults } from './report-kernels.ts';
import { bestOrtWebgpu, counted, f, familyTable, firefoxAdapterOf, models, readmeTable, roofMs, row, type ModelResults } from './report-models.ts';
import { adapterName } from './provenance.ts';
import { runtimesWhere } from './runtimes.ts';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
export const SECTIONS = {
  'bench:models': 'npm run bench writes this table from bench/results/models.json',
  'bench:findings': 'npm run bench writes these paragraphs from bench/results/models.json and kernels.json',
  'bench:families': 'npm run bench, runtimes webvit and webvit-gpu-family, name families, writes this from bench/results/families.json',
} as const;
type Section = keyof typeof SECTIONS;
const begin = (s: Section) => `<!-- ${s}:begin (${SECTIONS[s]}) -->`, end = (s: Section) => `<!-- ${s}:end -->`;

/** efficientvit_m3 → M3, edgevit_xs → EdgeViT-XS, deit_tiny… → DeiT-T, swin_tiny… → Swin-T */
export function shortName(m: string): string {
  if (m.startsWith('efficientvit_')) return m.slice(13).toUpperCase();
  if (m.startsWith('edgevit_')) return `EdgeViT-${m.slice(8).toUpperCase()}`;
  if (m.startsWith('deit_tiny')) return 'DeiT-T';
  if (m.startsWith('swin_tiny')) return 'Swin-T';
  return m;
}
const FAMILIES: [string, string][] = [['efficientvit_', 'EfficientViT'], ['edgevit_', 'EdgeViT'], ['deit_', 'DeiT'], ['swin_', 'Swin']];
const family = (m: string) => FAMILIES.find(([p]) => m.startsWith(p))?.[1] ?? m;

/** "1.2–3.4" (or one value when they agree at this precision), with a unit after each. */
function span(values: number[], d = 1, unit = ''): string {
  const lo = f(Math.min(...values), d), hi = f(Math.max(...values), d);
  return lo === hi ? `${lo}${unit}` : `${lo}–${hi}${unit}`;
}
const pct = (v: number) => 100 * v;

/** "M0–M5 1.17–1.68×, EdgeViT-XXS–S …, DeiT-T 0.97×": a value per model, grouped by family. */
function byFamily(entries: [string, number][], d: number, unit: string): string {
  const out: string[] = [];
  for (const fam of [...new Set(entries.map(([m]) => family(m)))]) {
    const mine = entries.filter(([m]) => family(m) === fam);
    const first = shortName(mine[0][0]), last = shortName(mine[mine.length - 1][0]);
    const names = mine.length === 1 ? first : `${fam} ${first.replace(`${fam}-`, '')}–${last.replace(`${fam}-`, '')}`;
    out.push(`${names} ${span(mine.map(([, v]) => v), d, unit)}`);
  }
  return out.join(', ');
}

/** Per model: x(model) where both are known. */
const each = (r: ModelResults, x: (m: string) => number | null | undefined): [string, number][] =>
  models(r).map((m): [string, number | null | undefined] => [m, x(m)]).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));

const median = (r: ModelResults, m: string, rt: string, b = 1) => counted(r, m, rt, b)?.medianMs;
/** The WebGPU runtimes in Chromium (the Firefox ones run on another adapter). */
const WEBGPU = runtimesWhere((x) => x.webgpu && x.engine === 'chromium');

/** Chromium's adapter as the results recorded it ("SwiftShader, Chromium's software Vulkan" when it is). */
const chromiumAdapter = (r: ModelResults) => (/swiftshader/i.test(adapterName(r.adapter)) ? 'SwiftShader, Chromium\'s software Vulkan' : r.adapter ? adapterName(r.adapter) : 'an adapter the results do not name');
/** Firefox's adapter as its rows recorded it, or null without Firefox rows. */
const firefoxAdapter = (r: ModelResults) => { const a = firefoxAdapterOf(r); return a ? adapterName(a) : null; };

/** The paragraphs under the table: what the numbers mean, the targets missed and why, fusion, half weights. */
export function readmeFindings(r: ModelResults, k: KernelResults | null): string {
  const out: string[] = [];
  const swiftShader = /swiftshader/i.test(adapterName(r.adapter)), ff = firefoxAdapter(r);
  const fastestWebgpu = (m: string) => Math.min(...WEBGPU.map((rt) => median(r, m, rt) ?? Infinity));
  const wasm = (m: string) => Math.min(median(r, m, 'ort-wasm-1') ?? Infinity, median(r, m, 'ort-wasm-2') ?? Infinity);
  const wasmX = each(r, (m) => fastestWebgpu(m) / wasm(m)), nodeX = each(r, (m) => fastestWebgpu(m) / (median(r, m, 'ort-node') ?? NaN));
  if (wasmX.length && nodeX.length) {
    out.push(`**What these numbers are.** This machine has no GPU: every WebGPU path in the table — webvit's and onnxruntime-web's — ` +
      `runs on the CPU${ff ? ': in Chromium' : ''} through ${chromiumAdapter(r)}${ff ? `; in Firefox on the adapter it offers, recorded as "${ff}"` : ''}. ` +
      'There the CPU backends win plainly: onnxruntime-web\'s wasm backend ' +
      `(the faster of 1 and 2 threads) is ${span(wasmX.map(([, v]) => v), 1, '×')} faster than the fastest WebGPU path for each model ` +
      `(webvit's${ff ? ' in Chromium' : ''}, fused or unfused), and onnxruntime-node's native CPU backend ${span(nodeX.map(([, v]) => v), 1, '×')} faster. ` +
      'On a machine without a GPU, use those, not webvit. webvit is for running these models on a GPU through WebGPU — in a page with ' +
      'nothing sent to a server, or in Node — and for seeing where that GPU time goes. What the table does show is how webvit\'s ' +
      'kernels compare with onnxruntime-web\'s WebGPU backends on the same adapter, how close they come to the roofs measured in the same run, ' +
      `and what fusion, batching and half weights change there. What it does not show is speed on a GPU: ${swiftShader ? 'SwiftShader' : 'a CPU adapter'}'s costs (a dispatch, a ` +
      `CPU's low ridge${swiftShader ? ', no `shader-f16`' : ''}) are not a GPU's, no GPU has been measured here, and whether webvit on a GPU is faster than ` +
      'onnxruntime\'s CPU backends on the same machine is not known. `npm run bench` on a machine with a GPU measures it.', '');
  }
  out.push('**Targets missed, and why** (the `Targets` table in [bench/results/models.md](bench/results/models.md) says by how much, per model):');

  // 25× over onnxruntime-web's best WebGPU flavour
  const speedup = each(r, (m) => { const w = counted(r, m, 'webvit'), b = bestOrtWebgpu(r, m); return w && b ? b.b!.medianMs! / w.medianMs! : null; });
  const met = speedup.filter(([, v]) => v >= 25), missed = speedup.filter(([, v]) => v < 25);
  const ortRuns = models(r).flatMap((m) => ['ort-jsep', 'ort-webgpu'].map((rt) => counted(r, m, rt)?.perRun).filter((p) => p !== undefined));
  const share = each(r, (m) => { const w = counted(r, m, 'webvit'), roof = roofMs(r, m); return w && roof ? roof / w.medianMs! : null; });
  if (speedup.length) {
    const need = missed.map(([m]): [string, number, number] => { const b = bestOrtWebgpu(r, m)!.b!.medianMs! / 25; return [m, b, roofMs(r, m)!]; }).filter(([, , roof]) => roof);
    const beyond = need.filter(([, b, roof]) => roof / b > 1), within = need.filter(([, b, roof]) => roof / b <= 1);
    const m0 = models(r)[0], m0Ort = bestOrtWebgpu(r, m0)?.b?.medianMs;
    const worst = beyond.length ? beyond.reduce((a, x) => (x[2] / x[1] > a[2] / a[1] ? x : a)) : null;
    out.push(`- *25× over onnxruntime-web's best WebGPU flavour*: ${met.length ? `met by ${met.map(([m, v]) => `${shortName(m)} (${f(v)}×)`).join(', ')}` : 'met by none'}` +
      `${missed.length ? `; missed by ${byFamily(missed, 1, '×')}` : ''}. onnxruntime-web's time here is mostly fixed cost — ` +
      `${span(ortRuns.map((p) => p!.dispatches), 0)} dispatches and ${span(ortRuns.map((p) => p!.submits), 0)} submits per run` +
      `${m0Ort !== undefined ? `, ${f(m0Ort / 1000, 2)} s even for ${shortName(m0)}` : ''} — while webvit's grows with the FLOPs, so the ratio falls as the models grow.` +
      (beyond.length ? ` For ${beyond.map(([m]) => shortName(m)).join(', ')}, 25× would need ${span(beyond.map(([, b, roof]) => pct(roof / b)), 0, ' %')} of the matmul roof measured in the same run ` +
        `(${shortName(worst![0])}: ${f(worst![1], 0)} ms against a roof of ${f(worst![2], 0)} ms), which no schedule built on that matmul kernel can reach` : '') +
      (within.length ? `; for ${within.map(([m]) => shortName(m)).join(', ')} it would need ${span(within.map(([, b, roof]) => pct(roof / b)), 0, ' %')} of it, more than any model reaches here (${span(share.map(([, v]) => pct(v)), 0, ' %')})` : '') + '.');
  }

  // 80 % of the roof
  if (share.length && k) {
    const file = (name: string) => k.files.find((x) => x.file === name);
    const named = [['pointwise.wgsl', ''], ['dwconv.wgsl', 'depthwise convolutions'], ['cascaded_attention.wgsl', 'cascaded attention'],
      ['shifted_window_attention.wgsl', 'Swin\'s window attention'], ['elementwise.wgsl', 'element-wise'], ['norm.wgsl', 'norm']] as const;
    const rf = (name: string) => { const x = file(name); return x ? `${f(pct(x.roofFraction), 0)} %` : 'not measured'; };
    const lowest = share.reduce((a, x) => (x[1] < a[1] ? x : a));
    out.push(`- *80 % of the roof*: ${span(share.map(([, v]) => pct(v)), 0, ' %')} (${shortName(lowest[0])} lowest). The pointwise matmul kernel runs at ` +
      `${rf('pointwise.wgsl')} of the roof time-weighted ([bench/results/kernels.md](bench/results/kernels.md)); the rest is ` +
      `${named.slice(1, 4).map(([n, what]) => `${what} (${rf(n)})`).join(', ')} and the element-wise and norm kernels (${rf('elementwise.wgsl')}, ${rf('norm.wgsl')}), ` +
      'which do few FLOPs per byte loaded, and SwiftShader\'s loads are what cost.');
  }

  // cold start
  const cold = (m: string) => row(r, m, 'webvit')?.coldMs;
  const coldGoal: [string, number][] = [['efficientvit_m0', 2], ['edgevit_xxs', 4]];
  const measured = coldGoal.filter(([m]) => cold(m) !== undefined);
  if (measured.length) {
    const eff = each(r, (m) => (family(m) === 'EfficientViT' ? cold(m)! / 1000 : null));
    const pages = row(r, measured[0][0], 'webvit')?.coldRuns?.length ?? 1;
    const pipes = counted(r, measured[0][0], 'webvit')?.pipelines;
    out.push(`- *Cold start ${measured.map(([m, g]) => `≤ ${g} s (${shortName(m)})`).join(', ')}*: ${measured.map(([m]) => `${f(cold(m)! / 1000, 1)} s`).join(' and ')}` +
      `${eff.length > 1 ? ` (${span(eff.map(([, v]) => v), 1, ' s')} for the EfficientViTs)` : ''}; ${pages > 1 ? `medians of ${pages} fresh pages` : 'one page each'}. ` +
      `It is the sum of the pipeline compiles (${pipes ?? '—'} pipelines for ${shortName(measured[0][0])}; compile times measured separately, not by this run: ` +
      'the pointwise matmul variants 430–680 ms each, EdgeViT\'s fused local-propagation and patch-embed variants up to ~1 s), which ' +
      'Chromium runs one after another on SwiftShader. Merging pipeline variants by turning their compile-time flags into uniforms made the ' +
      'pointwise kernel ~30 % slower (branches in the k-loop) or each pipeline larger to compile, so it was not kept; the distinct pipelines ' +
      'already dropped (shared workgroup sizes, attention\'s write-window as a parameter) saved ~1.1 s.');
  }

  // batch 8
  const gain = each(r, (m) => { const w = counted(r, m, 'webvit'), b8 = counted(r, m, 'webvit', 8); return w && b8 ? b8.imagesPerSec! / w.imagesPerSec! : null; });
  if (gain.length && r.roofs) {
    const skipped = models(r).filter((m) => row(r, m, 'webvit')?.batches.find((b) => b.batch === 8)?.skipped);
    const fixed = each(r, (m) => { const w = counted(r, m, 'webvit'); return w?.perRun ? (w.perRun.dispatches * r.roofs!.dispatchUs) / 1000 + w.perRun.submits * r.roofs!.submitMs : null; });
    const disp = each(r, (m) => counted(r, m, 'webvit')?.perRun?.dispatches), med = each(r, (m) => median(r, m, 'webvit'));
    out.push(`- *Batch 8 ≥ 1.5× batch 1*: ${span(gain.map(([, v]) => v), 2, '×')}${skipped.length ? ` (${skipped.map(shortName).join(', ')}: batch 8 skipped, one run takes over a second)` : ''}. ` +
      'On a 2-core CPU adapter batch 1 already gives both cores thousands of workgroups; the fixed cost that batching shares out is ' +
      `${span(disp.map(([, v]) => v), 0)} dispatches × ${f(r.roofs.dispatchUs, 1)} µs and one submit, ${span(fixed.map(([, v]) => v), 1, ' ms')} of a ` +
      `${span(med.map(([, v]) => v), 1, ' ms')} run (${span(fixed.map(([m, v]) => pct(v / median(r, m, 'webvit')!)), 1, ' %')}). ` +
      'On a GPU, where batch 1 leaves most of the device idle, the same command measures it.');
  }
  out.push('');

  // fused against unfused
  const unfused = each(r, (m) => { const a = median(r, m, 'webvit-unfused'), b = median(r, m, 'webvit'); return a && b ? a / b : null; });
  if (unfused.length) {
    const slower = unfused.filter(([, v]) => v < 1);
    const spread = each(r, (m) => { const b = counted(r, m, 'webvit'); return b ? b.p90Ms! / b.medianMs! - 1 : null; });
    out.push(`**Fused against unfused** in this run (unfused median over fused): ${byFamily(unfused, 2, '×')}.` +
      (slower.length ? ` Below 1 (${slower.map(([m]) => `${shortName(m)}: ${f(median(r, m, 'webvit'))} against ${f(median(r, m, 'webvit-unfused'))} ms`).join('; ')}), ` +
        `the fused kernels are slower per FLOP on this CPU adapter than the separate products they absorb${slower.some(([m]) => m.startsWith('deit_')) ? ', as DeiT-T\'s profile above shows' : ''}.` : '') +
      ` A cell's p90 is up to ${f(pct(Math.max(...spread.map(([, v]) => v))), 0)} % above its median in this run.`, '');
  }

  // half weights
  const mem = each(r, (m) => { const a = row(r, m, 'webvit')?.gpuBytes?.afterLoad, b = row(r, m, 'webvit-f16')?.gpuBytes?.afterLoad; return a && b ? 1 - b / a : null; });
  const slow = each(r, (m) => { const a = median(r, m, 'webvit-f16'), b = median(r, m, 'webvit'); return a && b ? a / b - 1 : null; });
  const f16Rows = r.rows.filter((x) => x.runtime === 'webvit-f16' && !x.error);
  if (mem.length && slow.length) {
    const big = mem.reduce((a, x) => ((row(r, x[0], 'webvit')?.gpuBytes?.afterLoad ?? 0) > (row(r, a[0], 'webvit')?.gpuBytes?.afterLoad ?? 0) ? x : a));
    const mib = (m: string, rt: string) => f(row(r, m, rt)!.gpuBytes!.afterLoad / 2 ** 20);
    const maxDiff = Math.max(...f16Rows.flatMap((x) => x.batches.map((b) => b.maxDiff ?? 0)));
    // Firefox's f16 column: the native path where its adapter recorded shader-f16
    const ffF16 = each(r, (m) => { const a = median(r, m, 'webvit-f16@firefox'), b = median(r, m, 'webvit@firefox'); return a && b ? a / b : null; });
    const ffHasF16 = firefoxAdapterOf(r)?.shaderF16;
    const chromiumF16 = r.rows.find((x) => x.runtime === 'webvit-f16' && x.adapter)?.adapter?.shaderF16;
    const unpacks = chromiumF16 === false || (chromiumF16 === undefined && swiftShader);
    out.push(`**Half-precision weights** (\`webvit f16 weights\`, \`dtype: 'f16'\`): the GPU memory after load is ` +
      `${span(mem.map(([, v]) => pct(v)), 0, ' %')} lower in the same run (models.md's \`GPU MiB after load\`, e.g. ${shortName(big[0])} ${mib(big[0], 'webvit')} → ${mib(big[0], 'webvit-f16')} MiB; ` +
      `the weights themselves halve), and the logits stay within ${maxDiff.toExponential(0)} of PyTorch's. ` +
      (unpacks ? `${swiftShader ? 'SwiftShader' : 'Chromium\'s adapter'} has no \`shader-f16\`, so here the kernels unpack ` +
        `the halves (\`unpack2x16float\`), which makes them ${span(slow.map(([, v]) => pct(v)), 0, ' %')} slower: a CPU adapter pays ALU for the ` +
        'unpacking and saves nothing it is short of. ' : `In Chromium they are ${span(slow.map(([, v]) => pct(v)), 0, ' %')} slower than f32 weights. `) +
      'Where the adapter has `shader-f16` the kernels read `vec4<f16>` directly and the halved weight traffic is the point; ' +
      (ffF16.length && ffHasF16
        ? `that native path ran in Firefox here (\`webvit f16 weights in Firefox\`; its adapter, "${ff}", has \`shader-f16\`): ` +
          `its median ${span(ffF16.map(([, v]) => v), 2, '×')} that of f32 weights in Firefox.`
        : ffF16.length ? `Firefox's f16 column ran here, but its adapter's \`shader-f16\` was not recorded, so which path it took is not known from these results.`
          : 'these results have no run on such an adapter, so its speed is not measured here.'), '');
  }
  return out.join('\n');
}

/**
 * The two kernel families on the bench's adapter (bench/results/families.json: `webvit` runs the
 * adapter's default family, `webvit-gpu-family` forces the GPU family): a paragraph and
 * families.md's table.
 */
export function readmeFamilies(r: ModelResults | null): string {
  if (!r) return 'The two families have not been measured against each other yet (`npm run bench -- --runtimes webvit,webvit-gpu-family --name families`).\n';
  const batches = [...new Set(r.rows.flatMap((x) => x.batches.map((b) => b.batch)))].sort((a, b) => a - b);
  const ratios = batches.map((b) => [b, each(r, (m) => { const g = median(r, m, 'webvit-gpu-family', b), c = median(r, m, 'webvit', b); return g && c ? c / g : null; })] as const)
    .filter(([, e]) => e.length);
  const all = ratios.flatMap(([, e]) => e.map(([, v]) => v));
  // `webvit` runs the adapter's default family: the CPU family on a CPU adapter (src/tuning.ts).
  const cpu = /swiftshader|llvmpipe|lavapipe/i.test(adapterName(r.adapter));
  const other = cpu ? 'the CPU family' : 'the default family';
  const slower = all.every((v) => v < 1);
  const verdict = slower ? `slower than ${other} for every model${cpu ? ', so the CPU family stays a CPU adapter\'s default' : ''}`
    : all.every((v) => v > 1) ? `faster than ${other} for every model` : `faster than ${other} for some models and slower for others`;
  const date = r.date.slice(0, 10);
  return `**The two families measured on one adapter** (${chromiumAdapter(r)}; \`npm run bench\`, ${date}, [bench/results/families.md](bench/results/families.md)): ` +
    `${cpu ? 'the CPU family\'s' : 'the default family\'s (`webvit`)'} median time over the GPU family's (the table's last column; above 1: the GPU family is faster) is ${ratios.map(([b, e]) => `${byFamily(e, 2, '×')} at batch ${b}`).join('; ')}: ` +
    `on this adapter the GPU family is ${verdict}.` +
    (slower && cpu ? ' A CPU driver runs a workgroup\'s invocations on one core a few lanes at a time, so the GPU family\'s ' +
      'staging through workgroup memory and its barriers are overhead there; what the GPU family is for can only be measured on a GPU.' : '') + '\n\n' +
    familyTable(r).slice(4).join('\n');
}

/** Each generated section's text, from the results. */
export function readmeSections(r: ModelResults, k: KernelResults | null, families: ModelResults | null = null): Record<Section, string> {
  return { 'bench:models': readmeTable(r), 'bench:findings': readmeFindings(r, k), 'bench:families': readmeFamilies(families) };
}

/** The results in `dir` (models.json, and kernels.json and families.json if there). */
export function readResults(dir: string): { models: ModelResults; kernels: KernelResults | null; families: ModelResults | null } {
  const read = (n: string) => (existsSync(path.join(dir, `${n}.json`)) ? JSON.parse(readFileSync(path.join(dir, `${n}.json`), 'utf8')) : null);
  const models = read('models') as ModelResults | null;
  if (!models) throw new Error(`${dir} has no models.json (npm run bench writes it)`);
  return { models, kernels: read('kernels') as KernelResults | null, families: read('families') as ModelResults | null };
}

/** The text between a section's markers; throws when the markers are missing. */
export function sectionOf(text: string, s: Section): string {
  const a = text.indexOf(begin(s)), b = text.indexOf(end(s));
  if (a < 0 || b < a) throw new Error(`README.md lacks the markers ${begin(s)} … ${end(s)}`);
  return text.slice(a + begin(s).length + 1, b);
}

export function withSections(text: string, sections: Record<Section, string>): string {
  for (const [s, body] of Object.entries(sections) as [Section, string][]) {
    sectionOf(text, s);
    const a = text.indexOf(begin(s)) + begin(s).length, b = text.indexOf(end(s));
    text = `${text.slice(0, a)}\n${body}${text.slice(b)}`;
  }
  return text;
}

/** Rewrites the README's generated sections from the results in `dir`. */
export function updateReadme(dir: string): void {
  const { models: m, kernels, families } = readResults(dir);
  writeFileSync(README, withSections(readFileSync(README, 'utf8'), readmeSections(m, kernels, families)));
  process.stderr.write('bench: rewrote the README\'s generated sections\n');
}
