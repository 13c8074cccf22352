// Entry module: re-exports the SDK's ABI surface and installs our own context-creation hook.
// OWNER: pipeline (issue 5) — this placeholder only proves the build and the any-root-id rule.
export * from "@solo-io/proxy-runtime/assembly/proxy";
import { RootContext, Context, registerRootContext, FilterHeadersStatusValues } from "@solo-io/proxy-runtime/assembly";
import { proxy_on_context_create as sdkOnContextCreate } from "@solo-io/proxy-runtime/assembly/exports";
import { compileConfig } from "./config/compile";
import { Diagnostics } from "./config/diagnostics";

class AuthRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AuthStream(context_id, this);
  }
  onConfigure(size: u32): bool {
    const diag = new Diagnostics();
    return compileConfig(new ArrayBuffer(0), diag) != null;
  }
}

class AuthStream extends Context {
  onRequestHeaders(n: u32, eos: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }
}

export function proxy_on_context_create(context_id: u32, parent_id: u32): void {
  if (parent_id == 0) {
    registerRootContext((id: u32): RootContext => new AuthRoot(id), "threescale-wasm-auth");
  }
  sdkOnContextCreate(context_id, parent_id);
}
