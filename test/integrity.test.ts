// load(…, { integrity }): the checkpoint's bytes must have that digest (Subresource Integrity's
// "sha256-" + base64), whatever they come from; a malformed option is refused before anything is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { load } from '../src/node.ts';
import { sha256Integrity } from '../src/integrity.ts';
import { runtime } from './helpers/gpu.ts';

const shipped = new URL('../weights/efficientvit_m0_fashion_mnist.safetensors', import.meta.url);

test("the digest is Subresource Integrity's: sha256- and the base64 of the SHA-256", async () => {
  const bytes = new Uint8Array([1, 2, 3, 250]);
  assert.equal(await sha256Integrity(bytes), `sha256-${createHash('sha256').update(bytes).digest('base64')}`);
});

test('load() with integrity: the right digest loads, another is refused, a malformed one is named', async () => {
  const bytes = readFileSync(shipped);
  const right = `sha256-${createHash('sha256').update(bytes).digest('base64')}`;
  const wrong = `sha256-${createHash('sha256').update('other').digest('base64')}`;
  const device = await runtime();
  const m = await load('efficientvit_m0', shipped, { device, integrity: right });
  assert.equal(m.classes, 10);
  m.dispose();
  await assert.rejects(load('efficientvit_m0', new Uint8Array(bytes), { device, integrity: wrong }),
    /the checkpoint \(\d+ bytes\) does not match its integrity sha256-.* \(its digest is sha256-/);
  await assert.rejects(load('efficientvit_m0', shipped, { device, integrity: 'md5-abc' }), /integrity must be "sha256-" and the base64 of the file's SHA-256/);
  await assert.rejects(load('efficientvit_m0', shipped, { device, cache: 'always' as 'auto' }), /cache "always" is not one of 'auto', 'none'/);
});
