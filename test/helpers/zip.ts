// Zip archives by hand, for building broken and hostile checkpoints in tests and in the fuzz
// benchmark: every header field can be set to a lie. Entries are stored or deflated.
import { deflateSync } from 'fflate';

export interface ZipPart {
  name: string | Uint8Array;
  data: Uint8Array;
  /** 8: deflate `data` (default 0: stored) */
  method?: number;
  /** lies: the sizes and CRC written in the headers (default: the true ones) */
  size?: number; compressedSize?: number; crc?: number;
  /** bytes between the local header and the data (torch.save pads storages to 64-byte alignment) */
  extra?: Uint8Array;
}

export { crc32 } from '../../src/weights/zip.ts';
import { crc32 } from '../../src/weights/zip.ts';

/** The archive, and where each part's local header, data and central entry landed (for later edits). */
export function makeZip(parts: ZipPart[], opts: { cdOffsetDelta?: number; entryCount?: number } = {}): { bytes: Uint8Array; local: number[]; data: number[]; central: number[]; end: number } {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let pos = 0;
  const push = (b: Uint8Array) => { chunks.push(b); pos += b.length; };
  const header = (n: number) => { const b = new Uint8Array(n); return { b, v: new DataView(b.buffer) }; };
  const local: number[] = [], dataAt: number[] = [], infos: { name: Uint8Array; method: number; crc: number; csize: number; size: number; off: number }[] = [];
  for (const p of parts) {
    const name = typeof p.name === 'string' ? enc.encode(p.name) : p.name;
    const method = p.method ?? 0;
    const body = method === 8 ? deflateSync(p.data) : p.data;
    const extra = p.extra ?? new Uint8Array(0);
    const info = { name, method, crc: p.crc ?? crc32(p.data), csize: p.compressedSize ?? body.length, size: p.size ?? p.data.length, off: pos };
    const { b, v } = header(30);
    v.setUint32(0, 0x04034b50, true); v.setUint16(4, 20, true); v.setUint16(8, method, true);
    v.setUint32(14, info.crc, true); v.setUint32(18, info.csize, true); v.setUint32(22, info.size, true);
    v.setUint16(26, name.length, true); v.setUint16(28, extra.length, true);
    local.push(pos);
    push(b); push(name); push(extra);
    dataAt.push(pos);
    push(body);
    infos.push(info);
  }
  const cdStart = pos, central: number[] = [];
  for (const i of infos) {
    const { b, v } = header(46);
    v.setUint32(0, 0x02014b50, true); v.setUint16(4, 20, true); v.setUint16(6, 20, true); v.setUint16(10, i.method, true);
    v.setUint32(16, i.crc, true); v.setUint32(20, i.csize, true); v.setUint32(24, i.size, true);
    v.setUint16(28, i.name.length, true); v.setUint32(42, i.off, true);
    central.push(pos);
    push(b); push(i.name);
  }
  const { b, v } = header(22);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, opts.entryCount ?? infos.length, true); v.setUint16(10, opts.entryCount ?? infos.length, true);
  v.setUint32(12, pos - cdStart, true); v.setUint32(16, cdStart + (opts.cdOffsetDelta ?? 0), true);
  const end = pos;
  push(b);
  const bytes = new Uint8Array(pos);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  return { bytes, local, data: dataAt, central, end };
}
