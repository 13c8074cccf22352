// A module whose callbacks never return, for the host simulator's watchdog tests:
// - on_request_body spins in a loop that makes no host call;
// - on_response_headers spins calling proxy_get_header_map_size;
// - on_tick waits for the clock to pass 10 ms after its first read (time a callback never sees
//   pass, since the virtual clock only moves when a test advances it).
// Everything else returns at once, so the module starts and serves until one of those runs.
import * as imp from "@solo-io/proxy-runtime/assembly/imports";
import { free, malloc } from "@solo-io/proxy-runtime/assembly/malloc";
export { abort_proc_exit } from "@solo-io/proxy-runtime/assembly/runtime";
export { free, malloc };

export function proxy_abi_version_0_2_0(): void {}

const SLOT: usize = memory.data(8);
let spins: u64 = 0;

export function proxy_on_context_create(ctx: u32, parent: u32): void {}

export function proxy_on_vm_start(root: u32, size: u32): u32 {
  return 1;
}

export function proxy_on_configure(root: u32, size: u32): u32 {
  imp.proxy_set_tick_period_milliseconds(1000);
  return 1;
}

export function proxy_on_request_headers(ctx: u32, n: u32, eos: u32): u32 {
  return 0;
}

export function proxy_on_request_body(ctx: u32, size: u32, eos: u32): u32 {
  // A store in the loop so that no optimizer may drop it.
  while (true) {
    spins++;
    store<u64>(SLOT, spins);
  }
  return 0;
}

export function proxy_on_response_headers(ctx: u32, n: u32, eos: u32): u32 {
  while (true) {
    imp.proxy_get_header_map_size(2, SLOT);
  }
  return 0;
}

export function proxy_on_tick(root: u32): void {
  imp.proxy_get_current_time_nanoseconds(SLOT);
  const until = load<u64>(SLOT) + 10_000_000;
  do {
    imp.proxy_get_current_time_nanoseconds(SLOT);
  } while (load<u64>(SLOT) < until);
}

export function proxy_on_done(ctx: u32): u32 {
  return 1;
}

export function proxy_on_delete(ctx: u32): void {}
