// Minimal --flag value parsing with clear errors.
export function parseFlags(argv: string[], known: Record<string, 'string' | 'number' | 'boolean'>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [name, inline] = a.slice(2).split('=', 2);
    const kind = known[name];
    if (!kind) throw new Error(`unknown option --${name} (options: ${Object.keys(known).map((k) => '--' + k).join(' ')})`);
    if (kind === 'boolean') { out[name] = true; continue; }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
      out[name] = n;
    } else out[name] = v;
  }
  return out;
}
