// A Web Worker that parses checkpoint bytes into a state dict, so that a page stays responsive
// while a large checkpoint is read: the bytes come in (transferred), the Map of tensors goes back
// with every tensor's buffer transferred. Built into the browser bundle as a string (scripts/build.ts).
import { checkpointMetadata, loadStateDict } from './load.ts';

self.onmessage = (e: MessageEvent<{ bytes: Uint8Array; maxBytes?: number }>) => {
  try {
    const sd = loadStateDict(e.data.bytes, { maxBytes: e.data.maxBytes });
    const buffers = [...new Set([...sd.values()].map((t) => t.data.buffer as ArrayBuffer))];
    (self as unknown as Worker).postMessage({ sd, metadata: checkpointMetadata(sd) }, buffers);
  } catch (err) {
    (self as unknown as Worker).postMessage({ error: (err as Error).message });
  }
};
