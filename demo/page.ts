// The demo page's shared plumbing (demo/app.ts and its panels): element lookup, number formats, the
// error line, the queue that runs user actions one after another, and the form's number fields.

export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const errorBox = $('error');
export const fmt = (v: number, d = 1) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
export const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;

export function showError(e: unknown): void {
  errorBox.textContent = e instanceof Error ? e.message : String(e);
  console.error(e);
}

let queue: Promise<void> = Promise.resolve();
let pending = 0;
/** Runs user actions one after another (an image picked while a model loads waits for it), each with its error on the page. */
export function act(what: () => Promise<void>): Promise<void> {
  pending++;
  document.body.dataset.busy = '1';
  queue = queue.then(async () => {
    errorBox.textContent = '';
    try { await what(); } catch (e) { showError(e); } finally { if (--pending === 0) delete document.body.dataset.busy; }
  });
  return queue;
}

/** A whole-number field of the form: undefined when empty, else a value in [min, max] or an error that says so. */
export function positiveInt(id: string, what: string, min: number, max: number): number | undefined {
  const raw = $<HTMLInputElement>(id).value.trim();
  if (raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${what} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return v;
}
