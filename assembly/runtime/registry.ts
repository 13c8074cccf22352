// Context registry: context id → root or stream. Our own (not the SDK's) so that an unknown id is
// a no-op instead of an abort, and so the SDK's per-call debug logging stays off the hot path.
import { AuthRoot } from "./root";
import { AuthStream } from "./stream";

export const roots = new Map<u32, AuthRoot>();
export const streams = new Map<u32, AuthStream>();

export function findRoot(id: u32): AuthRoot | null {
  return roots.has(id) ? roots.get(id) : null;
}

export function findStream(id: u32): AuthStream | null {
  return streams.has(id) ? streams.get(id) : null;
}
