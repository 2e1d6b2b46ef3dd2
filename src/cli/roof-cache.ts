// Node's cache of measured roofs: one JSON file, keyed by adapter, in the user's cache directory
// ($XDG_CACHE_HOME/webvit or ~/.cache/webvit). An unreadable or foreign file is ignored and rewritten.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { validRoofs, type RoofCache, type Roofs } from '../profile/roofs.ts';

export function fileRoofCache(file = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'webvit', 'roofs.json')): RoofCache & { file: string } {
  const read = (): Record<string, Roofs> => {
    try {
      const v = JSON.parse(readFileSync(file, 'utf8'));
      return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
    } catch { return {}; }
  };
  return {
    file,
    load: (key) => {
      const all = read();
      const r = Object.hasOwn(all, key) ? all[key] : null;
      return validRoofs(r) ? r : null;
    },
    save: (key, roofs) => {
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify({ ...read(), [key]: roofs }, null, 1));
      } catch (e) {
        console.error(`webvit: cannot cache the roofs in ${file} (${(e as Error).message}); they will be measured again next time`);
      }
    },
  };
}
