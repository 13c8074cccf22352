// The Istio side of a manifest: a WasmPlugin's own fields against schema/wasmplugin.schema.json
// (Istio's WasmPlugin resource), and the deprecated Maistra ServiceMeshExtension, recognised so
// that its spec.config is validated and the user is told how to move it to a WasmPlugin.
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { pointerToSegments, type PathSegment } from "./json-path.js";
import { packagePath } from "./root.js";
import { didYouMean } from "./suggest.js";

export const WASMPLUGIN_SCHEMA_FILE = "schema/wasmplugin.schema.json";

export interface ManifestProblem {
  severity: "error" | "warning";
  /** path inside the manifest document (not inside the configuration) */
  path: PathSegment[];
  reason: string;
}

let compiled: { validate: ValidateFunction; specFields: string[] } | undefined;

function validator() {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
    // pluginConfig is the configuration, checked by the configuration schema and the module.
    ajv.addSchema({ $id: "threescale-wasm-auth.schema.json" }, "threescale-wasm-auth.schema.json");
    const schema = JSON.parse(readFileSync(packagePath(WASMPLUGIN_SCHEMA_FILE), "utf8")) as { properties: { spec: { properties: Record<string, unknown> } } };
    compiled = { validate: ajv.compile(schema), specFields: Object.keys(schema.properties.spec.properties) };
  }
  return compiled;
}

/** Fields of Maistra's ServiceMeshExtension (and older WasmPlugin drafts) that WasmPlugin spells differently. */
const RENAMED: Record<string, string> = {
  workloadSelector: "selector (with matchLabels); without a selector the plugin applies to every workload in the namespace",
  config: "pluginConfig",
  image: "url (oci://…)",
};

function unknownSpecField(name: string, known: string[]): string {
  const renamed = RENAMED[name];
  const hint = renamed ? ` (WasmPlugin calls it ${renamed})` : didYouMean(name, known);
  return `unknown WasmPlugin field: Istio ignores it${hint}`;
}

function translate(e: ErrorObject, manifest: unknown, specFields: string[]): ManifestProblem {
  const path = pointerToSegments(e.instancePath, manifest);
  const where = path.join(".");
  switch (e.keyword) {
    case "additionalProperties": {
      const name = (e.params as { additionalProperty: string }).additionalProperty;
      const known = where === "spec" ? specFields : [];
      return { severity: "warning", path: [...path, name], reason: where === "spec" ? unknownSpecField(name, known) : "unknown field: Istio ignores it" };
    }
    case "enum": {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const value = String((e as { data?: unknown }).data ?? valueAt(manifest, path));
      const hint = where === "spec.phase" && /^post|^pre/i.test(value) ? " (that is a ServiceMeshExtension phase; in a WasmPlugin PreAuthN is AUTHN, PostAuthN/PreAuthZ is AUTHZ, PostAuthZ/PreStats is STATS; this filter normally runs in AUTHZ)" : didYouMean(value, allowed);
      return { severity: "error", path, reason: `invalid value ${JSON.stringify(value)}: expected one of ${allowed.join(", ")}${hint}` };
    }
    case "pattern":
      if (where === "spec.url") return { severity: "error", path, reason: "unsupported URL scheme: use oci://, file://, http:// or https://" };
      return { severity: "error", path, reason: `invalid value: ${e.message}` };
    case "not":
      return { severity: "error", path, reason: "at most one of selector, targetRef and targetRefs" };
    case "required":
      return { severity: "error", path: [...path, (e.params as { missingProperty: string }).missingProperty], reason: "missing required field" };
    case "const":
      return { severity: "error", path, reason: `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    default:
      return { severity: "error", path, reason: e.message ?? e.keyword };
  }
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  let v = root;
  for (const s of path) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[String(s)] : undefined;
  return v;
}

/** checkWasmPlugin: the manifest's Istio fields (pluginConfig itself is checked elsewhere). */
export function checkWasmPlugin(manifest: unknown): ManifestProblem[] {
  const { validate, specFields } = validator();
  const problems: ManifestProblem[] = [];
  if (!validate(manifest)) {
    for (const e of validate.errors ?? []) {
      if (e.instancePath.startsWith("/spec/pluginConfig")) continue;
      if (e.keyword === "required" && (e.params as { missingProperty: string }).missingProperty === "pluginConfig") continue;
      problems.push(translate(e, manifest, specFields));
    }
  }
  const url = valueAt(manifest, ["spec", "url"]);
  if (typeof url === "string" && url !== "" && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    problems.push({ severity: "warning", path: ["spec", "url"], reason: `no scheme: Istio reads it as oci://${url}; write the scheme (oci://, file://, http(s)://) to say what you mean` });
  }
  return problems;
}

/** isServiceMeshExtension: Maistra's `maistra.io/v1` ServiceMeshExtension. */
export function isServiceMeshExtension(data: unknown): boolean {
  return data !== null && typeof data === "object" && (data as { kind?: unknown }).kind === "ServiceMeshExtension";
}

/** checkServiceMeshExtension: the note on how to move to a WasmPlugin, and its phase/selector. */
export function checkServiceMeshExtension(manifest: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [
    {
      severity: "warning",
      path: ["kind"],
      reason:
        "ServiceMeshExtension (maistra.io/v1) is deprecated; its spec.config was checked as the configuration. " +
        "Move it to an extensions.istio.io/v1alpha1 WasmPlugin: spec.config → spec.pluginConfig, spec.image → spec.url (oci://…), " +
        "spec.workloadSelector.labels → spec.selector.matchLabels, spec.phase → spec.phase: AUTHZ; " +
        "`threescale-wasm-auth convert --format wasmplugin <file>` prints it",
    },
  ];
  if (valueAt(manifest, ["spec", "config"]) === undefined) problems.push({ severity: "error", path: ["spec", "config"], reason: "missing required field" });
  return problems;
}
