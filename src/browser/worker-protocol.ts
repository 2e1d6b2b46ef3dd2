// The messages between a page and the inference worker (worker-client.ts ↔ worker-host.ts): a
// request names an operation and an id; the worker answers each id once (a result or an error's
// name and message) and, for a load, sends progress on the way.
import type { LoadOptions, LoadProgress } from '../api.ts';

/** load()'s options that cross to the worker: everything but the callbacks, the signal and the device. */
export type WorkerLoadOptions = Omit<LoadOptions, 'onProgress' | 'signal' | 'device'>;

export type Request =
  | { id: number; op: 'load'; name: string; weights: unknown; options: WorkerLoadOptions }
  | { id: number; op: 'classify' | 'features' | 'embed' | 'input' | 'run' | 'details' | 'stats' | 'profile'; args: unknown[] }
  | { id: number; op: 'abort'; target: number }
  | { id: number; op: 'dispose' };

export type Reply =
  | { id: number; progress: LoadProgress }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

/** An error as it crosses: its name (AbortError, TypeError, …) and message. */
export const errorOf = (e: unknown): { name: string; message: string } =>
  e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)
    ? { name: String((e as Error).name ?? 'Error'), message: String((e as Error).message) }
    : { name: 'Error', message: String(e) };

/** The error again on the page's side, with the worker's name and message. */
export function errorFrom(e: { name: string; message: string }): Error {
  if (e.name === 'AbortError' && typeof DOMException !== 'undefined') return new DOMException(e.message, 'AbortError');
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
