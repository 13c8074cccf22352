// Masking of secrets in CLI output, the same form as the module's logs (docs/behaviour.md):
// `***` followed by the last 4 characters, or `***` alone for values of 4 characters or fewer.
import { type Obj, asList, asObj } from "./data.js";

export function mask(secret: string): string {
  const chars = Array.from(secret);
  return chars.length <= 4 ? "***" : "***" + chars.slice(-4).join("");
}

/** Secrets shows values as written (--show-secrets) or masked. */
export class Secrets {
  constructor(private readonly show: boolean) {}
  reveal(value: string): string {
    return this.show ? value : mask(value);
  }
}

/** maskAuthrepPath masks the secret parameters of the authrep :path. */
export function maskAuthrepPath(path: string, secrets: Secrets): string {
  if (secrets.reveal("12345") === "12345") return path;
  return path.replace(/([?&](?:service_token|user_key|app_key)=)([^&]*)/g, (_, name: string, value: string) => name + secrets.reveal(decodeSafe(value)));
}

function decodeSafe(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/**
 * Header names a secret may be read from, whose values are masked: those of user_key and app_key
 * sources, and those of app_id sources with operations (an Authorization header decoded into id
 * and key). An app_id read as is, is an identifier, shown in clear everywhere (as in the module's
 * logs and the authrep line).
 */
export function credentialHeaderNames(config: Obj): Set<string> {
  const names = new Set<string>();
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_id", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        if (kind === "app_id" && !sourceHasOps(src)) continue;
        for (const k of asList(asObj(src.header).keys)) names.add(String(k).toLowerCase());
      }
    }
  }
  return names;
}

/** sourceHasOps: whether a credential source transforms what it reads. */
export function sourceHasOps(src: Obj): boolean {
  for (const kind of ["header", "query_string", "filter"]) {
    if (asList(asObj(src[kind]).ops).length > 0) return true;
  }
  return false;
}

/** maskQuery masks configured credential query parameters in the request line. */
export function maskQuery(path: string, config: Obj, secrets: Secrets): string {
  const names = new Set<string>();
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        for (const k of asList(asObj(src.query_string).keys)) names.add(String(k));
      }
    }
  }
  return path.replace(/([?&])([^=&#]+)=([^&#]*)/g, (all, sep: string, name: string, value: string) => (names.has(name) ? `${sep}${name}=${secrets.reveal(value)}` : all));
}
