// A module that waits for time to move, as some SDKs do when seeding an RNG from clock jitter:
// on_vm_start reads proxy_get_current_time_nanoseconds until the value changes, then the WASI
// monotonic clock until it changes, and logs how many reads each took. Each request logs two
// consecutive realtime reads. Used by the host simulator's clock and watchdog tests.
import * as imp from "@solo-io/proxy-runtime/assembly/imports";
import { free, malloc } from "@solo-io/proxy-runtime/assembly/malloc";
export { abort_proc_exit } from "@solo-io/proxy-runtime/assembly/runtime";
export { free, malloc };

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "clock_time_get")
declare function wasi_clock_time_get(id: u32, precision: u64, ptr: usize): u32;

export function proxy_abi_version_0_2_0(): void {}

const SLOT: usize = memory.data(8);

function info(line: string): void {
  const b = String.UTF8.encode(line);
  imp.proxy_log(2, changetype<usize>(b), b.byteLength);
}

function realtime(): u64 {
  imp.proxy_get_current_time_nanoseconds(SLOT);
  return load<u64>(SLOT);
}

function monotonic(): u64 {
  wasi_clock_time_get(1, 1, SLOT);
  return load<u64>(SLOT);
}

export function proxy_on_context_create(ctx: u32, parent: u32): void {}

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  const first = realtime();
  let reads: u32 = 1;
  let now = first;
  while (now == first) {
    now = realtime();
    reads++;
  }
  info("realtime moved after " + reads.toString() + " reads by " + (now - first).toString() + " ns from " + first.toString());
  const m0 = monotonic();
  let mreads: u32 = 1;
  let m = m0;
  while (m == m0) {
    m = monotonic();
    mreads++;
  }
  info("monotonic moved after " + mreads.toString() + " reads by " + (m - m0).toString() + " ns from " + m0.toString());
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  return 1;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  const a = realtime();
  const b = realtime();
  info("request reads " + a.toString() + " " + b.toString());
  return 0;
}

export function proxy_on_done(ctx: u32): u32 {
  return 1;
}

export function proxy_on_delete(ctx: u32): void {}
