// The inference worker (bundled to dist/webvit-worker.js): a model, its GPU device and its
// preprocessing live here; the page talks to it through worker-client.ts. One model per worker.
import { load } from '../browser.ts';
import { profile } from './profile.ts';
import type { Classifier } from '../api.ts';
import { errorOf, type Reply, type Request } from './worker-protocol.ts';

let model: Classifier | null = null;
const aborts = new Map<number, AbortController>();
const post = (r: Reply, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(r, transfer);

/** The buffers of typed arrays in a result, moved rather than copied. */
function transferables(x: unknown, out: Transferable[] = []): Transferable[] {
  if (ArrayBuffer.isView(x) && x.buffer instanceof ArrayBuffer && !out.includes(x.buffer)) out.push(x.buffer);
  else if (Array.isArray(x)) for (const v of x) transferables(v, out);
  else if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) transferables(v, out);
  return out;
}

async function handle(req: Exclude<Request, { op: 'abort' }>): Promise<unknown> {
  if (req.op === 'load') {
    if (model) throw new Error('this worker holds a model already: loadInWorker() makes one worker per model');
    const c = new AbortController();
    aborts.set(req.id, c);
    model = await load(req.name, req.weights as never, { ...req.options, signal: c.signal, onProgress: (progress) => post({ id: req.id, progress }) });
    return { name: model.name, classes: model.classes, labels: model.labels, resolution: model.resolution, preprocessing: model.preprocessing };
  }
  if (req.op === 'dispose') { model?.dispose(); model = null; return null; }
  if (!model) throw new Error('no model: the load failed or the classifier was disposed');
  const m = model, args = req.args as never[];
  const pair = <A, B>() => args as unknown as [A, B];
  switch (req.op) {
    case 'classify': {
      const c = new AbortController();
      aborts.set(req.id, c);
      const [images, opts] = pair<never, { topK?: number } | undefined>();
      return m.classify(images, { ...opts, signal: c.signal });
    }
    case 'features': {
      const [input, opts] = pair<never, { gpu?: boolean } | undefined>();
      if (opts?.gpu) throw new Error('features({ gpu: true }): the GPU buffers live in the worker\'s device and cannot reach the page; load() on the page for that');
      return m.features(input, opts);
    }
    case 'embed': return m.embed(args[0], args[1]);
    case 'input': return m.input(args[0]);
    case 'run': return m.run(args[0], args[1]);
    case 'details': return m.details();
    case 'stats': return { ...(await m.model.plan(args[0] as number, m.resolution, m.resolution)).stats };
    case 'profile': return profile(m.model, { height: m.resolution, width: m.resolution, ...(args[0] as object) });
    default: throw new Error(`unknown request ${(req as { op: string }).op}`);
  }
}

self.onmessage = (e: MessageEvent<Request>) => {
  const req = e.data;
  if (req.op === 'abort') { aborts.get(req.target)?.abort(new DOMException('aborted', 'AbortError')); return; }
  handle(req).then(
    (result) => post({ id: req.id, ok: true, result }, transferables(result)),
    (err) => post({ id: req.id, ok: false, error: errorOf(err) }),
  ).finally(() => aborts.delete(req.id));
};
