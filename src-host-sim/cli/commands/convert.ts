// `convert <file>`: prints the JSON the module receives, the way Istio turns a WasmPlugin's
// YAML spec.pluginConfig into JSON, plus the same JSON escaped as the `value` of the
// google.protobuf.StringValue an Envoy static configuration needs (docs/configuration.md).
import { type Io, EXIT_INVALID, EXIT_OK, UsageError } from "../lib/io.js";
import { loadFile } from "../lib/source.js";
import { validateSchema } from "../lib/schema.js";
import { stringify as toYaml } from "yaml";
import type { ConfigDocument } from "../lib/source.js";

export const convertHelp = `Usage: threescale-wasm-auth convert <file> [--format all|json|string|envoy|wasmplugin]

Prints the JSON configuration the module receives, converted from a bare configuration (YAML or
JSON) or from the spec.pluginConfig of every WasmPlugin document in <file>.

  --format all     (default) every form below, each under a comment line
  --format json    the configuration as indented JSON (what Istio sends)
  --format string  the compact JSON as one JSON string literal
  --format envoy   the Wasm filter's \`configuration\` block for an Envoy static config
                   (a google.protobuf.StringValue whose value is the JSON)
  --format wasmplugin  an Istio WasmPlugin manifest (YAML) carrying the configuration; from a
                   ServiceMeshExtension, its name, namespace, image, workloadSelector labels
                   and config are carried over

Exit status: 0 converted, 1 the file does not parse, 2 usage error.
The conversion does not validate: run \`threescale-wasm-auth validate <file>\` for that.
`;

export type ConvertFormat = "all" | "json" | "string" | "envoy" | "wasmplugin";

export interface ConvertOptions {
  file: string;
  format: ConvertFormat;
}

export function runConvert(opts: ConvertOptions, io: Io): number {
  const loaded = loadFile(opts.file);
  if (loaded.problems.length > 0 || loaded.documents.some((d) => !d.parsed)) {
    for (const p of loaded.problems) io.err(`${opts.file}:${p.line}:${p.column}: error: ${p.message}\n`);
    return EXIT_INVALID;
  }
  const several = loaded.documents.length > 1;
  loaded.documents.forEach((d, i) => {
    if (d.value === undefined || d.value === null) throw new UsageError(`${opts.file}: ${d.label || "document"} has no configuration (spec.pluginConfig is empty)`);
    if (several) io.out(`${i > 0 ? "\n" : ""}# ${d.label}\n`);
    io.out(opts.format === "wasmplugin" ? wasmPluginOf(d) : render(d.value, opts.format));
    const problems = validateSchema(d.value).length;
    if (problems > 0) io.err(`note: ${d.label || opts.file} has ${problems} schema problem(s); run \`threescale-wasm-auth validate ${opts.file}\`\n`);
  });
  return EXIT_OK;
}

/**
 * wasmPluginOf writes the WasmPlugin for a configuration: a bare one gets placeholders to edit,
 * a ServiceMeshExtension (or WasmPlugin) keeps its name, namespace, image and selector labels.
 */
export function wasmPluginOf(d: ConfigDocument): string {
  const m = (d.manifest ?? {}) as { metadata?: Record<string, unknown>; spec?: Record<string, unknown> };
  const spec = m.spec ?? {};
  const metadata: Record<string, unknown> = { name: m.metadata?.name ?? "threescale-wasm-auth" };
  if (m.metadata?.namespace !== undefined) metadata.namespace = m.metadata.namespace;
  const image = typeof spec.url === "string" ? spec.url : typeof spec.image === "string" ? spec.image : "quay.io/3scale/threescale-wasm-auth:latest";
  const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(image) ? image : `oci://${image}`;
  const workload = spec.workloadSelector as { labels?: unknown } | undefined;
  const labels = (spec.selector as { matchLabels?: unknown } | undefined)?.matchLabels ?? workload?.labels ?? { app: "CHANGE-ME" };
  const out = {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata,
    spec: { selector: { matchLabels: labels }, url, phase: "AUTHZ", pluginConfig: d.value },
  };
  return toYaml(out, { lineWidth: 0 });
}

/** render prints one configuration in the requested form(s). */
export function render(value: unknown, format: ConvertFormat): string {
  const compact = JSON.stringify(value);
  const pretty = JSON.stringify(value, null, 2);
  const literal = JSON.stringify(compact);
  const envoy = [
    "configuration:",
    '  "@type": type.googleapis.com/google.protobuf.StringValue',
    `  value: ${yamlDoubleQuoted(compact)}`,
    "",
  ].join("\n");
  switch (format) {
    case "json":
      return pretty + "\n";
    case "string":
      return literal + "\n";
    case "envoy":
      return envoy;
    case "wasmplugin":
      return wasmPluginOf({ value } as ConfigDocument);
    case "all":
      return [
        "# JSON configuration (the module parses this; Istio sends it from spec.pluginConfig)",
        pretty,
        "",
        "# as a JSON string value (google.protobuf.StringValue.value)",
        literal,
        "",
        "# Envoy static configuration: envoy.extensions.filters.http.wasm.v3.Wasm config.configuration",
        envoy,
      ].join("\n");
  }
}

/**
 * A YAML double-quoted scalar holding `text`. JSON string escapes are valid YAML double-quoted
 * escapes, so the JSON literal is used as is, except that YAML also needs non-printable
 * characters escaped, which JSON.stringify already does for C0 controls.
 */
function yamlDoubleQuoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
