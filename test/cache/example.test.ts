// examples/cache.yaml validates with no problem (schema and module), and behaves as its header
// says against the backend simulator seeded with examples/seed.yaml.
import { readFileSync } from "node:fs";
import { afterEach, expect, it } from "vitest";
import { parse } from "yaml";
import { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";
import { Proxy } from "./helpers.js";

let backend: BackendSimulator | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

it("examples/cache.yaml validates with no error and no warning", async () => {
  const io = new BufferIo();
  const code = await runCli(["validate", "examples/cache.yaml", "--json"], io);
  const report = JSON.parse(io.stdout) as { documents: Array<{ problems: unknown[]; module: string }> };
  expect(report.documents[0]!.problems).toEqual([]);
  expect(report.documents[0]!.module).toMatch(/^configuration accepted: api v1/);
  expect(code).toBe(0);
});

it("examples/cache.yaml: one authorize, hits from the cache, one report, resilient during an outage", async () => {
  backend = new BackendSimulator({ seed: "examples/seed.yaml", clock: new ManualClock("2026-01-01T00:00:10Z") });
  await backend.start();
  const cfg = parse(readFileSync("examples/cache.yaml", "utf8")) as { backend: { upstream: { name: string; url: string } } };
  cfg.backend.upstream = { ...cfg.backend.upstream, name: "backend", url: backend.url };
  const p = await Proxy.start(backend, 2, cfg);
  for (let i = 0; i < 20; i++) expect(await p.send(i % 2, "/?user_key=user_key_demo")).toBe(200);
  expect(p.authorizeCalls()).toHaveLength(1);
  await p.advance(10_000);
  expect(p.reportCalls()).toHaveLength(1);
  expect(backend.usage("2555417834780", "user-key-app", "hits", "day")).toBe(20);
  p.setOutage("refused");
  expect(await p.send(0, "/?user_key=user_key_demo")).toBe(200); // last known: allowed
  expect(await p.send(1, "/?user_key=some_api_key")).toBe(502); // never seen
});
