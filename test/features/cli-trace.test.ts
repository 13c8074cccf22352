// `trace` shows what the gateway features change: the upstream request of an allowed request
// (credentials stripped, identity headers set) and the headers of a custom local reply.
import { describe, expect, it } from "vitest";
import { runCli } from "../../src-host-sim/cli/main.js";
import { BufferIo } from "../../src-host-sim/cli/lib/io.js";
import { upstreamChanges, type Pair } from "../../src-host-sim/cli/lib/upstream-changes.js";

async function trace(...args: string[]) {
  const io = new BufferIo();
  const code = await runCli(["trace", "examples/apicast-features.yaml", ...args], io);
  return { code, lines: io.stdout.split("\n") };
}

describe("trace with the gateway features", () => {
  it("lists the upstream changes of an allowed request, credentials never in clear", async () => {
    const { code, lines } = await trace("-X", "GET http://api.example.com/?user_key=user_key_demo&q=1", "-H", "x-3scale-app-id: spoof");
    expect(code).toBe(0);
    const at = lines.indexOf("verdict      continue: the request goes upstream with changes");
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 4)).toEqual([
      "             :path /?q=1", "             removed x-3scale-app-id", "             set x-3scale-service-id: 2555417834780",
    ]);
    expect(lines.join("\n")).not.toContain("user_key_demo");
  });

  it("prints the headers of a custom local reply", async () => {
    const { lines } = await trace("-X", "GET http://api.example.com/");
    const at = lines.findIndex((l) => l.startsWith("verdict      local reply 401"));
    expect(lines.slice(at + 1, at + 3)).toEqual(["             www-authenticate: ApiKey", "             content-type: application/json"]);
  });
});

describe("upstreamChanges", () => {
  const mask = (p: string) => p.replace(/key=[^&]*/, "key=***");
  it.each<{ name: string; sent: Pair[]; forwarded: Pair[]; want: string[] }>([
    { name: "nothing changed", sent: [[":path", "/"], ["a", "1"]], forwarded: [[":path", "/"], ["a", "1"]], want: [] },
    { name: "a removed header (no value shown)", sent: [["x-api-key", "secret"]], forwarded: [], want: ["removed x-api-key"] },
    { name: "a replaced header", sent: [["X-Id", "a"], ["x-id", "b"]], forwarded: [["x-id", "c"]], want: ["set x-id: c"] },
    { name: "a new header", sent: [], forwarded: [["x-svc", "1"]], want: ["set x-svc: 1"] },
    { name: "a rewritten path, masked", sent: [[":path", "/?user_key=k&app_key=s"]], forwarded: [[":path", "/?app_key=s"]], want: [":path /?app_key=***"] },
  ])("$name", ({ sent, forwarded, want }) => {
    expect(upstreamChanges(sent, forwarded, mask)).toEqual(want);
  });
});
