// Steps 2–5 of the request pipeline (docs/behaviour.md): service selection, credentials, mapping
// rules and the service token, as a pure function of the snapshot and the request view. The
// stream (runtime/stream.ts) turns the decision into host calls: a local reply or the authrep call.
import { EffectiveService, Snapshot } from "../runtime/snapshot";
import { ResolvedCredentials, resolveCredentials } from "./credentials";
import { RequestView } from "./request";
import { computeUsage, UsageList } from "./usage";
import { describeCredentials, describeUsage } from "./authrep";
import { Verdict } from "./verdict";
import { oidcCredentials } from "./identity";

/** Decision: Allow means "ask the backend" (service, creds and usage are set); else a local reply. */
@final
export class Decision {
  verdict: Verdict = Verdict.Allow;
  service: EffectiveService | null = null;
  creds: ResolvedCredentials | null = null;
  usage: UsageList | null = null;
  /** Debug summary (secrets masked); "" unless `debug` was requested. */
  summary: string = "";
}

function reject(d: Decision, v: Verdict, summary: string): Decision {
  d.verdict = v;
  d.summary = summary;
  return d;
}

/** decide runs steps 2–5; `debug` also builds the summary line. */
export function decide(snapshot: Snapshot, view: RequestView, debug: bool): Decision {
  const d = new Decision();
  // Step 2: the first service whose authorities match.
  let selected: EffectiveService | null = null;
  const services = snapshot.services;
  for (let i = 0, n = services.length; i < n; i++) {
    const s = unchecked(services[i]);
    if (s.service.authorities.matches(view.authority)) { selected = s; break; }
  }
  if (selected === null) return reject(d, Verdict.UnknownService, debug ? "request: authority \"" + view.authority + "\"" : "");
  const service = selected.service;
  d.service = selected;
  // Step 3: credentials.
  const found = resolveCredentials(service.credentials, view);
  // OIDC services send the client id only (docs/features.md).
  const creds = found !== null && selected.features.oidc ? oidcCredentials(found) : found;
  if (creds === null) return reject(d, Verdict.CredentialsMissing, debug ? "request: service " + service.id : "");
  d.creds = creds;
  // Step 4: mapping rules → usage.
  const usage = computeUsage(selected.rules, view);
  if (usage.length == 0) {
    return reject(d, Verdict.NoMappingRule, debug ? "request: service " + service.id + ", " + describeCredentials(creds) : "");
  }
  d.usage = usage;
  if (debug) d.summary = "request: service " + service.id + ", " + describeCredentials(creds) + ", usage " + describeUsage(usage);
  // Step 5: a service token, static or fetched; none means system has not answered yet.
  if (selected.token.length == 0) {
    d.verdict = Verdict.BackendUnavailable;
    if (debug) d.summary += " (no service token yet)";
  }
  return d;
}
