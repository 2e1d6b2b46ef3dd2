// `webvit infer` end to end in Node: an upstream-format checkpoint and a raw input in, top-5,
// dispatch and buffer counts out, and logits written with --output that match PyTorch's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { featureCases, goldenCases, logitsError, torchAvailable } from './helpers/golden.ts';
import { runtime } from './helpers/gpu.ts';
import { checkpointMetadata, loadStateDict } from '../src/weights/load.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));
const bin = path.join(repo, 'bin/webvit.js');
const skip = !torchAvailable() && 'python3-torch is not installed (npm test installs it)';

for (const [spec, schedule] of [['efficientvit_m2:224:2', 'fused'], ['edgevit_xs:224:1', 'fused'], ['efficientvit_m2:224:2', 'unfused']]) {
  test(`webvit infer ${spec} --schedule ${schedule} matches PyTorch and reports its dispatches`, { skip, timeout: 300_000 }, () => {
    const [c] = goldenCases([spec]);
    const dir = mkdtempSync(path.join(tmpdir(), 'webvit-cli-'));
    try {
      const [pth, input, output] = ['m.pth', 'x.f32', 'y.f32'].map((f) => path.join(dir, f));
      writeFileSync(pth, c.pth);
      writeFileSync(input, new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength));
      const out = execFileSync(process.execPath, [bin, 'infer', '--model', c.model, '--weights', pth, '--input', input,
        '--res', String(c.height), '--batch', String(c.batch), '--output', output, '--schedule', schedule], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      assert.match(out, /image 0: top-5 \d+ [^(]+ \(\d+\.\d+%, logit -?\d+\.\d+\)/);
      assert.match(out, /per inference: \d+ dispatches, \d+ GPU buffers/);
      assert.match(out, new RegExp(`\\(${schedule}\\) on `));
      const b = readFileSync(output);
      const logits = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const { maxDiff, tolerance } = logitsError(logits, c.logits);
      assert.ok(maxDiff <= tolerance, `${c.name} through the CLI: max|Δ| ${maxDiff} > ${tolerance}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('webvit infer with a wrong input size says what size it needs', { skip }, () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const dir = mkdtempSync(path.join(tmpdir(), 'webvit-cli-'));
  try {
    writeFileSync(path.join(dir, 'm.pth'), c.pth);
    writeFileSync(path.join(dir, 'x.f32'), new Uint8Array(100));
    assert.throws(() => execFileSync(process.execPath, [bin, 'infer', '--model', 'efficientvit_m0', '--weights', path.join(dir, 'm.pth'), '--input', path.join(dir, 'x.f32')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), (e: { stderr: string; status: number }) => {
      assert.equal(e.status, 1);
      assert.match(e.stderr, /x\.f32 has 100 bytes; \[1, 3, 224, 224\] float32 needs 602112/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('webvit convert writes a folded f16 safetensors that infer runs, and says when the adapter is a CPU', { skip, timeout: 300_000 }, () => {
  const [c] = goldenCases(['efficientvit_m0:224:1']);
  const dir = mkdtempSync(path.join(tmpdir(), 'webvit-cli-'));
  try {
    const [pth, st, input, output] = ['m.pth', 'm.safetensors', 'x.f32', 'y.f32'].map((f) => path.join(dir, f));
    writeFileSync(pth, c.pth);
    writeFileSync(input, new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength));
    const conv = execFileSync(process.execPath, [bin, 'convert', pth, st, '--dtype', 'f16'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.match(conv, /\(efficientvit_m0, made for 224×224\).*BatchNorms folded, f16 weights/);
    const r = spawnSync(process.execPath, [bin, 'infer', '--model', 'efficientvit_m0', '--weights', st, '--input', input, '--output', output], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /the WebGPU adapter is a CPU fallback/);
    const b = readFileSync(output);
    const { maxDiff, tolerance } = logitsError(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), c.logits);
    assert.ok(maxDiff <= 100 * tolerance, `f16 through the CLI: max|Δ| ${maxDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rebuilt checkout\'s bin (package.json "bin": dist/cli.js) is executable and runs as a command', { timeout: 300_000 }, () => {
  // The build writes cli.js afresh (what `npm run build` does every time), so this is the
  // second-build case: the mode must come from the build, not from an earlier npm install. It builds
  // into a folder of its own under test/.artifacts/ (inside the repository, so that the bundle's
  // external `webgpu` resolves from node_modules/), leaving dist/ as it was.
  const bin: string = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')).bin.webvit;
  assert.match(bin, /^dist\//);
  mkdirSync(path.join(repo, 'test/.artifacts'), { recursive: true });
  const out = mkdtempSync(path.join(repo, 'test/.artifacts/build-'));
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', '--no-types', '--outdir', out], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const cli = path.join(out, path.relative('dist', bin));
    assert.equal(statSync(cli).mode & 0o111, 0o111, `${cli} is not executable (mode ${(statSync(cli).mode & 0o777).toString(8)})`);
    // Run as a command (its shebang, its exec bit), not as `node dist/cli.js`.
    const r = spawnSync(cli, ['--help'], { encoding: 'utf8' });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /usage:\n  webvit infer /);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('webvit features writes every stage and the embedding of a detector checkpoint (mmdet layout) as safetensors, equal to PyTorch\'s', { skip, timeout: 300_000 }, async () => {
  const [c] = featureCases(['efficientvit_m4:320x480:1:det']);
  const dir = mkdtempSync(path.join(tmpdir(), 'webvit-features-'));
  try {
    const pth = path.join(dir, 'det.pth'), input = path.join(dir, 'x.f32'), out = path.join(dir, 'f.safetensors');
    writeFileSync(pth, c.pth);
    writeFileSync(input, new Uint8Array(c.input.buffer, c.input.byteOffset, c.input.byteLength));
    const stdout = execFileSync(process.execPath, [bin, 'features', '--model', c.model, '--weights', pth, '--input', input, '--size', `${c.height}x${c.width}`, '--output', out], { encoding: 'utf8' });
    assert.match(stdout, /blocks3 +\[1, 384, 5, 8\] {2}stride 64/);
    const sd = loadStateDict(readFileSync(out));
    assert.deepEqual([...sd.keys()], c.outputs.map((o) => o.name));
    for (const want of c.outputs) {
      const t = sd.get(want.name)!;
      assert.deepEqual(t.shape, want.shape, want.name);
      const { maxDiff, tolerance } = logitsError(t.data as Float32Array, want.data);
      assert.ok(maxDiff <= tolerance, `${want.name}: max|Δ| = ${maxDiff} > ${tolerance}`);
    }
    const meta = checkpointMetadata(sd);
    assert.deepEqual(JSON.parse(meta['webvit.strides']), { blocks1: 16, blocks2: 32, blocks3: 64 });
    assert.deepEqual(JSON.parse(meta['webvit.input']), [1, 3, 320, 480]);
    // embed: the embedding alone; --stages is refused there, and --input needs --size.
    execFileSync(process.execPath, [bin, 'embed', '--model', c.model, '--weights', pth, '--input', input, '--size', '320x480', '--output', out]);
    assert.deepEqual([...loadStateDict(readFileSync(out)).keys()], ['embedding']);
    const r = spawnSync(process.execPath, [bin, 'features', '--model', c.model, '--weights', pth, '--input', input, '--output', out], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--input needs --size HxW/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('webvit profile --features profiles the backbone graph: the stages asked for and the embedding, no head', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'webvit-profile-features-'));
  try {
    const json = path.join(dir, 'p.json');
    const out = execFileSync(process.execPath, [bin, 'profile', '--model', 'edgevit_xxs', '--features', 'blocks1,embedding', '--schedule', 'fused', '--runs', '1', '--json', json], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(out, /edgevit_xxs 224×224 batch 1, backbone mode: blocks1, embedding,/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(report.input.outputs, { stages: ['blocks1'], embedding: true });
    const modules: string[] = report.schedules.fused.records.map((d: { module: string }) => d.module);
    assert.ok(modules.length > 0 && !modules.some((m) => m.startsWith('head')), 'no head');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('webvit infer --activations: a bad value, and f16 on an adapter without shader-f16 or with --kernels cpu, say what to do', async () => {
  const run = (...args: string[]) => execFileSync(process.execPath, [bin, 'infer', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const fails = (args: string[], message: RegExp) => assert.throws(() => run(...args), (e: { stderr: string; status: number }) => {
    assert.equal(e.status, 1);
    assert.match(e.stderr, message);
    return true;
  });
  fails(['--activations', 'f8'], /--activations must be f32 or f16, got "f8"/);
  // SwiftShader has no shader-f16; on an adapter with it, --kernels cpu is what is refused.
  fails(['--activations', 'f16', '--kernels', 'cpu'], /activations 'f16' needs (the adapter's "shader-f16" feature|the GPU kernel family)/);
  if (!(await runtime()).gpu.hasF16) fails(['--activations', 'f16', '--kernels', 'gpu'], /activations 'f16' needs the adapter's "shader-f16" feature, which this adapter lacks/);
});
