// Checkpoint parsing off the page's thread: in a worker made from the code the bundle embeds
// (src/weights/parse-worker.ts), or here where the build carries none or the page forbids blob: workers.
import { loadStateDict, withMetadata } from '../weights/load.ts';
import type { ReadOptions } from '../weights/pth.ts';
import type { StateDict } from '../weights/tensor.ts';
import { PARSE_WORKER_CODE } from '../embedded.ts';

/** The state dict, parsed in a worker when the build carries one (the page keeps running meanwhile). */
export function parseInWorker(bytes: Uint8Array, opts: ReadOptions): Promise<StateDict> {
  if (!PARSE_WORKER_CODE || typeof Worker === 'undefined') return Promise.resolve(loadStateDict(bytes, opts));
  let worker: Worker;
  const url = URL.createObjectURL(new Blob([PARSE_WORKER_CODE], { type: 'text/javascript' }));
  try { worker = new Worker(url, { type: 'module', name: 'webvit-parse' }); } catch { URL.revokeObjectURL(url); return Promise.resolve(loadStateDict(bytes, opts)); }
  return new Promise<StateDict>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<{ sd?: StateDict; metadata?: Record<string, string>; error?: string }>) => {
      if (e.data.sd) resolve(withMetadata(e.data.sd, e.data.metadata ?? {})); else reject(new Error(e.data.error));
    };
    // A page whose policy forbids blob: workers: parse here instead.
    worker.onerror = (e) => { e.preventDefault(); try { resolve(loadStateDict(bytes, opts)); } catch (err) { reject(err); } };
    const copy = bytes.slice(); // the caller keeps its bytes; the worker gets its own to keep
    worker.postMessage({ bytes: copy, maxBytes: opts.maxBytes }, [copy.buffer]);
  }).finally(() => { worker.terminate(); URL.revokeObjectURL(url); });
}
