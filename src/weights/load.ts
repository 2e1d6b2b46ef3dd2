// One entry point for checkpoint bytes: sniffs the format, reads it, and unwraps the state dict.

import { readPth, isZip, looksLikeRawPickle, hexPrefix, type ReadOptions } from './pth.ts';
import { asBytes } from './dtype.ts';
import { preview } from './budget.ts';
import { readSafetensors, readSafetensorsMetadata, looksLikeSafetensors } from './safetensors.ts';
import { isHostTensor, type HostTensor, type StateDict } from './tensor.ts';

const SUPPORTED = 'supported formats: a PyTorch checkpoint saved with torch.save (zip format, torch >= 1.6; ' +
  'a state_dict, or a dict holding it under "model" or "state_dict") and .safetensors files';

// Training scripts wrap the weights beside optimizer state, epochs, etc.; these keys hold the weights.
const WRAPPER_KEYS = ['model', 'state_dict'];

const METADATA = new WeakMap<StateDict, Readonly<Record<string, string>>>();

/** A safetensors file's __metadata__ (e.g. what `webvit convert` recorded); {} for other files. */
export const checkpointMetadata = (sd: StateDict): Readonly<Record<string, string>> => METADATA.get(sd) ?? {};

/** Records `metadata` as `sd`'s (a state dict that crossed to another thread lost it). */
export function withMetadata(sd: StateDict, metadata: Readonly<Record<string, string>>): StateDict {
  if (Object.keys(metadata).length) METADATA.set(sd, metadata);
  return sd;
}

/**
 * Read a .pth or .safetensors checkpoint into a name -> tensor Map, in file order. Linear in the
 * input and bounded in memory (`maxBytes`, default 3 × the file + 1 MiB); a file that is not a
 * well-formed checkpoint gets an Error that says what is wrong, never a crash or a partial load.
 */
export function loadStateDict(input: Uint8Array | ArrayBuffer, opts: ReadOptions = {}): StateDict {
  const bytes = asBytes(input);
  try {
    if (isZip(bytes)) return backboneOfDetector(stripDataParallelPrefix(stateDictFromPickled(readPth(bytes, opts))), {});
    if (looksLikeSafetensors(bytes)) return backboneOfDetector(stripDataParallelPrefix(readSafetensors(bytes, opts)), readSafetensorsMetadata(bytes));
    if (looksLikeRawPickle(bytes)) readPth(bytes); // throws the legacy-format advice
  } catch (e) {
    // Our own errors say what is wrong; anything else (a bug, or the engine's own limits) still becomes an Error with a message.
    if (e instanceof Error && e.constructor === Error) throw e;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : preview(e);
    throw new Error(`cannot read checkpoint (${what.slice(0, 200)}); it is corrupt or not a checkpoint: ${SUPPORTED}`);
  }
  throw new Error(`unrecognised checkpoint (first bytes: ${hexPrefix(bytes)}); ${SUPPORTED}`);
}

/** Picks the state dict out of what torch.save stored: a bare dict of tensors, or {'model'|'state_dict': dict}. */
export function stateDictFromPickled(saved: unknown): StateDict {
  if (!(saved instanceof Map)) throw new Error(`the checkpoint holds a ${describe(saved)}, not a dict of tensors; ${SUPPORTED}`);
  const wrapperKey = WRAPPER_KEYS.find((k) => saved.get(k) instanceof Map);
  const dict: Map<unknown, unknown> = wrapperKey ? saved.get(wrapperKey) : saved;
  const where = wrapperKey ? `checkpoint["${wrapperKey}"]` : 'the checkpoint';
  const sd: StateDict = new Map();
  for (const [key, value] of dict) {
    if (typeof key !== 'string') throw new Error(`${where} has a non-string key ${preview(key)}; expected a state_dict (parameter name -> tensor)`);
    if (!isHostTensor(value)) {
      throw new Error(`${where}[${preview(key)}] is a ${describe(value)}, not a tensor; expected a state_dict (every value a tensor)` +
        (wrapperKey ? '' : ` or a dict holding one under ${WRAPPER_KEYS.map((k) => `"${k}"`).join(' or ')}`));
    }
    sd.set(key, value as HostTensor);
  }
  if (sd.size === 0) throw new Error(`${where} contains no tensors; expected a state_dict`);
  return sd;
}

/** nn.DataParallel saves every key as "module.<name>"; drop the prefix when all keys carry it. */
export function stripDataParallelPrefix(sd: StateDict): StateDict {
  const prefix = 'module.';
  const keys = [...sd.keys()];
  if (keys.length === 0 || !keys.every((k) => k.startsWith(prefix))) return sd;
  return new Map([...sd].map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The metadata key under which a detector checkpoint's set-aside modules are recorded (JSON: module → tensor count). */
export const SET_ASIDE = 'webvit.set-aside';

/**
 * A detector's or segmenter's checkpoint as mmdet saves it ({'meta', 'state_dict': {'backbone.…',
 * 'neck.…', 'bbox_head.…'}}) holds the backbone under "backbone.": the backbone's keys without the
 * prefix, the other modules set aside (their tensor counts in the metadata under SET_ASIDE). Any
 * other state dict is returned as it is, with `metadata`.
 */
export function backboneOfDetector(sd: StateDict, metadata: Readonly<Record<string, string>>): StateDict {
  const prefix = 'backbone.';
  if (![...sd.keys()].some((k) => k.startsWith(prefix))) return withMetadata(sd, metadata);
  const backbone: StateDict = new Map();
  const aside: Record<string, number> = {};
  for (const [k, v] of sd) {
    if (k.startsWith(prefix)) backbone.set(k.slice(prefix.length), v);
    else { const m = k.split('.')[0]; aside[m] = (aside[m] ?? 0) + 1; }
  }
  return withMetadata(backbone, { ...metadata, [SET_ASIDE]: JSON.stringify(aside) });
}

/** The modules of a detector's checkpoint that are not its backbone, with their tensor counts ({} for a classifier's). */
export function setAside(sd: StateDict): Record<string, number> {
  const json = checkpointMetadata(sd)[SET_ASIDE];
  return json ? JSON.parse(json) as Record<string, number> : {};
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value === 'boolean' ? 'bool' : 'number'} (${preview(value)})`;
  if (typeof value === 'string') return `string (${preview(value, 40)})`;
  if (typeof value === 'object' && value !== null && 'qualifiedName' in value) return `Python object ${preview(value)}`;
  if (value instanceof Map) return `dict (keys: ${[...value.keys()].slice(0, 5).map((k) => preview(k, 40)).join(', ')}${value.size > 5 ? ', ...' : ''})`;
  return preview(value, 60);
}
