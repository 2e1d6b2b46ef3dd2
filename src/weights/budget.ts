// Bounds for reading checkpoints that may be hostile: a memory budget that every allocation a load
// makes is charged against (so a small file cannot make the reader allocate gigabytes), and a
// bounded, non-recursive way to quote values read from the file in error messages.

/** The default budget: what a well-formed checkpoint of this size can need (f16 weights widen to f32, plus slack). */
export const defaultMaxBytes = (fileBytes: number): number => 3 * fileBytes + (1 << 20);

/**
 * Bytes a checkpoint load may allocate beyond the input it was given. Charges only add up (memory
 * is freed by the garbage collector, not returned here), so `used` bounds the peak from above.
 */
export class MemoryBudget {
  used = 0;
  constructor(readonly limit: number, private readonly fileBytes: number) {
    if (!(limit >= 0)) throw new Error(`maxBytes must be a number ≥ 0, got ${limit}`);
  }

  /** Charges `bytes` for `what`, or throws before anything is allocated. */
  charge(bytes: number, what: string): void {
    if (!(bytes >= 0) || this.used + bytes > this.limit) {
      throw new Error(`${what} needs ${bytes} more bytes, beyond this load's memory budget of ${this.limit} bytes ` +
        `(${this.used} already used; the default is 3 × the ${this.fileBytes}-byte file + 1 MiB): the file is corrupt or hostile. ` +
        'If you trust it, load it with a larger maxBytes');
    }
    this.used += bytes;
  }
}

/**
 * A short description of a value read from a file, for error messages: strings quoted and cut to
 * `max` characters, containers described by kind and size (never by recursing into them).
 */
export function preview(value: unknown, max = 80): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value.length > max ? value.slice(0, max) : value) + (value.length > max ? '…' : '');
  else if (value === null || value === undefined) s = 'None';
  else if (typeof value === 'number' || typeof value === 'boolean') s = String(value);
  else if (typeof value === 'bigint') { const t = value.toString(); s = t.length > max ? `an integer of ${t.length} digits` : t; }
  else if (Array.isArray(value)) s = `${Object.isFrozen(value) ? 'tuple' : 'list'} of ${value.length}`;
  else if (value instanceof Map) s = `dict of ${value.size}`;
  else if (value instanceof Set) s = `set of ${value.size}`;
  else if (value instanceof Uint8Array) s = `bytes of ${value.length}`;
  else if (typeof value === 'object' && 'qualifiedName' in value && typeof value.qualifiedName === 'string') s = value.qualifiedName;
  else s = typeof value;
  return s.length > max + 2 ? `${s.slice(0, max)}…` : s;
}

/** Quotes a name read from the file for an error message: escaped, and cut short if it is garbage. */
export const quoteName = (name: string, max = 100): string => preview(name, max);
