// Argument parsing: help on every command, and exit code 2 with a one-line error for every
// usage mistake.
import { describe, expect, it } from "vitest";
import { cli } from "./helpers.js";

describe("threescale-wasm-auth arguments", () => {
  it.each([["--help"], ["help"], ["-h"]])("%s prints the command list and exits 0", async (flag) => {
    const r = await cli(flag);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: threescale-wasm-auth <command>");
    for (const c of ["validate", "convert", "trace"]) expect(r.out).toContain(`  ${c} `);
  });

  it.each(["validate", "convert", "trace"])("%s --help prints the command's usage and exits 0", async (command) => {
    const r = await cli(command, "--help");
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`Usage: threescale-wasm-auth ${command} `)).toBe(true);
    expect(r.out).toContain("Exit status");
  });

  it.each([
    { args: [], err: "Usage: threescale-wasm-auth <command>" },
    { args: ["lint", "x.yaml"], err: 'unknown command "lint"' },
    { args: ["validate"], err: "validate needs a file argument" },
    { args: ["validate", "a.yaml", "b.yaml"], err: "takes one file argument (got 2)" },
    { args: ["validate", "--frobnicate", "a.yaml"], err: "threescale-wasm-auth validate: Unknown option '--frobnicate'" },
    { args: ["validate", "does/not/exist.yaml"], err: "cannot read does/not/exist.yaml: no such file" },
    { args: ["convert", "examples/user-key.yaml", "--format", "toml"], err: "--format must be all, json, string, envoy or wasmplugin" },
    { args: ["trace", "examples/user-key.yaml"], err: "trace needs --request" },
    { args: ["trace", "examples/user-key.yaml", "--request", "GET /relative"], err: "--request must be 'METHOD URL'" },
    { args: ["trace", "examples/user-key.yaml", "--request", "GET http://h/", "-H", "no-colon"], err: "-H must be 'name: value'" },
    { args: ["trace", "examples/user-key.yaml", "--request", "GET http://h/", "--backend-status", "abc"], err: "--backend-status must be an HTTP status" },
  ])("exits 2 with a one-line error: $args", async ({ args, err }) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain(err);
    if (args.length > 0) expect(r.err.trim().split("\n")).toHaveLength(1);
  });
});
