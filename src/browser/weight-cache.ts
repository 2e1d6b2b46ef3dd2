// Checkpoints fetched by URL, kept between visits in the Cache API (one entry per URL, in the cache
// named WEIGHT_CACHE) with the digest of their bytes recorded beside them. A hit is used only if its
// bytes still have that digest (and the caller's `integrity`, if given); anything else is dropped and
// fetched again, so a corrupt or tampered entry is never loaded.
import { fetchBytes } from '../fetch-bytes.ts';
import { sha256Integrity } from '../integrity.ts';

export const WEIGHT_CACHE = 'webvit-weights-v1';
const DIGEST_HEADER = 'x-webvit-integrity';

export interface CachedRead { bytes: Uint8Array; cached: boolean }

/** The Cache API where the page has it (a secure context: https:// or localhost), else null. */
async function openCache(): Promise<Cache | null> {
  if (typeof caches === 'undefined') return null;
  try { return await caches.open(WEIGHT_CACHE); } catch { return null; }
}

/**
 * The bytes at `url`: from the cache when `cache` is 'auto' and a verified entry is there, else from
 * the network (and then kept, when 'auto'). `integrity`: the digest the bytes must have (a hit
 * without it is not used; the caller checks what comes from the network). Progress says `cached` for a hit.
 */
export async function cachedFetch(url: URL | string, cache: 'auto' | 'none', integrity: string | undefined,
  onProgress: (loaded: number, total: number, cached?: boolean) => void, signal?: AbortSignal): Promise<CachedRead> {
  const store = cache === 'auto' ? await openCache() : null;
  const key = String(url);
  if (store) {
    const hit = await store.match(key);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      const digest = await sha256Integrity(bytes);
      if (digest === hit.headers.get(DIGEST_HEADER) && (!integrity || digest === integrity)) {
        onProgress(bytes.length, bytes.length, true);
        return { bytes, cached: true };
      }
      console.warn(`webvit: the cached copy of ${key} does not match its digest: fetching it again`);
      await store.delete(key);
    }
  }
  const bytes = await fetchBytes(url, onProgress, 'checkpoint', signal);
  if (store) {
    const digest = await sha256Integrity(bytes);
    // A full quota or a private window: the load goes on without keeping a copy.
    if (!integrity || digest === integrity) {
      await store.put(key, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { [DIGEST_HEADER]: digest, 'content-type': 'application/octet-stream' } }))
        .catch((e: Error) => console.warn(`webvit: cannot keep ${key} in the cache (${e.message})`));
    }
  }
  return { bytes, cached: false };
}

/** Deletes every checkpoint webvit keeps in the Cache API; resolves to whether there was any. */
export async function clearCache(): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(WEIGHT_CACHE);
}
