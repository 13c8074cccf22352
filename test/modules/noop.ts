// No-op proxy-runtime filter: a root and stream contexts that just Continue. It is the floor for
// the simulator benchmark (bench/floor.ts) and the smallest module conformance tests can load.
export * from "@solo-io/proxy-runtime/assembly/proxy";
import { Context, FilterHeadersStatusValues, RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";
import { proxy_on_context_create as sdkOnContextCreate } from "@solo-io/proxy-runtime/assembly/exports";

class NoopRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new NoopStream(context_id, this);
  }
  // The SDK's default onConfigure is broken in 0.1.8 (the toolchain notes): never read anything.
  onConfigure(size: u32): bool {
    return true;
  }
}

class NoopStream extends Context {
  onRequestHeaders(n: u32, eos: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }
  onResponseHeaders(n: u32, eos: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }
}

// SDK bug #5: the root factory is looked up by the exact plugin_root_id; register it for
// whatever id the host reports before the SDK's lookup (no host call at top level).
let registered = false;
export function proxy_on_context_create(context_id: u32, parent_id: u32): void {
  if (parent_id == 0 && !registered) {
    registered = true;
    registerAnyRootId();
  }
  sdkOnContextCreate(context_id, parent_id);
}

import { get_property } from "@solo-io/proxy-runtime/assembly/runtime";
function registerAnyRootId(): void {
  const raw = get_property("plugin_root_id");
  const id = raw.byteLength == 0 ? "" : String.UTF8.decode(raw);
  registerRootContext((id: u32): RootContext => new NoopRoot(id), id);
}
