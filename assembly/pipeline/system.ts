// The system (porta) fetch request (docs/behaviour.md).
import { SystemConfig } from "../config/model";
import { percentEncodeValue } from "../util/percent";
import { mask } from "../util/secrets";

/** buildSystemPath returns the proxy-config `:path`; `masked` masks the access token (debug only). */
export function buildSystemPath(system: SystemConfig, serviceId: string, environment: string, masked: bool): string {
  const up = system.upstream;
  let p = up.basePath + "admin/api/services/" + percentEncodeValue(serviceId) + "/proxy/configs/" +
    percentEncodeValue(environment) + "/latest.json?";
  if (up.query.length > 0) p += up.query + "&";
  return p + "access_token=" + (masked ? mask(system.token) : percentEncodeValue(system.token));
}
