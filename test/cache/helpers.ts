// The cache tests' proxy lives in test/support/cache-proxy.ts, shared with the bench (which
// measures the limits table of docs/cache.md with it).
export * from "../support/cache-proxy.js";
