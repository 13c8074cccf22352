// A plain proxy-runtime 0.1.8 module (test/modules/noop.ts) — what neither proxy-wasm
// test-framework nor the Go proxytest can load — runs under any root id, with only `malloc`
// as allocator and wasi_snapshot_preview1.proc_exit imported.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ProxyWasmSimulator, readModuleSignatures } from "../../src-host-sim/index.js";
import { modulePath } from "../support/modules.js";

describe("proxy-runtime no-op module", () => {
  it("exports malloc (no proxy_on_memory_allocate) and imports proc_exit from wasi_snapshot_preview1", () => {
    const sigs = readModuleSignatures(readFileSync(modulePath("noop")));
    expect(sigs.exports.has("malloc")).toBe(true);
    expect(sigs.exports.has("proxy_on_memory_allocate")).toBe(false);
    expect(sigs.exports.has("proxy_abi_version_0_2_0")).toBe(true);
    expect(sigs.imports.map((i) => `${i.module}.${i.name}`)).toContain("wasi_snapshot_preview1.proc_exit");
  });

  it.each(["", "threescale-wasm-auth", "other"])("runs full request cycles under root id %j", async (rootId) => {
    const sim = await ProxyWasmSimulator.create(modulePath("noop"), { rootId });
    expect(sim.start()).toMatchObject({ ok: true });
    const s = sim.newHttpStream();
    expect(s.sendRequestHeaders({ ":method": "GET", ":path": "/", host: "h" }).envoyStatus).toBe(0);
    expect(s.sendResponseHeaders({ ":status": "200" }, { endOfStream: true }).envoyStatus).toBe(0);
    expect(s.complete().callbacks).toEqual(["proxy_on_log", "proxy_on_done", "proxy_on_delete"]);
    expect(s.forwardedUpstream?.endOfStream).toBe(true);
    expect(s.sentDownstream?.endOfStream).toBe(true);
    expect(sim.vmState.status).toBe("ok");
  });

  it("keeps linear memory flat over many request cycles (the SDK's buffers are all released)", async () => {
    const sim = await ProxyWasmSimulator.create(modulePath("noop"), { rootId: "flat", trace: false, logLevel: "info" });
    sim.start();
    const cycle = () => {
      const s = sim.newHttpStream();
      s.sendRequestHeaders([[":method", "GET"], [":path", "/x"], [":authority", "h"]]);
      s.sendResponseHeaders([[":status", "200"]], { endOfStream: true });
      s.complete();
    };
    for (let i = 0; i < 300; i++) cycle();
    const pages = sim.memoryPages;
    for (let i = 0; i < 3000; i++) cycle();
    expect(sim.memoryPages).toBe(pages);
  });
});
