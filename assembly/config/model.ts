// The compiled, immutable configuration model. compile.ts builds it once per accepted
// proxy_on_configure; streams hold a reference to the snapshot they started with and never copy it.
// Everything a request needs is pre-compiled here (globs, op programs, rule patterns).
import { GlobSet } from "../util/glob";
import { OpProgram } from "../ops/engine";
import { PathPattern } from "../pipeline/rules";
import { PortaFeatures, ServiceFeatures } from "./features-model";
import { CachePolicy } from "./cache-model";

/** Upstream is a cluster the module calls (backend or system), with values derived from its URL. */
@final
export class Upstream {
  /** Host cluster name, passed to proxy_http_call. */
  name: string = "";
  /** The URL as configured. */
  url: string = "";
  timeoutMs: u32 = 1000;
  /** Lower-cased scheme: "http" or "https". */
  scheme: string = "https";
  /** Lower-cased host, plus ":port" unless it is the scheme's default port. */
  authority: string = "";
  /** URL path, always ending in "/" ("/" when the URL has none). */
  basePath: string = "/";
  /** URL query without "?", "" when absent; appended to every call. */
  query: string = "";
}

@final
export class SystemConfig {
  upstream: Upstream = new Upstream();
  /** Access token for the Account Management API. Secret. */
  token: string = "";
  ttlSeconds: u64 = 600;
}

@final
export class BackendConfig {
  upstream: Upstream = new Upstream();
  /** The complete 3scale-options header value: "rejection_reason_header=1" + "&" + each extension. */
  optionsHeader: string = "rejection_reason_header=1";
  /** ask for limit headers and return RateLimit-* to clients (backend.rate_limit_headers). */
  rateLimitHeaders: bool = false;
  /** authorization cache, batched reports and failure mode (backend.cache, backend.failure_mode). */
  caching: CachePolicy = new CachePolicy();
}

export const enum SourceKind { Header = 0, QueryString = 1, Filter = 2 }

/** CredentialSource is one lookup query: where to look and the op pipeline to run on the values. */
@final
export class CredentialSource {
  kind: SourceKind = SourceKind.Header;
  /** Header names (stored lower-cased), query keys (exact), or filter keys probed after `path`. */
  keys: Array<string> = [];
  /** Filter source only: path[0] is the metadata namespace, path[1..] the structured path. */
  path: Array<string> = [];
  ops: OpProgram = new OpProgram();
}

@final
export class Credentials {
  /** null when the field is absent; an empty array when configured as []. */
  userKey: Array<CredentialSource> | null = null;
  appId: Array<CredentialSource> | null = null;
  appKey: Array<CredentialSource> | null = null;
}

@final
export class Usage {
  name: string = "";
  delta: i64 = 0;
}

// Every rule's pattern is assigned by its compiler; the default is one shared, never-modified
// placeholder, so creating a rule does not allocate a pattern only to drop it.
const NO_PATTERN = new PathPattern();

@final
export class MappingRule {
  /** Upper-cased method. */
  method: string = "";
  /** True for ANY (any case). */
  anyMethod: bool = false;
  pattern: PathPattern = NO_PATTERN;
  usages: Array<Usage> = [];
  last: bool = false;
}

@final
export class Service {
  id: string = "";
  /** Static service token, "" when absent (then it must come from system). Secret. */
  token: string = "";
  environment: string = "production";
  authorities: GlobSet = new GlobSet();
  credentials: Credentials = new Credentials();
  /** Static rules, evaluated before fetched ones. */
  mappingRules: Array<MappingRule> = [];
  /** error responses, authentication mode, credential stripping, identity headers. */
  features: ServiceFeatures = new ServiceFeatures();
}

@final
export class Config {
  backend: BackendConfig = new BackendConfig();
  system: SystemConfig | null = null;
  services: Array<Service> = [];
  /** define and update the filter's metrics (top-level `metrics`, default off). */
  metrics: bool = false;
}

/** PortaAnswer is what a successful system (porta) fetch yields for one service. */
@final
export class PortaAnswer {
  /** Fetched service token, "" when none was fetched. Secret. */
  token: string = "";
  rules: Array<MappingRule> = [];
  /** One warning per skipped proxy_rules element, e.g. `proxy_rules[2] skipped: invalid pattern: …`. */
  warnings: Array<string> = [];
  /** backend_version and error_* of the answer. */
  features: PortaFeatures = new PortaFeatures();
}
