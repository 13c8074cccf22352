// Shared data and shared queues (docs/host-simulator.md). Envoy keeps both per vm_id,
// process-wide: pass one SharedDataStore to several simulators to model several worker VMs of
// one proxy. The cas counter is global to the store, starts at 1 and skips 0.

import { WasmResult } from "../abi/enums.js";

interface SharedEntry {
  value: Uint8Array;
  cas: number;
}

export interface QueueOwner {
  /** post delivers proxy_on_queue_ready(root, token) to the registrant, asynchronously. */
  notify(token: number): void;
}

interface SharedQueue {
  token: number;
  vmId: string;
  name: string;
  items: Uint8Array[];
  owner: QueueOwner;
}

export class SharedDataStore {
  private data = new Map<string, Map<string, SharedEntry>>();
  private casCounter = 0;
  private queuesByName = new Map<string, SharedQueue>();
  private queuesByToken = new Map<number, SharedQueue>();
  private nextQueueToken = 1;

  private vmData(vmId: string): Map<string, SharedEntry> {
    let m = this.data.get(vmId);
    if (!m) {
      m = new Map();
      this.data.set(vmId, m);
    }
    return m;
  }

  private nextCas(): number {
    this.casCounter = (this.casCounter + 1) >>> 0;
    if (this.casCounter === 0) this.casCounter = 1;
    return this.casCounter;
  }

  get(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined {
    const e = this.vmData(vmId).get(key);
    return e ? { value: e.value, cas: e.cas } : undefined;
  }

  /** set stores the value unless cas ≠ 0 and differs from the stored cas (CasMismatch). */
  set(vmId: string, key: string, value: Uint8Array, cas = 0): WasmResult {
    const m = this.vmData(vmId);
    const existing = m.get(key);
    if (cas !== 0 && existing && existing.cas !== cas) return WasmResult.CasMismatch;
    m.set(key, { value: value.slice(), cas: this.nextCas() });
    return WasmResult.Ok;
  }

  /** registerQueue returns the token; re-registering keeps the data but rebinds the owner. */
  registerQueue(vmId: string, name: string, owner: QueueOwner): number {
    const key = `${vmId}\0${name}`;
    const q = this.queuesByName.get(key);
    if (q) {
      q.owner = owner;
      return q.token;
    }
    const created: SharedQueue = { token: this.nextQueueToken++, vmId, name, items: [], owner };
    this.queuesByName.set(key, created);
    this.queuesByToken.set(created.token, created);
    return created.token;
  }

  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queuesByName.get(`${vmId}\0${name}`)?.token;
  }

  enqueue(token: number, value: Uint8Array): WasmResult {
    const q = this.queuesByToken.get(token);
    if (!q) return WasmResult.NotFound;
    q.items.push(value.slice());
    q.owner.notify(token);
    return WasmResult.Ok;
  }

  dequeue(token: number): { status: WasmResult; value?: Uint8Array } {
    const q = this.queuesByToken.get(token);
    if (!q) return { status: WasmResult.NotFound };
    const v = q.items.shift();
    if (v === undefined) return { status: WasmResult.Empty };
    return { status: WasmResult.Ok, value: v };
  }

  queueSize(token: number): number {
    return this.queuesByToken.get(token)?.items.length ?? 0;
  }
}
