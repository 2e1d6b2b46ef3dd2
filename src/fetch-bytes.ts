// Bytes of a stream or a URL, reported as they come: the one reader both entries use (browser: a
// response or a Blob's stream; Node: a response).

export type ByteProgress = (loaded: number, total: number) => void;

/** Reads a stream to the end; `total` (0 if unknown) is what progress reports until more arrives. `signal` stops it (and the stream). */
export async function readStream(stream: ReadableStream<Uint8Array>, total: number, onProgress: ByteProgress, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = stream.getReader();
  for (;;) {
    if (signal?.aborted) { await reader.cancel().catch(() => {}); signal.throwIfAborted(); }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, Math.max(total, loaded));
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
}

/** GETs `url`; `what` names it in errors (e.g. 'checkpoint', 'image'); `signal` aborts the request. */
export async function fetchBytes(url: string | URL, onProgress: ByteProgress, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  let res: Response;
  try { res = await fetch(url, { signal }); } catch (e) {
    signal?.throwIfAborted();
    throw new Error(`cannot fetch ${what} ${url}: ${(e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new Error(`cannot fetch ${what} ${url}: HTTP ${res.status}`);
  return readStream(res.body, Number(res.headers.get('content-length')) || 0, onProgress, signal);
}
