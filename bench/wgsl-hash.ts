// A hash of a WGSL source that ignores what cannot change the compiled kernel's work: comments,
// whitespace (WGSL's line breaks are whitespace too), the order of its top-level declarations
// (a function moved into an include hashes alike), and conversions that convert nothing (see
// withoutIdentityConversions: a float32 kernel's activation types, include/act.wgsl). The order of
// anything inside a declaration counts. bench/plan-fingerprint.ts hashes each dispatch's shader with it.
import { createHash } from 'node:crypto';

/** The index of the bracket that closes the one at `open` (code[open] is `(` or `[`), or -1. */
function closing(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if ('(['.includes(code[i]!)) depth++;
    else if (')]'.includes(code[i]!) && --depth === 0) return i;
  }
  return -1;
}

/**
 * The code with its identity conversions taken out, so that a float32 kernel written with
 * include/act.wgsl's types hashes as it did before them:
 *  - `alias act = f32;` and `alias act4 = vec4<f32>;` go, and act, act4 become f32, vec4<f32>
 *    (only where act is f32: the half form keeps its types and conversions);
 *  - `T(NAME[i])`, a storage array's element of type T converted to T, becomes `NAME[i]`;
 *  - `NAME[i] = T(e);`, a store into a storage array of T, becomes `NAME[i] = e;`.
 * Another code hashes alike only if it differs by such conversions alone; as both compile, `e` then
 * has type T in both (WGSL converts nothing implicitly), so the conversion was the identity.
 */
export function withoutIdentityConversions(code: string): string {
  if (/\balias\s+act\s*=\s*f32\s*;/.test(code)) {
    code = code.replace(/\balias\s+act4?\s*=\s*[^;]*;/g, '').replace(/\bact4\b/g, 'vec4<f32>').replace(/\bact\b/g, 'f32');
  }
  const types = new Map<string, string>();
  for (const m of code.matchAll(/var<storage[^>]*>\s+(\w+)\s*:\s*array<([^;]+)>\s*;/g)) types.set(m[1]!, m[2]!.replace(/\s+/g, ''));
  // T(NAME[…]) → NAME[…] where NAME holds T.
  for (let i = code.length; (i = Math.max(code.lastIndexOf('f32(', i - 1), code.lastIndexOf('vec4<f32>(', i - 1))) >= 0;) {
    const type = code.startsWith('vec4<f32>(', i) ? 'vec4<f32>' : 'f32';
    if (type === 'f32' && /[\w<]/.test(code[i - 1] ?? '')) continue; // part of a longer name or of vec4<f32>
    const open = i + type.length, close = closing(code, open);
    const arg = /^\s*(\w+)\s*\[/.exec(code.slice(open + 1, close));
    if (close < 0 || !arg || types.get(arg[1]!) !== type) continue;
    const bracket = code.indexOf('[', open + 1);
    if (code.slice(closing(code, bracket) + 1, close).trim() !== '') continue; // more than the element
    code = code.slice(0, i) + code.slice(open + 1, close) + code.slice(close + 1);
  }
  // NAME[…] = T(e); → NAME[…] = e; where NAME holds T.
  for (const [name, type] of types) {
    for (let i = 0; (i = code.indexOf(`${name}[`, i)) >= 0; i++) {
      if (/\w/.test(code[i - 1] ?? '')) continue;
      const end = closing(code, i + name.length);
      const rhs = /^\s*=\s*/.exec(code.slice(end + 1));
      if (end < 0 || !rhs) continue; // (`==` leaves a `=` where T( would start: no match below)
      const at = end + 1 + rhs[0].length;
      if (!code.startsWith(`${type}(`, at)) continue;
      const open = at + type.length, close = closing(code, open);
      if (close < 0 || !/^\s*;/.test(code.slice(close + 1))) continue;
      code = code.slice(0, at) + code.slice(open + 1, close) + code.slice(close + 1);
    }
  }
  return code;
}

export function wgslHash(code: string): string {
  const items: string[] = [];
  let depth = 0, item = '';
  for (const raw of withoutIdentityConversions(code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '')).split('\n')) {
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
