// Raw host shared data with compare-and-swap (docs/host-simulator.md). Envoy keeps it per
// vm_id, process-wide, so every worker VM of one proxy sees the same entries. The SDK's wrappers
// abort the VM on any non-Ok status; these return the status instead, and NotFound is ordinary.
import * as imports from "@solo-io/proxy-runtime/assembly/imports";
import { free } from "@solo-io/proxy-runtime/assembly/malloc";

export const SHARED_OK: u32 = 0;
export const SHARED_NOT_FOUND: u32 = 1;
export const SHARED_CAS_MISMATCH: u32 = 8;

// @ts-ignore: decorator
@lazy const RET_PTR = memory.data(8);
// @ts-ignore: decorator
@lazy const RET_SIZE = memory.data(8);
// @ts-ignore: decorator
@lazy const RET_CAS = memory.data(8);

/** SharedValue: a value and the cas to present when replacing it (0 when the key was absent). */
@final
export class SharedValue {
  constructor(public readonly status: u32, public readonly bytes: ArrayBuffer | null, public readonly cas: u32) {}
  get found(): bool {
    return this.status == SHARED_OK && this.bytes !== null;
  }
}

/** sharedGet reads `key`; status NotFound (bytes null, cas 0) when absent. */
export function sharedGet(key: string): SharedValue {
  const k = String.UTF8.encode(key);
  store<u32>(RET_PTR, 0);
  store<u32>(RET_SIZE, 0);
  store<u32>(RET_CAS, 0);
  const status = <u32>imports.proxy_get_shared_data(changetype<usize>(k), k.byteLength, RET_PTR, RET_SIZE, RET_CAS);
  const ptr = <usize>load<u32>(RET_PTR);
  let bytes: ArrayBuffer | null = null;
  if (ptr != 0) {
    // The host allocated the value through the exported malloc, which pinned it; unpin it.
    bytes = changetype<ArrayBuffer>(ptr);
    free(ptr);
  }
  if (status != SHARED_OK) return new SharedValue(status, null, 0);
  return new SharedValue(status, bytes !== null ? bytes : new ArrayBuffer(0), load<u32>(RET_CAS));
}

/**
 * sharedSet stores `value` under `key`. With cas ≠ 0 the host refuses (CasMismatch) when another
 * writer changed the key since it was read; cas 0 writes unconditionally.
 */
export function sharedSet(key: string, value: ArrayBuffer, cas: u32): u32 {
  const k = String.UTF8.encode(key);
  return <u32>imports.proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(value), value.byteLength, cas);
}
