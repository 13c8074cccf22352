// The effective configuration a stream works with (docs/behaviour.md): the static model
// merged with what system fetched. Immutable once built; a stream keeps the reference it was
// created with, so a refresh or reconfiguration never changes a request under way.
import { Config, MappingRule, PortaAnswer, Service } from "../config/model";
import { authrepPrefix } from "../pipeline/authrep";
import { buildEffectiveFeatures, EffectiveFeatures, oauthAuthrepPrefix } from "./service-features";

@final
export class EffectiveService {
  /** The constant head of every authrep `:path` for this service (contains the token). */
  authrepPrefix: string;
  /** The gateway features (error replies, OIDC, upstream changes); set by buildSnapshot. */
  features: EffectiveFeatures = new EffectiveFeatures();
  constructor(
    public readonly service: Service,
    /** Static token if present, else the fetched one, else "" (→ 502). Secret. */
    public readonly token: string,
    /** Static rules followed by fetched rules. */
    public readonly rules: Array<MappingRule>,
    config: Config,
  ) {
    this.authrepPrefix = token.length > 0 ? authrepPrefix(config.backend.upstream, service.id, token, false) : "";
  }
}

@final
export class Snapshot {
  /** backend.upstream.name as UTF-8, encoded once per snapshot for every authrep call. */
  readonly backendCluster: ArrayBuffer;
  constructor(
    public readonly config: Config,
    public readonly services: Array<EffectiveService>,
  ) {
    this.backendCluster = String.UTF8.encode(config.backend.upstream.name);
  }
}

/** buildSnapshot merges `fetched` (service id → latest successful answer) into `config`. */
export function buildSnapshot(config: Config, fetched: Map<string, PortaAnswer> | null): Snapshot {
  const services = new Array<EffectiveService>();
  const list = config.services;
  for (let i = 0, n = list.length; i < n; i++) {
    const s = unchecked(list[i]);
    let token = s.token;
    let rules = s.mappingRules;
    if (fetched !== null && fetched.has(s.id)) {
      const answer = fetched.get(s.id);
      if (token.length == 0) token = answer.token;
      if (answer.rules.length > 0) rules = rules.concat(answer.rules);
    }
    const e = new EffectiveService(s, token, rules, config);
    e.features = buildEffectiveFeatures(s, fetched !== null && fetched.has(s.id) ? fetched.get(s.id).features : null);
    if (e.features.oidc && token.length > 0) e.authrepPrefix = oauthAuthrepPrefix(config.backend.upstream, s.id, token, false);
    services.push(e);
  }
  return new Snapshot(config, services);
}
