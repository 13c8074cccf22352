// The slot table in shared data. A key hashes to two candidate slots (2-way set associative),
// so max_entries bounds memory by construction and eviction is replacement. A slot that holds
// usage not yet reported is never given to another key.
//
// Every write but slot creation presents the cas of the value it read, so concurrent workers
// never overwrite each other. The ABI has no create-if-absent, so slots are created (empty) when a
// configuration is installed, before any usage can be written to them.
import { SharedValue, sharedGet, sharedSet, SHARED_OK } from "./shared";
import { decodeRecord, SlotRecord } from "./record";

export const KEY_PREFIX = "threescale-wasm-auth/cache/v1/";
const SLOT_PREFIX = KEY_PREFIX + "slot/";

export function slotKey(slot: i32): string {
  return SLOT_PREFIX + slot.toString();
}

/** candidateSlots: the two slots of `hash` among `n` (the same slot twice when n == 1). */
export function firstSlot(hash: u64, n: i32): i32 {
  return <i32>(hash % <u64>n);
}

export function secondSlot(hash: u64, n: i32): i32 {
  if (n <= 1) return 0;
  let b = <i32>(((hash >> 32) ^ (hash * 0x9e3779b97f4a7c15)) % <u64>n);
  if (b == firstSlot(hash, n)) b = (b + 1) % n;
  return b;
}

/** SlotRead: one slot as read, with the cas that a write must present. Decoded on demand. */
@final
export class SlotRead {
  private decoded: bool = false;
  private rec: SlotRecord | null = null;
  constructor(public readonly slot: i32, public readonly bytes: ArrayBuffer | null, public readonly cas: u32, public readonly exists: bool) {}

  /** record: the decoded slot, null when absent or not a record of this version. */
  get record(): SlotRecord | null {
    if (!this.decoded) {
      this.decoded = true;
      const b = this.bytes;
      this.rec = b !== null ? decodeRecord(b) : null;
    }
    return this.rec;
  }
}

export function readSlot(slot: i32): SlotRead {
  const v: SharedValue = sharedGet(slotKey(slot));
  if (!v.found) return new SlotRead(slot, null, 0, false);
  return new SlotRead(slot, v.bytes, v.cas, true);
}

/** writeSlot stores `record` if the slot is unchanged since `read` (false: someone else wrote). */
export function writeSlot(read: SlotRead, record: SlotRecord): bool {
  return writeSlotBytes(read, record.encode());
}

/** writeSlotBytes stores encoded bytes under the same condition. */
export function writeSlotBytes(read: SlotRead, bytes: ArrayBuffer): bool {
  if (!read.exists) return false;
  return sharedSet(slotKey(read.slot), bytes, read.cas) == SHARED_OK;
}

/**
 * ensureSlots creates the missing slots 0..n-1 as empty records. It runs at configuration time;
 * a slot that exists is left alone (it may hold usage).
 */
export function ensureSlots(n: i32): void {
  const empty = new SlotRecord().encode();
  for (let i = 0; i < n; i++) {
    const key = slotKey(i);
    if (!sharedGet(key).found) sharedSet(key, empty, 0);
  }
}
