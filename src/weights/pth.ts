// Reads a PyTorch checkpoint written by torch.save (zip format, torch >= 1.6) into plain JS values:
// tensors become HostTensors, dicts become Maps (see pickle.ts for the full mapping).
// Works from bytes alone, so it runs unchanged in browsers and Node.

import { unzipSync, type UnzipFileInfo } from 'fflate';
import { unpickle, isTuple, quoteName } from './pickle.ts';
import { BYTES_PER_ELEMENT, asBytes, decodeElements } from './dtype.ts';
import { storageElementType, torchGlobalResolver, type ElementBudget, type TorchStorage } from './torch-globals.ts';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // "PK\x03\x04"
const MAX_ENTRY_BYTES = 2 ** 31 - 1; // typed arrays cannot be larger in every browser

export const isZip = (bytes: Uint8Array): boolean => ZIP_MAGIC.every((b, i) => bytes[i] === b);

/** Legacy (pre-1.6) torch files and bare pickles start with the pickle PROTO opcode. */
export const looksLikeRawPickle = (bytes: Uint8Array): boolean => bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;

const LEGACY_ADVICE = 'this looks like a legacy (pre-1.6) torch.save file or a bare pickle, which cannot be read safely here; ' +
  're-save it with a recent torch: torch.save(torch.load(old_path), new_path) writes the default zip format';

/** Unpickle a torch.save zip archive. Returns the saved object, e.g. a Map of name -> HostTensor. */
export function readPth(input: Uint8Array | ArrayBuffer): unknown {
  const bytes = asBytes(input);
  if (!isZip(bytes)) {
    if (looksLikeRawPickle(bytes)) throw new Error(`cannot read checkpoint: ${LEGACY_ADVICE}`);
    throw new Error(`expected a PyTorch checkpoint saved with torch.save (zip format, starting with "PK"); got bytes ${hexPrefix(bytes)}`);
  }
  const files = unzipArchive(bytes);
  const pickleName = findDataPickle(files);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const littleEndian = readByteOrder(files[`${prefix}byteorder`]);

  // Tensors may not materialise more elements than the archive's storages could plausibly back.
  const storageBytes = Object.entries(files).reduce((sum, [name, data]) => sum + (name.startsWith(`${prefix}data/`) ? data.length : 0), 0);
  const budget: ElementBudget = { remaining: 2 * storageBytes + (1 << 24) };

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    if (!isTuple(pid) || pid[0] !== 'storage' || typeof pid[2] !== 'string') {
      throw new Error(`${pickleName} references an unsupported persistent object (expected ('storage', type, key, location, numel)); re-save with torch.save`);
    }
    const key = pid[2];
    const type = storageElementType(pid[1]);
    if (!type) throw new Error(`${pickleName}: storage ${quoteName(`data/${key}`)} has an unsupported storage type; only plain float, int and bool storages are supported`);
    const cached = storages.get(key);
    if (cached) return cached;
    const entry = files[`${prefix}data/${key}`];
    if (!entry) throw new Error(`checkpoint is missing ${quoteName(`${prefix}data/${key}`)}, which ${pickleName} references; it is truncated or corrupt: re-download or re-save it`);
    if (entry.length % BYTES_PER_ELEMENT[type]) throw new Error(`storage ${prefix}data/${key} has ${entry.length} bytes, not a whole number of ${type} elements; the checkpoint is corrupt`);
    let elements: Float32Array | BigInt64Array | undefined;
    const storage: TorchStorage = { kind: 'torch-storage', key, type, elements: () => (elements ??= decodeElements(entry, type, littleEndian)) };
    storages.set(key, storage);
    return storage;
  };

  return unpickle(files[pickleName], { label: pickleName, resolveGlobal: torchGlobalResolver(budget), persistentLoad });
}

function unzipArchive(bytes: Uint8Array): Record<string, Uint8Array> {
  // Guards against hostile central directories: every real entry needs at least 76 bytes of headers,
  // and only deflated entries allocate their declared size up front.
  const maxEntries = Math.ceil(bytes.length / 76);
  let entries = 0;
  let inflated = 0;
  const checkEntry = (file: UnzipFileInfo): boolean => {
    if (++entries > maxEntries) throw new Error(`zip directory lists more entries than a ${bytes.length}-byte file can hold`);
    if (file.compression === 0) return true;
    if (file.compression !== 8) {
      throw new Error(`zip entry ${quoteName(file.name)} uses compression method ${file.compression}; torch.save writes uncompressed entries: re-save it with torch.save`);
    }
    inflated += file.originalSize;
    if (file.originalSize > MAX_ENTRY_BYTES || inflated > 2 * MAX_ENTRY_BYTES) {
      throw new Error(`zip entry ${quoteName(file.name)} declares ${file.originalSize} bytes; refusing such a large (or hostile) checkpoint`);
    }
    return true;
  };
  try {
    return unzipSync(bytes, { filter: checkEntry });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (why.startsWith('zip ')) throw e;
    throw new Error(`checkpoint is truncated or not a valid zip archive (${why}): re-download it or re-save it with torch.save(obj, path)`);
  }
}

/** torch names the archive's top folder after the file (or "archive"); the pickle is <folder>/data.pkl. */
function findDataPickle(files: Record<string, Uint8Array>): string {
  const names = Object.keys(files);
  const pickles = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl');
  if (pickles.length === 1) {
    const prefix = pickles[0].slice(0, -'data.pkl'.length);
    if (files[`${prefix}constants.pkl`] || names.some((n) => n.startsWith(`${prefix}code/`))) {
      throw new Error('this is a TorchScript archive (torch.jit.save), not a state_dict; save the weights with torch.save(model.state_dict(), path)');
    }
    return pickles[0];
  }
  const listing = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
  throw new Error(`expected a PyTorch checkpoint saved with torch.save (zip format) containing one <name>/data.pkl; got a zip with ${pickles.length} such entries (entries: ${listing || 'none'})`);
}

function readByteOrder(entry: Uint8Array | undefined): boolean {
  if (!entry) return true; // torch < 2.1 writes no byteorder record; those files are little endian
  const order = new TextDecoder().decode(entry).trim();
  if (order !== 'little' && order !== 'big') throw new Error(`checkpoint byteorder record says "${order}"; expected "little" or "big"`);
  return order === 'little';
}

export const hexPrefix = (bytes: Uint8Array): string =>
  bytes.length === 0 ? '(empty file)' : [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 8 ? ' ...' : '');
