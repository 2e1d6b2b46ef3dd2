// Reads a PyTorch checkpoint written by torch.save (zip format, torch >= 1.6) into plain JS values:
// tensors become HostTensors, dicts become Maps (see pickle.ts for the full mapping).
// Works from bytes alone, so it runs unchanged in browsers and Node.

import { unpickle, isTuple } from './pickle.ts';
import { BYTES_PER_ELEMENT, asBytes } from './dtype.ts';
import { MemoryBudget, defaultMaxBytes, preview, quoteName } from './budget.ts';
import { entryBytes, readZipDirectory, type ZipEntry } from './zip.ts';
import { storageElementType, torchGlobalResolver, type TorchStorage } from './torch-globals.ts';

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // "PK\x03\x04"

export const isZip = (bytes: Uint8Array): boolean => ZIP_MAGIC.every((b, i) => bytes[i] === b);

/** Legacy (pre-1.6) torch files and bare pickles start with the pickle PROTO opcode. */
export const looksLikeRawPickle = (bytes: Uint8Array): boolean => bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;

const LEGACY_ADVICE = 'this looks like a legacy (pre-1.6) torch.save file or a bare pickle, which webvit does not read; ' +
  're-save it with a recent torch: torch.save(torch.load(old_path), new_path) writes the default zip format';

export interface ReadOptions {
  /** bytes the load may allocate beyond the input (default: 3 × the file size + 1 MiB) */
  maxBytes?: number;
  /** the budget to charge, instead of a new one of maxBytes (to see what a load charged) */
  budget?: MemoryBudget;
}

/** Unpickle a torch.save zip archive. Returns the saved object, e.g. a Map of name -> HostTensor. */
export function readPth(input: Uint8Array | ArrayBuffer, opts: ReadOptions = {}): unknown {
  const bytes = asBytes(input);
  if (!isZip(bytes)) {
    if (looksLikeRawPickle(bytes)) throw new Error(`cannot read checkpoint: ${LEGACY_ADVICE}`);
    throw new Error(`expected a PyTorch checkpoint saved with torch.save (zip format, starting with "PK"); got bytes ${hexPrefix(bytes)}`);
  }
  const budget = opts.budget ?? new MemoryBudget(opts.maxBytes ?? defaultMaxBytes(bytes.length), bytes.length);
  const entries = readZipDirectory(bytes);
  const pickleName = findDataPickle(entries);
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  checkVersion(entries, prefix, (e) => entryBytes(bytes, e, budget));
  const read = (e: ZipEntry) => entryBytes(bytes, e, budget);
  const order = entries.get(`${prefix}byteorder`);
  const littleEndian = readByteOrder(order && read(order));

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    // Exactly five fields: PyTorch unpacks (type, key, location, numel) after 'storage' and refuses any other count.
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage' || typeof pid[2] !== 'string') {
      throw new Error(`${pickleName} references an unsupported persistent object (expected ('storage', type, key, location, numel)); re-save with torch.save`);
    }
    const key = pid[2];
    const type = storageElementType(pid[1]);
    if (!type) throw new Error(`${pickleName}: storage ${quoteName(`data/${key}`)} has an unsupported storage type; only plain float, int and bool storages are supported`);
    const cached = storages.get(key);
    if (cached) {
      if (cached.type !== type) throw new Error(`${pickleName}: storage ${quoteName(`data/${key}`)} is referenced as ${cached.type} and as ${type}; the checkpoint is corrupt`);
      return cached;
    }
    const entry = entries.get(`${prefix}data/${key}`);
    if (!entry) throw new Error(`checkpoint is missing ${quoteName(`${prefix}data/${key}`)}, which ${pickleName} references; it is truncated or corrupt: re-download or re-save it`);
    // As PyTorch: the storage holds the numel elements the pickle gives it, read from the start of its record.
    const numel = pid[4];
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new Error(`${pickleName}: storage ${quoteName(`data/${key}`)} has an invalid element count ${preview(numel)}; the checkpoint is corrupt`);
    }
    const record = read(entry), size = numel * BYTES_PER_ELEMENT[type];
    if (size > record.length) {
      throw new Error(`storage ${quoteName(`${prefix}data/${key}`)} has ${record.length} bytes but the checkpoint says it holds ${numel} ${type} elements (${size} bytes); it is truncated or corrupt`);
    }
    const storage: TorchStorage = { kind: 'torch-storage', key, type, raw: record.subarray(0, size), littleEndian, length: numel };
    storages.set(key, storage);
    return storage;
  };

  const pickle = entries.get(pickleName)!;
  return unpickle(read(pickle), { label: pickleName, resolveGlobal: torchGlobalResolver(budget), persistentLoad });
}

/**
 * As PyTorch's reader: the archive's folder is the folder of its first entry, and the pickle is
 * <folder>/data.pkl (a TorchScript archive has a constants.pkl or code/ beside it).
 */
function findDataPickle(entries: Map<string, ZipEntry>): string {
  const names = [...entries.keys()];
  const listing = () => names.slice(0, 5).map((n) => preview(n, 40)).join(', ') + (names.length > 5 ? ', ...' : '');
  const slash = names.length ? names[0].indexOf('/') : -1;
  if (slash < 0) throw new Error(`expected a PyTorch checkpoint saved with torch.save: a zip whose entries are in one folder; got entries ${listing() || '(none)'}`);
  const prefix = names[0].slice(0, slash + 1);
  if (entries.has(`${prefix}constants.pkl`) || names.some((n) => n.startsWith(`${prefix}code/`))) {
    throw new Error('this is a TorchScript archive (torch.jit.save), not a state_dict; save the weights with torch.save(model.state_dict(), path)');
  }
  if (!entries.has(`${prefix}data.pkl`)) throw new Error(`expected a PyTorch checkpoint saved with torch.save, with ${preview(`${prefix}data.pkl`)}; got entries ${listing()}`);
  return `${prefix}data.pkl`;
}

/** As PyTorch's reader: a version record (.data/version, else version) holding a format version from 1 to 10. */
function checkVersion(entries: Map<string, ZipEntry>, prefix: string, read: (e: ZipEntry) => Uint8Array): void {
  const entry = entries.get(`${prefix}.data/version`) ?? entries.get(`${prefix}version`);
  if (!entry) throw new Error(`checkpoint has no ${preview(`${prefix}version`)} record, which PyTorch requires; it is truncated or corrupt: re-download or re-save it`);
  const text = new TextDecoder().decode(read(entry).subarray(0, 32));
  const m = /^\s*\+?(\d+)/.exec(text);
  const version = m ? Number(m[1]) : NaN;
  if (!(version >= 1 && version <= 10)) throw new Error(`checkpoint format version ${preview(text.trim(), 20)} is not one torch.save writes (1 to 10); the checkpoint is corrupt`);
}

function readByteOrder(entry: Uint8Array | undefined): boolean {
  if (!entry) return true; // torch < 2.1 writes no byteorder record; those files are little endian
  const order = entry.length > 16 ? '(a long record)' : new TextDecoder().decode(entry).trim();
  if (order !== 'little' && order !== 'big') throw new Error(`checkpoint byteorder record says ${preview(order)}; expected "little" or "big"`);
  return order === 'little';
}

export const hexPrefix = (bytes: Uint8Array): string =>
  bytes.length === 0 ? '(empty file)' : [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ') + (bytes.length > 8 ? ' ...' : '');
