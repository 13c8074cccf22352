// `npm start` as a real process tree: a signal to the process npm started, or to npm itself,
// stops the gateway; nothing is left listening or running.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { ROOT } from "../support/modules.js";

let npm: ChildProcess | undefined;
let gatewayPid = 0;
afterEach(() => {
  for (const pid of [gatewayPid, npm?.pid ?? 0]) {
    try {
      if (pid) process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  npm = undefined;
  gatewayPid = 0;
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `npm start -- --port 0` and resolves with the gateway's URL and the pid npm started. */
async function startNpm(): Promise<{ url: string; exited: Promise<number | null>; output: () => string }> {
  npm = spawn("npm", ["start", "--", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let output = "";
  npm.stdout!.on("data", (d) => (output += d));
  npm.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((r) => npm!.on("exit", (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`npm start exited early:\n${output}`));
    });
  });
  const children = `/proc/${npm.pid}/task/${npm.pid}/children`;
  const listed = existsSync(children) ? readFileSync(children, "utf8").trim().split(/\s+/).filter(Boolean) : [];
  expect(listed, "npm starts one process").toHaveLength(1);
  gatewayPid = Number(listed[0]);
  // With `exec` in the start script, the process npm started is the gateway itself, not a shell.
  expect(readFileSync(`/proc/${gatewayPid}/cmdline`, "utf8")).toMatch(/gateway\/main\.js/);
  return { url, exited, output: () => output };
}

const get = (url: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(`${url}/?user_key=user_key_demo`, { agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });

describe.skipIf(process.platform !== "linux")("npm start and signals", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s to the process npm started stops the gateway and npm", async (signal) => {
    const { url, exited, output } = await startNpm();
    expect(await get(url)).toBe(200);
    process.kill(gatewayPid, signal);
    await exited;
    expect(alive(gatewayPid)).toBe(false);
    await expect(get(url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(output()).toContain(`${signal}: shutting down`);
    expect(output()).toContain("gateway stopped");
  });

  it("SIGINT to npm itself (Ctrl-C) stops the gateway too", async () => {
    const { url, exited } = await startNpm();
    process.kill(npm!.pid!, "SIGINT");
    await exited;
    for (let i = 0; i < 40 && alive(gatewayPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(gatewayPid)).toBe(false);
    await expect(get(url)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
