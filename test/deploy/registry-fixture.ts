// Starts a real OCI registry for the round-trip tests: Debian's `docker-registry` (CNCF
// distribution) with a throw-away config, filesystem storage in a temp dir, bound to 127.0.0.1 on
// a free port. Also finds skopeo. Neither is needed by the rest of the suite.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRY_BIN = "/usr/bin/docker-registry";

function onPath(command: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** `{ ok: true }`, or why the round trip cannot run here (printed as the skip reason). */
export function registryToolsProbe(): { ok: true; registry: string; skopeo: string } | { ok: false; why: string } {
  const registry = existsSync(REGISTRY_BIN) ? REGISTRY_BIN : onPath("docker-registry");
  const skopeo = onPath("skopeo");
  const missing = [registry ? null : "docker-registry", skopeo ? null : "skopeo"].filter(Boolean);
  if (missing.length > 0 || !registry || !skopeo) {
    return { ok: false, why: `${missing.join(" and ")} not installed (apt-get install docker-registry skopeo)` };
  }
  return { ok: true, registry, skopeo };
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningRegistry {
  /** host:port */
  host: string;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startRegistry(binary: string): Promise<RunningRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "oci-registry-"));
  let lastError = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      [
        "version: 0.1",
        "log:",
        "  level: info",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${join(dir, "data")}`,
        "  delete:",
        "    enabled: true",
        "http:",
        `  addr: 127.0.0.1:${port}`,
        "",
      ].join("\n"),
    );
    let output = "";
    const child: ChildProcess = spawn(binary, ["serve", config], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    const host = `127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.arrayBuffer();
        if (res.status === 200) {
          return {
            host,
            dir,
            output: () => output,
            stop: async () => {
              if (child.exitCode === null) {
                child.kill("SIGTERM");
                await exited;
              }
              rmSync(dir, { recursive: true, force: true });
            },
          };
        }
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    lastError = output;
    if (child.exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`docker-registry did not start:\n${lastError}`);
}
