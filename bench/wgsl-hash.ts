// A hash of a WGSL source that ignores what cannot change the compiled kernel's work: comments,
// whitespace (WGSL's line breaks are whitespace too), and the order of its top-level declarations
// (a function moved into an include hashes alike). The order of anything inside a declaration
// counts. bench/plan-fingerprint.ts hashes each dispatch's shader with it.
import { createHash } from 'node:crypto';

export function wgslHash(code: string): string {
  const items: string[] = [];
  let depth = 0, item = '';
  for (const raw of code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    // A top-level declaration ends at bracket depth 0 with `;` or `}` (its attributes come before it).
    if (depth === 0 && /[;}]$/.test(item)) { items.push(item); item = ''; }
    item += ` ${line}`;
    for (const ch of line) depth += '{(['.includes(ch) ? 1 : '})]'.includes(ch) ? -1 : 0;
  }
  if (item) items.push(item);
  const norm = items.map((i) => i.replace(/\s+/g, ' ').trim()).sort();
  return createHash('sha256').update(norm.join('\n')).digest('hex').slice(0, 16);
}
