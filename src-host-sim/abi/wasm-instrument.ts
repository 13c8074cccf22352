// Rewrites a module so the host can stop a guest call that never returns. A JS host cannot
// interrupt WebAssembly running on its own thread, so every `loop` gets a cheap counter: a new
// i32 local incremented on each iteration, and every WATCHDOG_POLL_MASK + 1 iterations a call
// through a new one-entry table to a host function that checks the elapsed time and throws when
// the call ran too long. Any non-terminating execution either recurses without bound (a stack
// overflow trap) or iterates some loop forever, so this reaches every runaway call. Function,
// global and (existing) table indices are unchanged: the new type, table and exports are appended.
// The start section is removed and its function exported instead, so the host can fill the table
// before the start function runs (it would otherwise run inside instantiation).
//
// Unknown opcodes or type forms (e.g. the GC proposal) leave the module unchanged: the
// instrumentation is then reported as unavailable and only the rest of the simulator applies.
import { WasmReader } from "./wasm-binary.js";

/** Export holding the table whose entry 0 is the host's poll function. */
export const WATCHDOG_TABLE_EXPORT = "__proxy_wasm_sim_watchdog";
/** Export of the original start function (when the module had a start section). */
export const WATCHDOG_START_EXPORT = "__proxy_wasm_sim_start";
/** Loop iterations (per function activation) between two polls, minus one: a power of two minus one. */
export const WATCHDOG_POLL_MASK = 0x3fff;

export interface InstrumentResult {
  bytes: Uint8Array;
  /** false: the module was returned unchanged (reason says why) */
  instrumented: boolean;
  reason?: string;
  /** the module had a start section, now exported as WATCHDOG_START_EXPORT */
  hadStart: boolean;
  /** number of loops instrumented */
  loops: number;
}

class Unsupported extends Error {}

const unsupported = (message: string): Error => new Unsupported(message);

/** uleb / sleb32 / nameBytes: the LEB128 and name encodings of the wasm binary format (also used by tests that build modules). */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function nameBytes(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

/** Single-byte value types (numbers, v128, funcref/externref and the GC shorthands). */
function isShortValType(b: number): boolean {
  return (b >= 0x7b && b <= 0x7f) || (b >= 0x69 && b <= 0x74) || b === 0x6f || b === 0x70;
}

function skipValType(r: WasmReader): void {
  const b = r.byte();
  if (isShortValType(b)) return;
  if (b === 0x63 || b === 0x64) return r.leb(); // (ref null? heaptype)
  throw new Unsupported(`value type 0x${b.toString(16)}`);
}

function skipBlockType(r: WasmReader): void {
  const b = r.buf[r.pos];
  if (b === undefined) throw new Unsupported("unexpected end of wasm binary");
  if (b === 0x40 || isShortValType(b)) return void r.pos++;
  if (b === 0x63 || b === 0x64) {
    r.pos++;
    return r.leb();
  }
  r.leb(); // s33 type index
}

function skipMemArg(r: WasmReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory: memory index
  r.leb(); // offset (u64)
}

/** SIMD (0xFD) immediates after the sub-opcode. */
function skipSimd(r: WasmReader, sub: number): void {
  if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) return skipMemArg(r);
  if (sub === 0x0c || sub === 0x0d) return r.skip(16); // v128.const, i8x16.shuffle
  if (sub >= 0x15 && sub <= 0x22) return r.skip(1); // extract/replace lane
  if (sub >= 0x54 && sub <= 0x5b) {
    skipMemArg(r);
    return r.skip(1); // load/store lane
  }
  if (sub <= 0x113) return; // the rest take no immediates (relaxed SIMD included)
  throw new Unsupported(`SIMD opcode 0x${sub.toString(16)}`);
}

/** 0xFC (saturating truncation, bulk memory, table) immediates after the sub-opcode. */
function skipMisc(r: WasmReader, sub: number): void {
  if (sub <= 7) return;
  switch (sub) {
    case 8: // memory.init data mem
    case 10: // memory.copy mem mem
    case 12: // table.init elem table
    case 14: // table.copy table table
      r.u32();
      r.u32();
      return;
    case 9: // data.drop
    case 11: // memory.fill
    case 13: // elem.drop
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return;
    default:
      throw new Unsupported(`0xFC opcode ${sub}`);
  }
}

/**
 * Walks one function's instructions from r.pos to `end`, calling onLoop with the position right
 * after each loop's block type (where the poll sequence goes).
 */
function walkCode(r: WasmReader, end: number, onLoop: (pos: number) => void): void {
  while (r.pos < end) {
    const op = r.byte();
    switch (op) {
      case 0x02: // block
      case 0x04: // if
      case 0x06: // try (legacy exceptions)
        skipBlockType(r);
        break;
      case 0x03: // loop
        skipBlockType(r);
        onLoop(r.pos);
        break;
      case 0x1f: {
        // try_table: block type, then catch clauses
        skipBlockType(r);
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const kind = r.byte();
          if (kind === 0 || kind === 1) r.u32();
          else if (kind > 3) throw new Unsupported("try_table catch kind");
          r.u32();
        }
        break;
      }
      case 0x07: // catch tag
      case 0x08: // throw tag
      case 0x09: // rethrow depth
      case 0x18: // delegate depth
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x10: // call
      case 0x12: // return_call
      case 0x14: // call_ref
      case 0x15: // return_call_ref
      case 0xd2: // ref.func
      case 0xd5: // br_on_null
      case 0xd6: // br_on_non_null
      case 0x25: // table.get
      case 0x26: // table.set
      case 0x3f: // memory.size
      case 0x40: // memory.grow
        r.u32();
        break;
      case 0x20:
      case 0x21:
      case 0x22:
      case 0x23:
      case 0x24: // local/global get/set/tee
        r.u32();
        break;
      case 0x0e: {
        // br_table
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x11: // call_indirect type table
      case 0x13: // return_call_indirect
        r.u32();
        r.u32();
        break;
      case 0x1c: {
        // typed select
        const n = r.u32();
        for (let i = 0; i < n; i++) skipValType(r);
        break;
      }
      case 0x41: // i32.const
      case 0x42: // i64.const
      case 0xd0: // ref.null heaptype
        r.leb();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xfc:
        skipMisc(r, r.u32());
        break;
      case 0xfd:
        skipSimd(r, r.u32());
        break;
      case 0xfe: {
        // atomics: fence takes a byte, every other one a memarg
        const sub = r.u32();
        if (sub === 0x03) r.skip(1);
        else if (sub <= 0x4e) skipMemArg(r);
        else throw new Unsupported(`atomic opcode 0x${sub.toString(16)}`);
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) {
          skipMemArg(r);
          break;
        }
        // No immediates: control (0x00 0x01 0x05 0x0a 0x0b 0x0f 0x19), drop/select, numeric
        // 0x45–0xc4, ref.is_null / ref.eq / ref.as_non_null.
        if (op <= 0x01 || op === 0x05 || op === 0x0a || op === 0x0b || op === 0x0f || op === 0x19 || op === 0x1a || op === 0x1b) break;
        if ((op >= 0x45 && op <= 0xc4) || op === 0xd1 || op === 0xd3 || op === 0xd4) break;
        throw new Unsupported(`opcode 0x${op.toString(16)}`);
    }
  }
}

/** The instructions placed at the top of every loop body (stack-neutral). */
function pollSequence(local: number, typeIndex: number, tableIndex: number): number[] {
  return [
    0x20, ...uleb(local), // local.get $n
    0x41, 0x01, // i32.const 1
    0x6a, // i32.add
    0x22, ...uleb(local), // local.tee $n
    0x41, ...sleb32(WATCHDOG_POLL_MASK), // i32.const mask
    0x71, // i32.and
    0x45, // i32.eqz
    0x04, 0x40, // if
    0x41, 0x00, // i32.const 0
    0x11, ...uleb(typeIndex), ...uleb(tableIndex), // call_indirect (type $void) $watchdog
    0x0b, // end
  ];
}

interface Section {
  id: number;
  start: number; // first byte of the section (its id)
  bodyStart: number;
  end: number;
}

/** Section order of the binary format (custom sections excluded), to place new sections. */
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/** instrumentForWatchdog returns the rewritten module (see the file comment). */
export function instrumentForWatchdog(bytes: Uint8Array): InstrumentResult {
  try {
    return rewrite(bytes);
  } catch (e) {
    if (e instanceof Unsupported) return { bytes, instrumented: false, reason: e.message, hadStart: false, loops: 0 };
    throw e;
  }
}

function rewrite(bytes: Uint8Array): InstrumentResult {
  const sections: Section[] = [];
  const r = new WasmReader(bytes, 8, unsupported);
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, start, bodyStart: r.pos, end: r.pos + size });
    r.pos += size;
  }
  const find = (id: number): Section | undefined => sections.find((s) => s.id === id);

  // Types: every function type's parameter count; all forms must be plain function types.
  const typeSec = find(1);
  const paramCounts: number[] = [];
  if (typeSec) {
    const t = new WasmReader(bytes, typeSec.bodyStart, unsupported);
    const n = t.u32();
    for (let i = 0; i < n; i++) {
      if (t.byte() !== 0x60) throw new Unsupported("non-function type form");
      const np = t.u32();
      for (let j = 0; j < np; j++) skipValType(t);
      paramCounts.push(np);
      const nr = t.u32();
      for (let j = 0; j < nr; j++) skipValType(t);
    }
  }
  const newTypeIndex = paramCounts.length;

  // Imports: how many tables come before the defined ones.
  let importedTables = 0;
  const importSec = find(2);
  if (importSec) {
    const t = new WasmReader(bytes, importSec.bodyStart, unsupported);
    const n = t.u32();
    for (let i = 0; i < n; i++) {
      t.skip(t.u32());
      t.skip(t.u32());
      const kind = t.byte();
      if (kind === 0) {
        t.u32();
      } else if (kind === 1) {
        skipValType(t);
        skipLimits(t);
        importedTables++;
      } else if (kind === 2) skipLimits(t);
      else if (kind === 3) {
        skipValType(t);
        t.byte();
      } else if (kind === 4) {
        t.byte();
        t.u32();
      } else throw new Unsupported(`import kind ${kind}`);
    }
  }
  const funcSec = find(3);
  const funcTypes: number[] = [];
  if (funcSec) {
    const t = new WasmReader(bytes, funcSec.bodyStart, unsupported);
    const n = t.u32();
    for (let i = 0; i < n; i++) funcTypes.push(t.u32());
  }
  const tableSec = find(4);
  let definedTables = 0;
  if (tableSec) definedTables = new WasmReader(bytes, tableSec.bodyStart, unsupported).u32();
  const newTableIndex = importedTables + definedTables;

  const startSec = find(8);
  const startFunc = startSec ? new WasmReader(bytes, startSec.bodyStart, unsupported).u32() : null;

  // Code: a new local and a poll at the top of every loop, in functions that have loops.
  const codeSec = find(10);
  let loops = 0;
  const codeChunks: Uint8Array[] = [];
  if (codeSec) {
    const t = new WasmReader(bytes, codeSec.bodyStart, unsupported);
    const n = t.u32();
    if (n !== funcTypes.length) throw new Unsupported("function and code counts differ");
    codeChunks.push(Uint8Array.from(uleb(n)));
    for (let i = 0; i < n; i++) {
      const entryStart = t.pos;
      const size = t.u32();
      const bodyStart = t.pos;
      const bodyEnd = bodyStart + size;
      const groups = t.u32();
      const groupsEnd = t.pos;
      let locals = paramCounts[funcTypes[i]!] ?? 0;
      if (paramCounts[funcTypes[i]!] === undefined) throw new Unsupported("function type out of range");
      for (let g = 0; g < groups; g++) {
        locals += t.u32();
        skipValType(t);
      }
      const codeStart = t.pos;
      const loopPositions: number[] = [];
      walkCode(t, bodyEnd, (pos) => loopPositions.push(pos));
      if (t.pos !== bodyEnd) throw new Unsupported("function body size mismatch");
      if (loopPositions.length === 0) {
        codeChunks.push(bytes.subarray(entryStart, bodyEnd));
        continue;
      }
      loops += loopPositions.length;
      const poll = pollSequence(locals, newTypeIndex, newTableIndex);
      const parts: Uint8Array[] = [Uint8Array.from(uleb(groups + 1)), bytes.subarray(groupsEnd, codeStart), Uint8Array.of(0x01, 0x7f)];
      let from = codeStart;
      for (const pos of loopPositions) {
        parts.push(bytes.subarray(from, pos), Uint8Array.from(poll));
        from = pos;
      }
      parts.push(bytes.subarray(from, bodyEnd));
      const body = concat(parts);
      codeChunks.push(Uint8Array.from(uleb(body.length)), body);
    }
  }

  // Reassemble: replaced sections in place, new ones at their position in the section order.
  const replaced = new Map<number, Uint8Array | null>();
  // type section + the poll's type
  {
    const oldBody = typeSec ? bytes.subarray(typeSec.bodyStart, typeSec.end) : Uint8Array.of(0);
    const t = new WasmReader(oldBody, 0, unsupported);
    const n = t.u32();
    replaced.set(1, concat([Uint8Array.from(uleb(n + 1)), oldBody.subarray(t.pos), Uint8Array.of(0x60, 0x00, 0x00)]));
  }
  // table section + a one-entry funcref table
  {
    const oldBody = tableSec ? bytes.subarray(tableSec.bodyStart, tableSec.end) : Uint8Array.of(0);
    const t = new WasmReader(oldBody, 0, unsupported);
    const n = t.u32();
    replaced.set(4, concat([Uint8Array.from(uleb(n + 1)), oldBody.subarray(t.pos), Uint8Array.of(0x70, 0x00, 0x01)]));
  }
  // export section + the table (and the former start function)
  {
    const exportSec = find(7);
    const oldBody = exportSec ? bytes.subarray(exportSec.bodyStart, exportSec.end) : Uint8Array.of(0);
    const t = new WasmReader(oldBody, 0, unsupported);
    const n = t.u32();
    const added: number[] = [...nameBytes(WATCHDOG_TABLE_EXPORT), 0x01, ...uleb(newTableIndex)];
    if (startFunc !== null) added.push(...nameBytes(WATCHDOG_START_EXPORT), 0x00, ...uleb(startFunc));
    replaced.set(7, concat([Uint8Array.from(uleb(n + (startFunc !== null ? 2 : 1))), oldBody.subarray(t.pos), Uint8Array.from(added)]));
  }
  if (startSec) replaced.set(8, null);
  if (codeSec) replaced.set(10, concat(codeChunks));

  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  const emit = (id: number, body: Uint8Array): void => {
    out.push(Uint8Array.of(id, ...uleb(body.length)), body);
  };
  const pendingNew = [1, 4, 7].filter((id) => !find(id));
  const flushNewBefore = (id: number): void => {
    const rank = SECTION_ORDER.indexOf(id);
    while (pendingNew.length > 0 && SECTION_ORDER.indexOf(pendingNew[0]!) < rank) {
      const nid = pendingNew.shift()!;
      emit(nid, replaced.get(nid)!);
    }
  };
  for (const s of sections) {
    if (s.id !== 0) flushNewBefore(s.id);
    if (replaced.has(s.id) && s.id !== 0) {
      const body = replaced.get(s.id);
      if (body) emit(s.id, body);
      continue;
    }
    out.push(bytes.subarray(s.start, s.end));
  }
  for (const nid of pendingNew) emit(nid, replaced.get(nid)!);
  return { bytes: concat(out), instrumented: true, hadStart: startFunc !== null, loops };
}

function skipLimits(r: WasmReader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * pollFunction wraps a JS function as a WebAssembly function of type () → (), the only kind a
 * funcref table accepts: a two-line module that imports it and exports it back.
 */
export function pollFunction(poll: () => void): WebAssembly.ExportValue {
  const bytes = Uint8Array.of(
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
    0x02, 0x07, 0x01, 0x01, 0x77, 0x01, 0x70, 0x00, 0x00, // import "w" "p" func type 0
    0x07, 0x05, 0x01, 0x01, 0x70, 0x00, 0x00, // export "p" func 0
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { w: { p: poll } });
  return instance.exports["p"]!;
}
