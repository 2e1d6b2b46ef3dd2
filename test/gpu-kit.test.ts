// The GPU benchmark kit (bench/gpu/): prepare.sh makes a kit (here --fast, into a temporary folder),
// `run.sh --dry --models efficientvit_m0` runs every one of its steps on this machine (WebGPU on the
// CPU adapter, PyTorch on the CPU, batch 1), and the results it writes say, for every step and every
// cell, a number or why there is none; the Markdown reports the targets; --dry leaves tuned.json alone.
// About 1.5 minutes on two idle cores (SwiftShader compiles each kernel family's pipelines; onnxruntime's
// WebGPU EP takes seconds to tens of seconds for its first run there); longer on a loaded machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GpuResults } from '../bench/gpu/report.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const STEPS = ['setup', 'adapter', 'webvit', 'torch-meta', 'torch-eager', 'torch-compile', 'onnx-export', 'ort', 'profile', 'tune'];
type Cell = { status: string; reason?: string; [k: string]: unknown };

/** A cell is measured (its timings finite and positive) or says why it is not. */
function checkCell(where: string, c: Cell | undefined, keys: string[]): void {
  assert.ok(c, `${where}: no cell`);
  if (c.status === 'ok') for (const k of keys) assert.ok(typeof c[k] === 'number' && Number.isFinite(c[k]) && (c[k] as number) > 0, `${where}: ${k} = ${c[k]}`);
  else assert.ok(typeof c.reason === 'string' && c.reason.length > 10, `${where}: status ${c.status} without a reason`);
}

test('gpu kit: prepare.sh, then run.sh --dry runs every step and reports every target', { timeout: 20 * 60_000, skip: platform() !== 'linux' || arch() !== 'x64' ? 'the kit carries Linux x86-64 binaries' : false }, () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'webvit-gpu-kit-test-'));
  const tunedBefore = readFileSync(path.join(root, 'src/tuning/tuned.json'), 'utf8');
  try {
    const kit = path.join(tmp, 'kit'), results = path.join(tmp, 'results'), out = path.join(tmp, 'out');
    execFileSync('mkdir', ['-p', out]);
    const prep = execFileSync('bash', ['bench/gpu/prepare.sh', '--out', kit, '--fast'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(prep, /prepare: kit .*: [\d.]+ MiB; the tree that travels: [\d.]+ MiB; total [\d.]+ MiB/, prep);
    for (const f of ['bin/node.xz', 'webgpu/dawn.node.xz', 'ort/libonnxruntime.so.1.xz', 'js/kit.js', 'js/tune.js', 'js/report.js', 'dist/cli.js', 'dist/webvit.node.js', 'meta.json']) {
      assert.ok(readdirSync(path.join(kit, path.dirname(f))).includes(path.basename(f)), `the kit has ${f}`);
    }
    assert.ok(readdirSync(path.join(kit, 'debs')).some((f) => /^libvulkan1_.*\.deb$/.test(f)), 'the kit carries the Vulkan loader');

    const log = execFileSync('bash', ['bench/gpu/run.sh', '--dry', '--models', 'efficientvit_m0', '--kit', kit, '--results', results],
      { cwd: root, encoding: 'utf8', env: { ...process.env, OUT: out }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    const work = /^WORK=(.*)$/m.exec(log)?.[1];
    if (work?.startsWith('/tmp/webvit-gpukit.')) rmSync(work, { recursive: true, force: true });
    for (const s of STEPS) assert.match(log, new RegExp(`== ${s}: \\w+ in \\d+s|== ${s}: skipped`), `run.log prints the step ${s} and its time`);

    const json = readdirSync(results).find((f) => /^gpu-.*-dry\.json$/.test(f));
    assert.ok(json, `results: ${readdirSync(results)}`);
    const r = JSON.parse(readFileSync(path.join(results, json), 'utf8')) as GpuResults;
    assert.equal(r.schema, 'webvit-gpu-kit/1');
    assert.equal(r.dry, true);
    assert.match(r.provenance.commit, /^[0-9a-f]{40}$/);
    for (const k of ['webgpu', 'onnxruntime-node', 'torch', 'driver']) assert.ok(r.provenance.versions[k], `provenance names ${k}`);
    // Every step ran, or says why not.
    for (const s of STEPS) {
      const st = r.steps[s];
      assert.ok(st, `step ${s} recorded`);
      assert.ok(st.status === 'ok' || (st.reason ?? '').length > 5, `step ${s}: ${st.status} without a reason`);
      assert.ok(Number.isInteger(st.seconds), `step ${s}: seconds`);
    }
    assert.equal(r.steps.setup.status, 'ok');
    // Every cell: numbers or a reason.
    const m = r.models.efficientvit_m0;
    for (const k of ['gpu', 'cpu']) for (const s of ['fused', 'unfused']) checkCell(`webvit ${k} ${s}`, m.webvit[k][s].b1, ['gpuMs', 'wallMs']);
    checkCell('torch eager', m.torchEager.b1, ['ms', 'wallMs']);
    checkCell('torch.compile', m.torchCompile.b1, ['ms']);
    checkCell('onnx export', m.onnxExport, ['seconds']);
    checkCell('ort', m.ort.b1, ['wallMs']);
    assert.equal(m.webvit.cpu.fused.b1.status, 'ok', 'webvit runs here');
    // Half activations: measured where the adapter has shader-f16, else skipped saying so (SwiftShader has not).
    const half = m.webvit['gpu-f16-activations'].fused.b1;
    if ((r.environment.adapter as { hasF16?: boolean }).hasF16) checkCell('webvit gpu fused f16 activations', half, ['gpuMs', 'wallMs']);
    else assert.match(String(half.reason), /no shader-f16/);
    assert.equal(m.torchEager.b1.status, 'ok', 'PyTorch eager runs here');
    assert.equal(r.profiles.length, 2, 'both families profiled');
    for (const p of r.profiles) checkCell(`profile ${p.kernels}`, p as Cell, ['fusedMs']);
    assert.ok(r.tune.status === 'ok' ? typeof r.tune.entry === 'object' : String(r.tune.reason).length > 5, 'tune: an entry or a reason');
    // The targets: all five for the model, each with its number or why it has none.
    assert.equal(r.targets.length, 5);
    for (const t of r.targets) {
      assert.ok(t.value === null ? t.met === null && t.gap.length > 10 : typeof t.met === 'boolean' && /met|missed/.test(t.gap), JSON.stringify(t));
    }
    assert.equal(r.summary.met + r.summary.missed + r.summary.unknown, 5);

    const md = readFileSync(path.join(results, json.replace(/\.json$/, '.md')), 'utf8');
    assert.match(md, /^Provenance: commit [0-9a-f]{12}/m);
    assert.match(md, /## Targets/);
    for (const t of r.targets) assert.ok(md.includes(`| ${t.model} | ${t.target} |`), `the md reports "${t.target}"`);
    assert.match(md, /Targets: \d+ met, \d+ missed, \d+ not measured\./);
    // The Markdown comes from the JSON alone: report.ts run from source gives the same.
    const again = path.join(tmp, 'again.md');
    execFileSync(process.execPath, ['--import', 'tsx', 'bench/gpu/report.ts', 'md', path.join(results, json), '--out', again], { cwd: root, stdio: 'ignore' });
    assert.equal(readFileSync(again, 'utf8'), md);
    // What comes back from the device machine: at most 8 files, the results among them.
    const back = readdirSync(out);
    assert.ok(back.length <= 8, `$OUT: ${back}`);
    for (const f of [json, json.replace(/\.json$/, '.md'), 'run.log', 'records.tar.gz', 'profiles.tar.gz']) assert.ok(back.includes(f), `$OUT has ${f}: ${back}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    assert.equal(readFileSync(path.join(root, 'src/tuning/tuned.json'), 'utf8'), tunedBefore, '--dry leaves src/tuning/tuned.json as it was');
  }
});

test('.gpukit/ is ignored by git (it travels to the device machine as a carried path, never committed)', () => {
  const out = execFileSync('git', ['check-ignore', '-v', '.gpukit/bin/node.xz'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /\.gitignore:\d+:\/\.gpukit\//);
});
