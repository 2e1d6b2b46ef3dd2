// Small torch.save checkpoints (and some hostile files) written once per test file by
// test/fixtures/make_pth_fixtures.py with the system python3-torch; tests skip without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PYTHON = '/usr/bin/python3';
export const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

let dir: string | undefined;
/** The folder of fixtures, made on first use. */
export function fixtureDir(): string {
  if (dir) return dir;
  const d = mkdtempSync(path.join(tmpdir(), 'webvit-weights-'));
  const run = spawnSync(PYTHON, [path.join(repoRoot, 'test/fixtures/make_pth_fixtures.py'), d], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`make_pth_fixtures.py failed:\n${run.stderr}`);
  return (dir = d);
}
export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(path.join(fixtureDir(), name)));
export const removeFixtures = () => { if (dir) rmSync(dir, { recursive: true, force: true }); };
