// System (porta) fetch schedule (docs/behaviour.md): one entry per distinct service id, at most
// one fetch in flight each; due after ttl on success, min(ttl, 30 s) after a failure.
import { Config, PortaAnswer, SystemConfig } from "../config/model";

@final
export class FetchEntry {
  inFlight: bool = false;
  dueAtMs: u64 = 0;
  constructor(public readonly serviceId: string, public readonly environment: string) {}
}

/** SystemFetcher belongs to one accepted configuration (one generation). */
@final
export class SystemFetcher {
  readonly system: SystemConfig;
  readonly entries: Array<FetchEntry> = [];
  /** token → entry for the fetches in flight. */
  readonly calls: Map<u32, FetchEntry> = new Map();
  /** service id → latest successful answer. */
  readonly fetched: Map<string, PortaAnswer> = new Map();

  constructor(config: Config, system: SystemConfig) {
    this.system = system;
    const seen = new Set<string>();
    const services = config.services;
    for (let i = 0, n = services.length; i < n; i++) {
      const s = unchecked(services[i]);
      if (seen.has(s.id)) continue;
      seen.add(s.id);
      this.entries.push(new FetchEntry(s.id, s.environment));
    }
  }

  successDelayMs(): u64 {
    return this.system.ttlSeconds * 1000;
  }

  failureDelayMs(): u64 {
    const ttl = this.system.ttlSeconds;
    return (ttl < 30 ? ttl : 30) * 1000;
  }
}
