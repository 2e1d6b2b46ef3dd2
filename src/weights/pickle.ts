// A minimal, safe unpickler for the pickles torch.save writes (protocols 2-5). It interprets opcodes
// but never imports or runs Python code: GLOBAL/STACK_GLOBAL resolve only through the caller's
// allow-list of JS re-implementations, and any other global is refused.
//
// Python values map to JS as: str -> string, int -> number (bigint beyond 2^53), float -> number,
// None -> null, bool -> boolean, bytes -> Uint8Array, list -> array, tuple -> frozen array,
// dict -> Map, set -> Set, allowed globals -> whatever the resolver returns (usually a PyGlobal).

import { quoteName } from './budget.ts';

/** An allowed Python global. Markers (dtypes, storage types) have no implementation to call. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string, private readonly impl?: (args: readonly unknown[]) => unknown) {}
  get qualifiedName(): string { return `${this.module}.${this.name}`; }
  call(args: readonly unknown[]): unknown {
    if (!this.impl) throw new Error(`checkpoint calls ${this.qualifiedName}(...), which is only a marker here and cannot be called`);
    return this.impl(args);
  }
}

/** Returns the JS stand-in for an allowed global, or undefined to refuse it. */
export type GlobalResolver = (module: string, name: string) => unknown;

export type UnpickleOptions = {
  resolveGlobal?: GlobalResolver;
  /** Called for BINPERSID (torch uses it to reference tensor storages stored beside the pickle). */
  persistentLoad?: (pid: unknown) => unknown;
  /** Names the pickle in error messages, e.g. "archive/data.pkl". */
  label?: string;
};

export const isTuple = (x: unknown): x is readonly unknown[] => Array.isArray(x) && Object.isFrozen(x);
const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);


export function refusedGlobalMessage(module: string, name: string): string {
  return `refusing to load: the checkpoint references the Python global ${quoteName(`${module}.${name}`)}, which a state_dict never needs; ` +
    `it may be malicious. If you saved a whole model or other Python objects, re-save only the weights: torch.save(model.state_dict(), path)`;
}

// Protocol 2 has no opcodes for bytes or sets, so Python spells them as calls to these globals. They
// only build plain values, so they are always allowed, re-implemented here.
const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (ch) => {
  const code = ch.charCodeAt(0);
  if (code > 0xff) throw new Error('_codecs.encode: a latin-1 string holds a character above U+00FF; the checkpoint is corrupt');
  return code;
});
const VALUE_GLOBALS = new Map<string, PyGlobal>([
  ['_codecs.encode', new PyGlobal('_codecs', 'encode', ([text, encoding]) => {
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new Error('_codecs.encode: only encode(str, "latin1") (how pickle stores bytes) is supported');
    return latin1(text);
  })],
  ['builtins.set', new PyGlobal('builtins', 'set', ([items]) => new Set(Array.isArray(items) ? items : []))],
  ['builtins.frozenset', new PyGlobal('builtins', 'frozenset', ([items]) => new Set(Array.isArray(items) ? items : []))],
]);

// Opcodes this VM does not implement (text-mode protocol 0/1, extension registry, out-of-band buffers).
const UNSUPPORTED: Record<number, string> = {
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x50: 'PERSID', 0x67: 'GET', 0x70: 'PUT',
  0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** The longest LONG1/LONG4 integer read (1 KiB: 8192 bits); Python allows any, a state dict needs a few bytes. */
const MAX_LONG_BYTES = 1024;
/** How deep MARKs may nest (Python sets no limit; torch.save nests a handful). */
const MAX_MARKS = 1000;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

class PickleReader {
  pos = 0;
  private readonly view: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  readonly bytes: Uint8Array;
  constructor(input: Uint8Array, readonly label: string) {
    // A plain view: Node's Buffer.slice() would alias instead of copying the bytes objects we return.
    this.bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }
  /** Fails before any read that would run past the end, so hostile lengths never allocate. */
  need(n: number): number {
    if (!(n <= this.bytes.length - this.pos)) {
      throw new Error(`checkpoint is truncated at byte ${this.pos} of ${this.label}: ${n} more bytes were expected but only ` +
        `${this.bytes.length - this.pos} remain; re-download or re-save it`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number { return this.bytes[this.need(1)]; }
  u16(): number { return this.view.getUint16(this.need(2), true); }
  u32(): number { return this.view.getUint32(this.need(4), true); }
  i32(): number { return this.view.getInt32(this.need(4), true); }
  /** u64 lengths: anything that does not fit a JS number is certainly past the end of the buffer. */
  u64(): number { const lo = this.u32(); const hi = this.u32(); return hi * 2 ** 32 + lo; }
  f64be(): number { return this.view.getFloat64(this.need(8), false); }
  raw(n: number): Uint8Array { const at = this.need(n); return this.bytes.subarray(at, at + n); }
  str(n: number): string {
    const at = this.pos;
    const b = this.raw(n);
    try { return this.text.decode(b); } catch { throw this.corrupt(`a string of ${n} bytes that is not valid UTF-8`, at); }
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.need(this.bytes.length - this.pos + 1); // throws "truncated"
    return this.str(end - this.pos + 1).slice(0, -1);
  }
  /** Little-endian two's-complement integer of n bytes (LONG1/LONG4), at most MAX_LONG_BYTES: built in one pass from hex. */
  long(n: number): number | bigint {
    if (n > MAX_LONG_BYTES) throw this.corrupt(`an integer of ${n} bytes (a checkpoint's integers fit in ${MAX_LONG_BYTES})`, this.pos);
    const b = this.raw(n);
    if (n === 0) return 0;
    let hex = '';
    for (let i = n - 1; i >= 0; i--) hex += HEX[b[i]];
    let v = BigInt(`0x${hex}`);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  corrupt(what: string, at: number): Error {
    return new Error(`checkpoint pickle ${this.label} is corrupt at byte ${at}: ${what}; re-download or re-save it`);
  }
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): unknown {
  const r = new PickleReader(bytes, options.label ?? 'the pickle');
  const resolve = options.resolveGlobal ?? (() => undefined);
  const memo = new Map<number, unknown>();
  const marks: unknown[][] = [];
  let stack: unknown[] = [];
  let at = 0; // offset of the opcode being run, for error messages

  // Reads `stack` only after its argument is evaluated: popMark() may have swapped the stack meanwhile.
  const push = (value: unknown): void => { stack.push(value); };
  const pop = (): unknown => {
    if (stack.length === 0) throw r.corrupt('stack underflow', at);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw r.corrupt('stack underflow', at);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const outer = marks.pop();
    if (!outer) throw r.corrupt('no MARK on the stack', at);
    stack = outer;
    return items;
  };
  const popN = (n: number): unknown[] => {
    if (stack.length < n) throw r.corrupt('stack underflow', at);
    return stack.splice(stack.length - n, n);
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw r.corrupt(`memo entry ${i} was never stored`, at);
    return memo.get(i);
  };
  const global = (module: string, name: string): unknown => {
    const value = resolve(module, name) ?? VALUE_GLOBALS.get(`${module}.${name}`);
    if (value === undefined) throw new Error(refusedGlobalMessage(module, name));
    return value;
  };
  const call = (callable: unknown, args: unknown): unknown => {
    if (!(callable instanceof PyGlobal)) throw r.corrupt('call of a value that is not an allowed global', at);
    if (!Array.isArray(args)) throw r.corrupt(`${callable.qualifiedName} called without an argument tuple`, at);
    return callable.call(args);
  };
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map)) throw r.corrupt('SETITEM(S) on a value that is not a dict', at);
    if (items.length % 2) throw r.corrupt('SETITEMS with an odd number of items', at);
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]): void => {
    if (!Array.isArray(list) || isTuple(list)) throw r.corrupt('APPEND(S) on a value that is not a list', at);
    for (const item of items) (list as unknown[]).push(item);
  };

  for (;;) {
    at = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: { const v = r.u8(); if (v > 5) throw r.corrupt(`pickle protocol ${v} is newer than 5`, at); break; } // PROTO
      case 0x95: { // FRAME: a read-ahead hint, but Python requires the whole frame to be there
        const n = r.u64();
        if (n > r.bytes.length - r.pos) throw r.corrupt(`a FRAME of ${n} bytes, but only ${r.bytes.length - r.pos} remain (pickle data was truncated)`, at);
        break;
      }
      case 0x2e: return pop(); // STOP
      case 0x28: // MARK
        if (marks.length >= MAX_MARKS) throw r.corrupt(`MARKs nested more than ${MAX_MARKS} deep`, at);
        marks.push(stack); stack = [];
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(r.i32()); break; // BININT
      case 0x4b: push(r.u8()); break; // BININT1
      case 0x4d: push(r.u16()); break; // BININT2
      case 0x8a: push(r.long(r.u8())); break; // LONG1
      case 0x8b: push(r.long(r.u32())); break; // LONG4
      case 0x47: push(r.f64be()); break; // BINFLOAT
      case 0x58: push(r.str(r.u32())); break; // BINUNICODE
      case 0x8c: push(r.str(r.u8())); break; // SHORT_BINUNICODE
      case 0x8d: push(r.str(r.u64())); break; // BINUNICODE8
      case 0x55: push(r.str(r.u8())); break; // SHORT_BINSTRING (Python 2 str)
      case 0x54: push(r.str(r.u32())); break; // BINSTRING
      case 0x43: push(r.raw(r.u8()).slice()); break; // SHORT_BINBYTES
      case 0x42: push(r.raw(r.u32()).slice()); break; // BINBYTES
      case 0x8e: case 0x96: push(r.raw(r.u64()).slice()); break; // BINBYTES8, BYTEARRAY8
      case 0x29: push(tuple([])); break; // EMPTY_TUPLE
      case 0x74: push(tuple(popMark())); break; // TUPLE
      case 0x85: case 0x86: case 0x87: push(tuple(popN(op - 0x84))); break; // TUPLE1..3
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: push(popMark()); break; // LIST
      case 0x61: { const item = pop(); appendItems(top(), [item]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x7d: push(new Map()); break; // EMPTY_DICT
      case 0x64: { const dict = new Map(); setItems(dict, popMark()); push(dict); break; } // DICT
      case 0x73: { const [k, v] = popN(2); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x8f: push(new Set()); break; // EMPTY_SET
      case 0x91: push(new Set(popMark())); break; // FROZENSET
      case 0x90: { // ADDITEMS
        const items = popMark(); const set = top();
        if (!(set instanceof Set)) throw r.corrupt('ADDITEMS on a value that is not a set', at);
        for (const item of items) set.add(item);
        break;
      }
      case 0x71: memo.set(r.u8(), top()); break; // BINPUT
      case 0x72: memo.set(r.u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: push(memoGet(r.u8())); break; // BINGET
      case 0x6a: push(memoGet(r.u32())); break; // LONG_BINGET
      case 0x63: { const module = r.line(); push(global(module, r.line())); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const [module, name] = popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') throw r.corrupt('STACK_GLOBAL needs two strings', at);
        push(global(module, name));
        break;
      }
      case 0x52: case 0x81: { const args = pop(); push(call(pop(), args)); break; } // REDUCE, NEWOBJ
      case 0x92: { // NEWOBJ_EX
        const [cls, args, kwargs] = popN(3);
        if (!(kwargs instanceof Map) || kwargs.size) throw r.corrupt('NEWOBJ_EX with keyword arguments', at);
        push(call(cls, args));
        break;
      }
      case 0x62: { // BUILD: sets Python attributes (e.g. a state_dict's _metadata); tensors and dicts need none.
        const state = pop(); const target = top();
        if (!(target instanceof Map) && !isPlainObject(target)) throw r.corrupt('BUILD on an unsupported object', at);
        void state;
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) throw r.corrupt('persistent id (BINPERSID) in a pickle that should have none', at);
        push(options.persistentLoad(pid));
        break;
      }
      default: {
        const hex = `0x${op.toString(16).padStart(2, '0')}`;
        const name = UNSUPPORTED[op];
        throw new Error(name
          ? `unsupported pickle opcode ${name} (${hex}) at byte ${at} of ${r.label}: torch.save never writes it; re-save the checkpoint with torch.save(obj, path)`
          : `unknown pickle opcode ${hex} at byte ${at} of ${r.label}: the file is corrupt or not a PyTorch checkpoint`);
      }
    }
  }
}

/** BUILD may target objects our allowed globals return (tensors); their Python state is irrelevant here. */
function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}
