// The effective issue-10 features of one service in a snapshot: the static configuration merged
// with what system fetched (static wins), prepared once per snapshot so requests only look up.
import { Upstream, Service } from "../config/model";
import { AuthMode, ErrorKind, PortaFeatures } from "../config/features-model";
import { PreparedReply, prepareReply, VERDICT_COUNT } from "../pipeline/errors";
import { Verdict } from "../pipeline/verdict";
import { UpstreamChanges } from "../pipeline/identity";
import { authrepPrefix, buildAuthrepPathFrom } from "../pipeline/authrep";
import { ResolvedCredentials } from "../pipeline/credentials";
import { UsageList } from "../pipeline/usage";
import { EffectiveService } from "./snapshot";
import { percentEncodeValue } from "../util/percent";
import { mask } from "../util/secrets";

@final
export class EffectiveFeatures extends UpstreamChanges {
  /** Authorized with oauth_authrep.xml (static `authentication: oidc`, or system's backend_version "oauth"). */
  oidc: bool = false;
  /** Local replies by Verdict; null entries (or a null array) mean the spec's reply. */
  replies: StaticArray<PreparedReply | null> | null = null;

  /** mutatesUpstream: whether an allowed request needs request-header changes before it continues. */
  get mutatesUpstream(): bool {
    return this.stripCredentials || this.appIdHeader.length > 0 || this.serviceIdHeader.length > 0;
  }
}

/** buildEffectiveFeatures merges a service's static features with the latest system answer's. */
export function buildEffectiveFeatures(s: Service, fetched: PortaFeatures | null): EffectiveFeatures {
  const f = s.features;
  const e = new EffectiveFeatures();
  e.oidc = f.authentication == AuthMode.Oidc ||
    (f.authentication == AuthMode.Auto && fetched !== null && fetched.backendVersion == "oauth");
  e.stripCredentials = f.stripCredentials;
  e.appIdHeader = f.appIdHeader;
  e.serviceIdHeader = f.serviceIdHeader;
  const useFetched = f.errorsFromSystem && fetched !== null;
  let replies: StaticArray<PreparedReply | null> | null = null;
  for (let k = 0; k < 4; k++) {
    const v = verdictOfKind(k);
    const r = prepareReply(v, f.errors.get(k), useFetched ? fetched!.errors.get(k) : null);
    if (r === null) continue;
    if (replies === null) replies = new StaticArray<PreparedReply | null>(VERDICT_COUNT);
    unchecked(replies[<i32>v] = r);
  }
  e.replies = replies;
  return e;
}

function verdictOfKind(k: i32): Verdict {
  if (k == ErrorKind.AuthFailed) return Verdict.AuthFailed;
  if (k == ErrorKind.AuthMissing) return Verdict.CredentialsMissing;
  if (k == ErrorKind.NoMatch) return Verdict.NoMappingRule;
  return Verdict.LimitsExceeded;
}

/** maskedCallPath is the debug form of a service's authrep call: oauth_authrep.xml for OIDC (secrets masked). */
export function maskedCallPath(upstream: Upstream, selected: EffectiveService, creds: ResolvedCredentials, usage: UsageList): string {
  const id = selected.service.id;
  const prefix = selected.features.oidc ? oauthAuthrepPrefix(upstream, id, selected.token, true) : authrepPrefix(upstream, id, selected.token, true);
  return buildAuthrepPathFrom(prefix, upstream.query, creds, usage, true);
}

/** oauthAuthrepPrefix is authrepPrefix for an OIDC service: oauth_authrep.xml (3scale's backend API). */
export function oauthAuthrepPrefix(upstream: Upstream, serviceId: string, serviceToken: string, masked: bool): string {
  return upstream.basePath + "transactions/oauth_authrep.xml?service_id=" + percentEncodeValue(serviceId) + "&service_token=" +
    (masked ? mask(serviceToken) : percentEncodeValue(serviceToken));
}
