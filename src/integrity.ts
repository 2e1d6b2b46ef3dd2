// Subresource-Integrity-style digests of checkpoint bytes ("sha256-" + base64 of the SHA-256), the
// one check that both entries make when `load` is given `integrity`, and that the browser's weight
// cache records with each entry it keeps. WebCrypto's digest: Node ≥ 20 and every browser have it.

/** The bytes' digest as Subresource Integrity writes it: "sha256-" + base64. */
export async function sha256Integrity(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let s = '';
  for (const b of digest) s += String.fromCharCode(b);
  return `sha256-${btoa(s)}`;
}

/** Checks an `integrity` option's form: "sha256-" and the 44 base64 characters of a SHA-256. */
export function checkIntegrityOption(integrity: string): void {
  if (!/^sha256-[A-Za-z0-9+/]{43}=$/.test(integrity)) {
    throw new Error(`integrity must be "sha256-" and the base64 of the file's SHA-256 (as Subresource Integrity writes it: openssl dgst -sha256 -binary FILE | base64), got "${integrity}"`);
  }
}

/** Throws unless `bytes` have the digest `integrity`; `what` names them in the error. */
export async function verifyIntegrity(bytes: Uint8Array, integrity: string, what: string): Promise<void> {
  const got = await sha256Integrity(bytes);
  if (got !== integrity) throw new Error(`${what} does not match its integrity ${integrity} (its digest is ${got}): the file changed, or the integrity is wrong`);
}
