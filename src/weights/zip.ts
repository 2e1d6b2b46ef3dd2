// A strict, bounded reader for the zip archives torch.save writes (PyTorch reads them with miniz).
// Strict where PyTorch's reader is, and where a lenient reader would load something else than
// PyTorch: the end record and central directory must be where they say, every central entry must
// point at a local header with the same name, names are valid UTF-8 and unique, stored entries are
// as long as they say, and, where the two decoders could disagree, a deflated entry must match its
// CRC-32 and an entry miniz takes for a directory is not read. Bounded: the directory cannot list more entries than the file can hold, and
// a deflated entry is inflated in small steps, stopped as soon as it passes its declared size, with
// that size charged to the load's memory budget first (so a small file cannot inflate to gigabytes).

import { Inflate } from 'fflate';
import { preview, type MemoryBudget } from './budget.ts';

export interface ZipEntry {
  name: string;
  /** general-purpose bit flags (bit 0: encrypted, bit 5: patch data, bit 6: strong encryption) */
  flags: number;
  /** 0: stored, 8: deflated */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** where the entry's data starts in the archive */
  dataOffset: number;
  /** miniz takes it for a directory (a name ending in '/', or the MS-DOS directory attribute) and reads no bytes from it */
  directory: boolean;
}

const SIG_LOCAL = 0x04034b50, SIG_CENTRAL = 0x02014b50, SIG_END = 0x06054b50, SIG_END64 = 0x06064b50, SIG_LOCATOR64 = 0x07064b50;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const bad = (why: string): Error => new Error(`checkpoint is not a valid zip archive (${why}): it is truncated or corrupt; re-download it or re-save it with torch.save(obj, path)`);

/** The archive's entries by name, in central-directory order, read from its central directory and checked against the local headers. */
export function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true), u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => u32(at) + u32(at + 4) * 2 ** 32;
  const n = bytes.length;

  // The end-of-central-directory record: the last one within the final 64 KiB (the comment's
  // limit); as miniz, its comment length is not checked against the file.
  let end = -1;
  for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
    if (u32(at) === SIG_END) { end = at; break; }
  }
  if (end < 0) throw bad('no end-of-central-directory record');
  // As miniz (PyTorch's zip reader): one disk, its entry count equal to the total; a zip64 end
  // record is used whenever the locator before the end record points at one.
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0 || u16(end + 8) !== u16(end + 10)) throw bad('a multi-disk archive');
  let count = u16(end + 10), cdSize = u32(end + 12), cdOffset = u32(end + 16);
  const loc = end - 20;
  const end64 = loc >= 0 && u32(loc) === SIG_LOCATOR64 ? u64(loc + 8) : -1;
  if (end64 + 56 > n) throw bad('the zip64 locator points past the end of the file');
  if (end64 >= 0 && u32(end64) === SIG_END64) {
    if (u64(end64 + 4) < 44) throw bad('the zip64 end record is too short');
    if (u32(loc + 16) !== 1 || u32(end64 + 16) !== 0 || u32(end64 + 20) !== 0 || u64(end64 + 24) !== u64(end64 + 32)) throw bad('a multi-disk archive');
    count = u64(end64 + 32); cdSize = u64(end64 + 40); cdOffset = u64(end64 + 48);
  }
  if (!(cdOffset + cdSize <= n)) throw bad(`the central directory (${cdSize} bytes at ${cdOffset}) runs past the end of the file`);
  if (count > cdSize / 46) throw bad(`${count} entries cannot fit a ${cdSize}-byte central directory`);

  const entries = new Map<string, ZipEntry>();
  const seen = new Set<string>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || u32(at) !== SIG_CENTRAL) throw bad(`central directory entry ${i} is not where the directory says`);
    const flags = u16(at + 8), method = u16(at + 10), crc = u32(at + 16), disk = u16(at + 34), externalAttributes = u32(at + 38);
    if (disk !== 0 && disk !== 1) throw bad('a multi-disk archive'); // miniz also takes 1
    let compressedSize = u32(at + 20), size = u32(at + 24);
    const nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > cdOffset + cdSize) throw bad(`central directory entry ${i} runs past the directory`);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    let name: string;
    try { name = utf8.decode(nameBytes); } catch { throw bad(`entry ${i}'s name is not valid UTF-8`); }
    if (flags & 0x2000) throw bad(`entry ${preview(name)}'s local header is masked (encrypted directory)`);
    // Zip64 extra field: the 64-bit values of those fields that hold 0xffffffff, in this order.
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      let e = at + 46 + nameLength, found = false;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = u16(e), len = u16(e + 2);
        if (e + 4 + len > extraEnd) break;
        if (id === 1) {
          let f = e + 4;
          const take = () => { if (f + 8 > e + 4 + len) throw bad(`entry ${preview(name)}'s zip64 field is too short`); const v = u64(f); f += 8; return v; };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localOffset === 0xffffffff) localOffset = take();
          found = true;
          break;
        }
        e += 4 + len;
      }
      if (!found) throw bad(`entry ${preview(name)} needs a zip64 field and has none`);
    }
    // PyTorch's reader (miniz) matches names case-insensitively: names equal but for case are the same entry to it.
    const folded = name.toLowerCase();
    if (seen.has(folded)) throw bad(`entry ${preview(name)} is listed twice (PyTorch, which matches names case-insensitively, would read only one of them)`);
    seen.add(folded);
    // The local header must be a local header, of the same name; the data follows it.
    if (!(localOffset + 30 <= cdOffset) || u32(localOffset) !== SIG_LOCAL) throw bad(`entry ${preview(name)}'s local header is not where the directory says`);
    const localName = localOffset + 30, localNameLength = u16(localOffset + 26), localExtraLength = u16(localOffset + 28);
    if (localNameLength !== nameLength || !sameBytes(bytes.subarray(localName, localName + nameLength), nameBytes)) {
      throw bad(`entry ${preview(name)}'s local header names another entry`);
    }
    const dataOffset = localName + localNameLength + localExtraLength;
    if (!(dataOffset + compressedSize <= cdOffset)) throw bad(`entry ${preview(name)}'s data (${compressedSize} bytes at ${dataOffset}) runs into the central directory`);
    if (size > 0 && compressedSize === 0) throw bad(`entry ${preview(name)} holds no bytes but says it inflates to ${size}`);
    if (method === 0 && compressedSize !== size) throw bad(`stored entry ${preview(name)} says ${size} bytes but holds ${compressedSize}`);
    if (method !== 0 && method !== 8) {
      throw new Error(`zip entry ${preview(name)} uses compression method ${method}; torch.save writes uncompressed entries: re-save it with torch.save`);
    }
    const directory = name.endsWith('/') || (externalAttributes & 0x10) !== 0;
    entries.set(name, { name, flags, method, crc, compressedSize, size, dataOffset, directory });
    at = next;
  }
  return entries;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Input bytes per inflate step: deflate expands at most 1032×, so one step outputs at most ~4 MiB before the declared size is checked (smaller steps cost inflate speed). */
const STEP = 4 << 10;

/**
 * The entry's bytes: a view of the archive for a stored entry. A deflated one is inflated in steps
 * into a buffer that starts at what the compressed size makes likely and doubles up to the declared
 * size; each growth is charged to `budget`, so memory follows the bytes that really come out (at
 * most 2× them), not a size the file claims, and inflating stops once it passes the declared size.
 */
export function entryBytes(bytes: Uint8Array, e: ZipEntry, budget: MemoryBudget): Uint8Array {
  // As miniz, which refuses encrypted and patch-data entries only when they are read.
  if (e.flags & 0x41) throw bad(`entry ${preview(e.name)} is encrypted`);
  if (e.flags & 0x20) throw bad(`entry ${preview(e.name)} is compressed patch data`);
  // miniz extracts nothing from a directory and reports success: PyTorch would read uninitialised memory.
  if (e.directory && e.size > 0) throw bad(`entry ${preview(e.name)} is marked as a directory but holds ${e.size} bytes`);
  const raw = bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  if (e.method === 0) return raw;
  let out = new Uint8Array(0), filled = 0, done = false;
  const grow = (need: number) => {
    let cap = Math.max(out.length, Math.min(e.size, 2 * raw.length + 4096));
    while (cap < need) cap = Math.min(e.size, cap * 2);
    budget.charge(cap - out.length, `inflating zip entry ${preview(e.name)}`);
    const next = new Uint8Array(cap);
    next.set(out.subarray(0, filled));
    out = next;
  };
  const inflate = new Inflate((chunk, final) => {
    if (filled + chunk.length > e.size) throw bad(`deflated entry ${preview(e.name)} inflates past its declared ${e.size} bytes`);
    if (filled + chunk.length > out.length) grow(filled + chunk.length);
    out.set(chunk, filled);
    filled += chunk.length;
    done ||= final;
  });
  try {
    for (let at = 0; at < raw.length; at += STEP) inflate.push(raw.subarray(at, Math.min(raw.length, at + STEP)), at + STEP >= raw.length);
    if (raw.length === 0) inflate.push(raw, true);
  } catch (err) {
    if (err instanceof Error && (err.message.startsWith('checkpoint is not a valid zip') || /memory budget|maxBytes/.test(err.message))) throw err;
    throw bad(`deflated entry ${preview(e.name)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!done || filled !== e.size) throw bad(`deflated entry ${preview(e.name)} inflates to ${filled} bytes, not its declared ${e.size}`);
  const data = out.length === filled ? out : out.subarray(0, filled);
  // A corrupt deflate stream can still inflate to the declared size, and decoders differ on what
  // they make of it (PyTorch's miniz is built without its CRC checks): the CRC says whether these
  // are the bytes that were written.
  if (crc32(data) !== e.crc) throw bad(`deflated entry ${preview(e.name)} fails its CRC-32 check`);
  return data;
}

let crcTable: Uint32Array | null = null;

/** The zip format's CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
