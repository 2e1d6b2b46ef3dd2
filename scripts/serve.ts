// A tiny static file server for the demo page, the browser test and the Chromium benchmark: serves
// the repo root on localhost (navigator.gpu exists only in a secure context, and http://localhost
// is one). No dependencies. Run: node --import tsx scripts/serve.ts [port]   (0 or none = a free port)
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.wgsl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface StaticServer {
  url: string; port: number;
  /** Serves `bytes` at `urlPath` (e.g. '/mem/x.pth') from memory, before looking at files; for tests. */
  put(urlPath: string, bytes: Uint8Array): string;
  drop(urlPath: string): void;
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1:`port` (0 = any free port); `url` uses the name localhost. `isolated`
 * sends the headers that make pages cross-origin isolated (SharedArrayBuffer, so wasm threads work).
 */
export async function startServer(root = REPO_ROOT, port = 0, opts: { isolated?: boolean } = {}): Promise<StaticServer> {
  const base = path.resolve(root);
  const isolation = opts.isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const memory = new Map<string, Uint8Array>();
  const server: Server = createServer(async (req, res) => {
    const send = (code: number, msg: string) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...isolation }); res.end(msg); };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'only GET and HEAD\n');
    let rel: string;
    try { rel = decodeURIComponent((req.url ?? '/').split(/[?#]/)[0]); } catch { return send(400, 'bad path\n'); }
    const mem = memory.get(rel);
    if (mem) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': mem.byteLength, 'cache-control': 'no-store', ...isolation });
      return res.end(req.method === 'HEAD' ? undefined : mem);
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(base, '.' + rel);
    if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'outside the served folder\n');
    if (file.split(path.sep).includes('.git')) return send(403, 'not served\n');
    try {
      const st = await stat(file);
      if (!st.isFile()) return send(404, `${rel} is not a file\n`);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'content-length': st.size,
        'cache-control': 'no-store',
        ...isolation,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      send(404, `${rel} not found${rel.startsWith('/dist/') ? ' (run `npm run bundle` first)' : ''}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, '127.0.0.1', resolve); });
  const actual = (server.address() as { port: number }).port;
  return {
    url: `http://localhost:${actual}/`,
    port: actual,
    put: (urlPath, bytes) => { memory.set(urlPath, bytes); return urlPath; },
    drop: (urlPath) => { memory.delete(urlPath); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`usage: node --import tsx scripts/serve.ts [port]  (got port "${process.argv[2]}")`);
    process.exit(2);
  }
  // The port asked for, else (taken) any free one.
  const s = await startServer(REPO_ROOT, port).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE') throw e;
    console.error(`port ${port} is taken; using a free one`);
    return startServer(REPO_ROOT, 0);
  });
  console.log(`webvit demo: ${s.url}  (serving ${REPO_ROOT} on localhost only; Ctrl-C stops it)`);
}
