// A scriptable Proxy-Wasm module for host-simulator conformance tests. It reads a small command
// script from the VM configuration (buffer 6, readable at any time) and, in each callback, runs
// the commands listed for it, calling the raw host imports and logging every result at info as
//   "> <command> <args> = <status>[ <value>]"
// so tests assert on Envoy's exact statuses and values through sim.logs.
//
// Script: one line per callback, "<callback>[@<context id>]: <cmd> <args>; <cmd> <args>; …".
// Callbacks: context_create vm_start configure request_headers request_body request_trailers
// response_headers response_body response_trailers http_call_response tick queue_ready log done
// delete. Tokens are space-separated; %XX escapes any byte (%20 space, %3B ';', %00 NUL).
// `return N` sets the callback's return value; `return_eos A B` returns A at end of stream, else B.
// Variables: $ctx (callback context), $last (last numeric result), $origin (context that issued
// the http call being answered), $a1..$a4 (the callback's other arguments).
import * as imp from "@solo-io/proxy-runtime/assembly/imports";
import { free, malloc } from "@solo-io/proxy-runtime/assembly/malloc";
// Brings in the SDK's abort_proc_exit (the module is built with --use abort=abort_proc_exit).
export { abort_proc_exit } from "@solo-io/proxy-runtime/assembly/runtime";
export { free, malloc };

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
declare function wasi_clock_time_get(id: u32, precision: u64, ptr: usize): u32;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function wasi_fd_write(fd: u32, iovs: usize, n: u32, written: usize): u32;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(ptr: usize, len: u32): u32;

export function proxy_abi_version_0_2_0(): void {}

const SLOT_PTR: usize = memory.data(16);
const SLOT_SIZE: usize = SLOT_PTR + 4;
const SLOT_X: usize = SLOT_PTR + 8;

let script: Map<string, Array<Array<string>>> | null = null;
let lastValue: u32 = 0;
let curCtx: u32 = 0;
let originCtx: u32 = 0;
let args: Array<u32> = [0, 0, 0, 0];
const callOrigins = new Map<u32, u32>();

function takeBuffer(): ArrayBuffer {
  const size = load<u32>(SLOT_SIZE);
  const ptr = load<u32>(SLOT_PTR);
  if (size == 0) return new ArrayBuffer(0);
  const buf = changetype<ArrayBuffer>(<usize>ptr);
  free(<usize>ptr);
  return buf;
}

function bytesOf(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function out(line: string): void {
  const b = bytesOf("> " + line);
  imp.proxy_log(2, changetype<usize>(b), b.byteLength);
}

function hexOf(b: ArrayBuffer): string {
  const digits = "0123456789abcdef";
  const v = Uint8Array.wrap(b);
  let s = "";
  for (let i = 0; i < v.length; i++) {
    s += digits.charAt(v[i] >> 4) + digits.charAt(v[i] & 15);
  }
  return s;
}

function unescape(t: string): string {
  if (t.indexOf("%") < 0) return t;
  let s = "";
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c == 37 && i + 2 < t.length) {
      const h = I32.parseInt(t.substring(i + 1, i + 3), 16);
      s += String.fromCharCode(h);
      i += 2;
    } else {
      s += String.fromCharCode(c);
    }
  }
  return s;
}

function resolveVar(t: string): string {
  if (t == "$ctx") return curCtx.toString();
  if (t == "$last") return lastValue.toString();
  if (t == "$origin") return originCtx.toString();
  if (t.length == 3 && t.startsWith("$a")) {
    const i = I32.parseInt(t.substring(2), 10) - 1;
    if (i >= 0 && i < 4) return args[i].toString();
  }
  return unescape(t);
}

function num(t: string): u32 {
  return <u32>I64.parseInt(resolveVar(t), 10);
}

function loadScript(): void {
  if (script != null) return;
  const m = new Map<string, Array<Array<string>>>();
  script = m;
  const st = imp.proxy_get_buffer_bytes(6, 0, 1 << 30, SLOT_PTR, SLOT_SIZE);
  if (st != 0) return;
  const text = String.UTF8.decode(takeBuffer());
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.substring(0, colon).trim();
    const cmds = line.substring(colon + 1).split(";");
    const list = new Array<Array<string>>();
    for (let j = 0; j < cmds.length; j++) {
      const c = cmds[j].trim();
      if (c.length == 0) continue;
      const parts = c.split(" ");
      const toks = new Array<string>();
      for (let k = 0; k < parts.length; k++) if (parts[k].length > 0) toks.push(parts[k]);
      list.push(toks);
    }
    m.set(name, list);
  }
}

function pairsText(b: ArrayBuffer): string {
  if (b.byteLength < 4) return "";
  const base = changetype<usize>(b);
  const n = load<u32>(base);
  let data = base + 4 + n * 8;
  let s = "";
  for (let i: u32 = 0; i < n; i++) {
    const kl = load<u32>(base + 4 + i * 8);
    const vl = load<u32>(base + 8 + i * 8);
    const k = String.UTF8.decodeUnsafe(data, kl);
    data += kl + 1;
    const v = String.UTF8.decodeUnsafe(data, vl);
    data += vl + 1;
    if (i > 0) s += ",";
    s += k + "=" + v;
  }
  return s;
}

/** serializePairs: "k=v,k=v" → the pairs wire format (empty string → 0 pairs). */
function serializePairs(spec: string): ArrayBuffer {
  const items = spec.length == 0 ? new Array<string>() : spec.split(",");
  const keys = new Array<ArrayBuffer>();
  const values = new Array<ArrayBuffer>();
  let size = 4;
  for (let i = 0; i < items.length; i++) {
    const eq = items[i].indexOf("=", 1);
    const k = bytesOf(unescape(eq < 0 ? items[i] : items[i].substring(0, eq)));
    const v = bytesOf(unescape(eq < 0 ? "" : items[i].substring(eq + 1)));
    keys.push(k);
    values.push(v);
    size += 8 + k.byteLength + 1 + v.byteLength + 1;
  }
  const buf = new ArrayBuffer(size);
  const base = changetype<usize>(buf);
  store<u32>(base, keys.length);
  let data = base + 4 + keys.length * 8;
  for (let i = 0; i < keys.length; i++) {
    store<u32>(base + 4 + i * 8, keys[i].byteLength);
    store<u32>(base + 8 + i * 8, values[i].byteLength);
    memory.copy(data, changetype<usize>(keys[i]), keys[i].byteLength);
    data += keys[i].byteLength;
    store<u8>(data, 0);
    data += 1;
    memory.copy(data, changetype<usize>(values[i]), values[i].byteLength);
    data += values[i].byteLength;
    store<u8>(data, 0);
    data += 1;
  }
  return buf;
}

function pathBytes(spec: string, trailingNul: bool): ArrayBuffer {
  let p = resolveVar(spec).replaceAll("/", "\0");
  if (trailingNul) p += "\0";
  return bytesOf(p);
}

function joinFrom(t: Array<string>, from: i32): string {
  let s = "";
  for (let i = from; i < t.length; i++) {
    if (i > from) s += " ";
    s += resolveVar(t[i]);
  }
  return s;
}

function arg(t: Array<string>, i: i32): string {
  return i < t.length ? resolveVar(t[i]) : "";
}

/** run executes one command; returns true when it set the callback's return value. */
function run(t: Array<string>, ret: Array<u32>): void {
  const cmd = t[0];
  const label = t.join(" ");
  if (cmd == "return") {
    ret[0] = num(t[1]);
  } else if (cmd == "return_eos") {
    // return_eos <value at end of stream> <value otherwise> (body callbacks: $a2 is end_of_stream)
    ret[0] = args[1] != 0 ? num(t[1]) : num(t[2]);
  } else if (cmd == "log") {
    const b = bytesOf(joinFrom(t, 2));
    const st = imp.proxy_log(<usize>num(t[1]), changetype<usize>(b), b.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "log_oob") {
    const st = imp.proxy_log(2, <usize>(memory.size() << 16) - 2, 16);
    out(label + " = " + st.toString());
  } else if (cmd == "get_pairs") {
    const st = imp.proxy_get_header_map_pairs(num(t[1]), SLOT_PTR, SLOT_SIZE);
    const size = load<u32>(SLOT_SIZE);
    const ptr = load<u32>(SLOT_PTR);
    const b = st == 0 ? takeBuffer() : new ArrayBuffer(0);
    out(label + " = " + st.toString() + " " + pairsText(b) + " (ptr " + (ptr == 0 ? "0" : "set") + ", size " + size.toString() + ")");
  } else if (cmd == "get_value") {
    const k = bytesOf(arg(t, 2));
    const st = imp.proxy_get_header_map_value(num(t[1]), changetype<usize>(k), k.byteLength, SLOT_PTR, SLOT_SIZE);
    out(label + " = " + st.toString() + (st == 0 ? " " + String.UTF8.decode(takeBuffer()) : ""));
  } else if (cmd == "add" || cmd == "replace") {
    const k = bytesOf(arg(t, 2));
    const v = bytesOf(arg(t, 3));
    const st = cmd == "add"
      ? imp.proxy_add_header_map_value(num(t[1]), changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength)
      : imp.proxy_replace_header_map_value(num(t[1]), changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "remove") {
    const k = bytesOf(arg(t, 2));
    const st = imp.proxy_remove_header_map_value(num(t[1]), changetype<usize>(k), k.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "set_pairs") {
    const b = serializePairs(t.length > 2 ? t[2] : "");
    const st = imp.proxy_set_header_map_pairs(num(t[1]), changetype<usize>(b), b.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "set_pairs_raw") {
    const b = bytesOf(arg(t, 2));
    const st = imp.proxy_set_header_map_pairs(num(t[1]), changetype<usize>(b), b.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "map_size") {
    const st = imp.proxy_get_header_map_size(num(t[1]), SLOT_X);
    out(label + " = " + st.toString() + (st == 0 ? " " + load<u32>(SLOT_X).toString() : ""));
  } else if (cmd == "get_buffer") {
    const st = imp.proxy_get_buffer_bytes(num(t[1]), num(t[2]), num(t[3]), SLOT_PTR, SLOT_SIZE);
    const ptr = load<u32>(SLOT_PTR);
    out(label + " = " + st.toString() + (st == 0 ? " [" + String.UTF8.decode(takeBuffer()) + "] ptr " + (ptr == 0 ? "0" : "set") : ""));
  } else if (cmd == "get_buffer_oob") {
    // return pointers outside linear memory → InvalidMemoryAccess
    const st = imp.proxy_get_buffer_bytes(num(t[1]), 0, 100, <usize>(memory.size() << 16) - 2, SLOT_SIZE);
    out(label + " = " + st.toString());
  } else if (cmd == "buffer_status") {
    const st = imp.proxy_get_buffer_status(num(t[1]), SLOT_X, SLOT_X + 4);
    out(label + " = " + st.toString() + (st == 0 ? " " + load<u32>(SLOT_X).toString() : ""));
  } else if (cmd == "set_buffer") {
    const d = bytesOf(arg(t, 4));
    const st = set_buffer_bytes(num(t[1]), num(t[2]), num(t[3]), changetype<usize>(d), d.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "continue") {
    out(label + " = " + imp.proxy_continue_stream(num(t[1])).toString());
  } else if (cmd == "close") {
    out(label + " = " + imp.proxy_close_stream(num(t[1])).toString());
  } else if (cmd == "local_reply") {
    // local_reply <status> <details> <body> <k=v,…|-> <grpc>
    const d = bytesOf(arg(t, 2));
    const b = bytesOf(arg(t, 3) == "-" ? "" : arg(t, 3));
    const h = serializePairs(t.length > 4 && t[4] != "-" ? t[4] : "");
    const g: u32 = t.length > 5 ? <u32>I64.parseInt(arg(t, 5), 10) : 0xffffffff;
    const st = imp.proxy_send_local_response(num(t[1]), changetype<usize>(d), d.byteLength, changetype<usize>(b), b.byteLength, changetype<usize>(h), h.byteLength, g);
    out(label + " = " + st.toString());
  } else if (cmd == "http_call" || cmd == "http_call_raw") {
    // http_call <cluster> <k=v,…> <timeout> [body]   |   http_call_raw <cluster> <raw header bytes> <timeout>
    const c = bytesOf(arg(t, 1));
    const h = cmd == "http_call" ? serializePairs(t[2] == "-" ? "" : t[2]) : bytesOf(arg(t, 2));
    const body = bytesOf(t.length > 4 ? arg(t, 4) : "");
    const tr = new ArrayBuffer(4);
    const st = imp.proxy_http_call(changetype<usize>(c), c.byteLength, changetype<usize>(h), h.byteLength, changetype<usize>(body), body.byteLength, changetype<usize>(tr), 4, num(t[3]), SLOT_X);
    const token = load<u32>(SLOT_X);
    if (st == 0) {
      lastValue = token;
      callOrigins.set(token, curCtx);
    }
    out(label + " = " + st.toString() + " " + token.toString());
  } else if (cmd == "get_property" || cmd == "get_property_hex" || cmd == "get_property_nul") {
    const p = pathBytes(t[1], cmd == "get_property_nul");
    const st = imp.proxy_get_property(changetype<usize>(p), p.byteLength, SLOT_PTR, SLOT_SIZE);
    const size = load<u32>(SLOT_SIZE);
    const b = st == 0 ? takeBuffer() : new ArrayBuffer(0);
    out(label + " = " + st.toString() + (st == 0 ? " " + (cmd == "get_property_hex" ? hexOf(b) : String.UTF8.decode(b)) + " (size " + size.toString() + ")" : ""));
  } else if (cmd == "set_property") {
    const p = pathBytes(t[1], false);
    const v = bytesOf(arg(t, 2));
    const st = imp.proxy_set_property(changetype<usize>(p), p.byteLength, changetype<usize>(v), v.byteLength);
    out(label + " = " + st.toString());
  } else if (cmd == "effective") {
    out(label + " = " + imp.proxy_set_effective_context(num(t[1])).toString());
    curCtx = num(t[1]);
  } else if (cmd == "tick_period") {
    out(label + " = " + imp.proxy_set_tick_period_milliseconds(num(t[1])).toString());
  } else if (cmd == "time") {
    const st = imp.proxy_get_current_time_nanoseconds(SLOT_X);
    out(label + " = " + st.toString() + " " + load<u64>(SLOT_X).toString());
  } else if (cmd == "wasi_time") {
    const st = wasi_clock_time_get(num(t[1]), 1, SLOT_X);
    out(label + " = " + st.toString() + " " + load<u64>(SLOT_X).toString());
  } else if (cmd == "wasi_random") {
    const st = wasi_random_get(SLOT_X, 8);
    out(label + " = " + st.toString() + " " + load<u64>(SLOT_X).toString());
  } else if (cmd == "fd_write") {
    const d = bytesOf(joinFrom(t, 2) + "\n");
    const iov = memory.data(8);
    store<u32>(iov, changetype<usize>(d));
    store<u32>(iov + 4, d.byteLength);
    const st = wasi_fd_write(num(t[1]), iov, 1, SLOT_X);
    out(label + " = " + st.toString());
  } else if (cmd == "status") {
    const st = imp.proxy_get_status(SLOT_X, SLOT_PTR, SLOT_SIZE);
    const code = load<u32>(SLOT_X);
    out(label + " = " + st.toString() + " " + code.toString() + " " + String.UTF8.decode(takeBuffer()));
  } else if (cmd == "done") {
    out(label + " = " + imp.proxy_done().toString());
  } else if (cmd == "shared_get") {
    const k = bytesOf(arg(t, 1));
    const st = imp.proxy_get_shared_data(changetype<usize>(k), k.byteLength, SLOT_PTR, SLOT_SIZE, SLOT_X);
    out(label + " = " + st.toString() + (st == 0 ? " " + String.UTF8.decode(takeBuffer()) + " cas " + load<u32>(SLOT_X).toString() : ""));
    if (st == 0) lastValue = load<u32>(SLOT_X);
  } else if (cmd == "shared_set") {
    const k = bytesOf(arg(t, 1));
    const v = bytesOf(arg(t, 2));
    const st = imp.proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, num(t[3]));
    out(label + " = " + st.toString());
  } else if (cmd == "queue_register" || cmd == "queue_resolve") {
    const n = bytesOf(arg(t, cmd == "queue_register" ? 1 : 2));
    const vm = bytesOf(cmd == "queue_resolve" ? (arg(t, 1) == "-" ? "" : arg(t, 1)) : "");
    const st = cmd == "queue_register"
      ? imp.proxy_register_shared_queue(changetype<usize>(n), n.byteLength, SLOT_X)
      : imp.proxy_resolve_shared_queue(changetype<usize>(vm), vm.byteLength, changetype<usize>(n), n.byteLength, SLOT_X);
    if (st == 0) lastValue = load<u32>(SLOT_X);
    out(label + " = " + st.toString() + (st == 0 ? " " + load<u32>(SLOT_X).toString() : ""));
  } else if (cmd == "queue_enqueue") {
    const v = bytesOf(arg(t, 2));
    out(label + " = " + imp.proxy_enqueue_shared_queue(num(t[1]), changetype<usize>(v), v.byteLength).toString());
  } else if (cmd == "queue_dequeue") {
    const st = imp.proxy_dequeue_shared_queue(num(t[1]), SLOT_PTR, SLOT_SIZE);
    out(label + " = " + st.toString() + (st == 0 ? " " + String.UTF8.decode(takeBuffer()) : ""));
  } else if (cmd == "metric_define") {
    const n = bytesOf(arg(t, 2));
    const st = imp.proxy_define_metric(<i32>num(t[1]), changetype<usize>(n), n.byteLength, SLOT_X);
    if (st == 0) lastValue = load<u32>(SLOT_X);
    out(label + " = " + st.toString() + (st == 0 ? " " + load<u32>(SLOT_X).toString() : ""));
  } else if (cmd == "metric_inc") {
    out(label + " = " + imp.proxy_increment_metric(num(t[1]), I64.parseInt(arg(t, 2), 10)).toString());
  } else if (cmd == "metric_record") {
    out(label + " = " + imp.proxy_record_metric(num(t[1]), <u64>I64.parseInt(arg(t, 2), 10)).toString());
  } else if (cmd == "metric_get") {
    const st = imp.proxy_get_metric(num(t[1]), SLOT_X);
    out(label + " = " + st.toString() + (st == 0 ? " " + load<u64>(SLOT_X).toString() : ""));
  } else if (cmd == "foreign") {
    const n = bytesOf(arg(t, 1));
    const d = bytesOf(arg(t, 2));
    const st = imp.proxy_call_foreign_function(changetype<usize>(n), n.byteLength, changetype<usize>(d), d.byteLength, SLOT_PTR, SLOT_SIZE);
    out(label + " = " + st.toString() + (st == 0 ? " " + String.UTF8.decode(takeBuffer()) : ""));
  } else if (cmd == "trap") {
    unreachable();
  } else if (cmd == "abort") {
    throw new Error("scripted abort");
  } else if (cmd == "grow") {
    memory.grow(<i32>num(t[1]));
    out(label + " = pages " + memory.size().toString());
  } else {
    out(label + " = unknown command");
  }
}

// proxy_set_buffer_bytes is not declared by proxy-runtime 0.1.8 (its declaration is misnamed).
// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
declare function set_buffer_bytes(typ: u32, start: u32, length: u32, data: usize, size: usize): u32;

function runCallback(name: string, ctx: u32, dflt: u32): u32 {
  loadScript();
  curCtx = ctx;
  const m = script!;
  const specific = name + "@" + ctx.toString();
  const key = m.has(specific) ? specific : name;
  const ret: Array<u32> = [dflt];
  if (!m.has(key)) return dflt;
  const cmds = m.get(key);
  for (let i = 0; i < cmds.length; i++) run(cmds[i], ret);
  return ret[0];
}

function setArgs(a1: u32, a2: u32, a3: u32, a4: u32): void {
  args[0] = a1;
  args[1] = a2;
  args[2] = a3;
  args[3] = a4;
}

export function proxy_on_context_create(ctx: u32, parent: u32): void {
  setArgs(parent, 0, 0, 0);
  runCallback("context_create", ctx, 0);
}
export function proxy_on_vm_start(root: u32, size: u32): u32 {
  setArgs(size, 0, 0, 0);
  return runCallback("vm_start", root, 1);
}
export function proxy_on_configure(root: u32, size: u32): u32 {
  setArgs(size, 0, 0, 0);
  return runCallback("configure", root, 1);
}
export function proxy_on_tick(root: u32): void {
  runCallback("tick", root, 0);
}
export function proxy_on_queue_ready(root: u32, token: u32): void {
  setArgs(token, 0, 0, 0);
  runCallback("queue_ready", root, 0);
}
export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  setArgs(n, eos, 0, 0);
  return runCallback("request_headers", ctx, 0);
}
export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  setArgs(size, eos, 0, 0);
  return runCallback("request_body", ctx, 0);
}
export function proxy_on_request_trailers(ctx: u32, n: u32): u32 {
  setArgs(n, 0, 0, 0);
  return runCallback("request_trailers", ctx, 0);
}
export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 {
  setArgs(n, eos, 0, 0);
  return runCallback("response_headers", ctx, 0);
}
export function proxy_on_response_body(ctx: u32, size: u32, eos: u32): u32 {
  setArgs(size, eos, 0, 0);
  return runCallback("response_body", ctx, 0);
}
export function proxy_on_response_trailers(ctx: u32, n: u32): u32 {
  setArgs(n, 0, 0, 0);
  return runCallback("response_trailers", ctx, 0);
}
export function proxy_on_http_call_response(root: u32, token: u32, nh: u32, nb: u32, nt: u32): void {
  setArgs(token, nh, nb, nt);
  originCtx = callOrigins.has(token) ? callOrigins.get(token) : 0;
  runCallback("http_call_response", root, 0);
}
export function proxy_on_log(ctx: u32): void {
  runCallback("log", ctx, 0);
}
export function proxy_on_done(ctx: u32): u32 {
  return runCallback("done", ctx, 1);
}
export function proxy_on_delete(ctx: u32): void {
  runCallback("delete", ctx, 0);
}
