// Browsers fetch shaders/<file> over HTTP, relative to a base URL (the page serves the repo's
// shaders/ folder next to dist/).
import type { ShaderLoader } from './shaders.ts';

export function fetchShaderLoader(base: string | URL): ShaderLoader {
  const root = new URL(String(base).endsWith('/') ? String(base) : `${base}/`, globalThis.location?.href);
  return async (file) => {
    const url = new URL(file, root);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`cannot fetch shader ${url}: ${(e as Error).message}; serve the repo's shaders/ folder and pass its URL as shaderBase`);
    }
    if (!res.ok) throw new Error(`cannot fetch shader ${url}: HTTP ${res.status}; serve the repo's shaders/ folder and pass its URL as shaderBase`);
    return res.text();
  };
}
