// Masking of secrets in CLI output, the same form as the module's logs (behaviour.md §9):
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

/** Header names any credential source reads: their values may carry secrets. */
export function credentialHeaderNames(config: Obj): Set<string> {
  const names = new Set<string>();
  for (const s of asList(config.services).map(asObj)) {
    for (const kind of ["user_key", "app_id", "app_key"]) {
      for (const src of asList(asObj(s.credentials)[kind]).map(asObj)) {
        for (const k of asList(asObj(src.header).keys)) names.add(String(k).toLowerCase());
      }
    }
  }
  return names;
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
