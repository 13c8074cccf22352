// Strict mode: opt-in checks that turn quiet Envoy outcomes into test failures. Envoy itself only
// logs a trap (the VM is marked failed) or answers BadArgument to an unknown cluster; a test that
// wants those to be loud sets `strict` and gets a SimulatorStrictError from the phase method
// (start, send*, respond, advanceTime, idle …) once the host→VM action that caused it returned, so
// the simulator's state (fail-closed reply, VM failed) is exactly what it would be without strict.

import type { TrapInfo } from "./http-calls.js";

export interface StrictOptions {
  /** a callback that traps makes the phase method throw (default: only reported in its result) */
  failOnTrap?: boolean;
  /** proxy_http_call to a cluster not listed in `clusters` throws (the module still gets BadArgument) */
  failOnUnexpectedHttpCall?: boolean;
  /** a second proxy_send_local_response on a stream is also recorded in `sim.warnings` */
  warnOnDoubleLocalResponse?: boolean;
}

export type StrictViolationKind = "trap" | "unexpected-http-call";

/** SimulatorStrictError: a strict check failed; `kind` says which, with the trap or the cluster. */
export class SimulatorStrictError extends Error {
  constructor(
    readonly kind: StrictViolationKind,
    message: string,
    readonly detail: { trap?: TrapInfo; cluster?: string; contextId?: number } = {},
  ) {
    super(message);
    this.name = "SimulatorStrictError";
  }
}

/** The strict options with every flag resolved (all off by default). */
export function resolveStrict(s: StrictOptions | undefined): Required<StrictOptions> {
  return {
    failOnTrap: s?.failOnTrap ?? false,
    failOnUnexpectedHttpCall: s?.failOnUnexpectedHttpCall ?? false,
    warnOnDoubleLocalResponse: s?.warnOnDoubleLocalResponse ?? false,
  };
}
