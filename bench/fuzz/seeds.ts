// The fuzz seeds: scripts/fuzz/make_seeds.py's torch.save files, and safetensors files written
// from their state dicts (F32 + I64, and F16), each with the bytes webvit holds its tensors in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStateDict } from '../../src/weights/load.ts';
import { writeSafetensors } from '../../src/weights/safetensors.ts';
import type { Seed } from './mutate.ts';

export const PYTHON = process.env.WEBVIT_PYTHON ?? '/usr/bin/python3';
export const SCRIPTS = fileURLToPath(new URL('../../scripts/fuzz/', import.meta.url));

export function makeSeeds(): Seed[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'webvit-fuzz-'));
  try {
    execFileSync(PYTHON, [path.join(SCRIPTS, 'make_seeds.py'), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    const weights: Record<string, number> = JSON.parse(readFileSync(path.join(dir, 'seeds.json'), 'utf8'));
    const seeds: Seed[] = Object.entries(weights).map(([name, w]) => ({ name, kind: 'p', bytes: new Uint8Array(readFileSync(path.join(dir, name))), weights: w }));
    for (const from of ['small.pth', 'views.pth']) {
      const sd = loadStateDict(seeds.find((s) => s.name === from)!.bytes);
      const held = [...sd.values()].reduce((a, t) => a + t.data.byteLength, 0);
      seeds.push({ name: from.replace('.pth', '.safetensors'), kind: 's', bytes: writeSafetensors(sd, { format: 'pt' }), weights: held });
      seeds.push({ name: from.replace('.pth', '.f16.safetensors'), kind: 's', bytes: writeSafetensors(sd, { format: 'pt' }, 'f16'), weights: held });
    }
    return seeds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One frame of the reference's input: u32 length, kind byte, the bytes. */
export function frame(kind: 'p' | 's', bytes: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(bytes.length, 0);
  head[4] = kind.charCodeAt(0);
  return Buffer.concat([head, bytes]);
}

export type RefOutcome = { ok: true; digest: string; tensors: number } | { ok: false; error: string };
