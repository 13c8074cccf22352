// The SDK's abort path calls proc_exit from the WASI bindings AssemblyScript no longer bundles.
// Envoy (proxy-wasm-cpp-host) links proc_exit under both WASI module names; we import the
// current one.
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(rval: u32): void;
