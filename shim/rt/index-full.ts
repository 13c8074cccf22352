// @solo-io/proxy-runtime 0.1.8 was written for AssemblyScript's old ARC runtime and imports
// __retain/__release from "rt/index-full". The incremental GC offers pin/unpin instead. The SDK
// pairs them one-to-one (malloc retains a fresh buffer, free releases it once consumed), so this
// mapping is sound. Nothing else in the project may call these two.
export function __retain(ptr: usize): usize {
  return __pin(ptr);
}

export function __release(ptr: usize): void {
  __unpin(ptr);
}
