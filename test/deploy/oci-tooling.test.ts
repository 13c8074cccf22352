// The OCI tooling as an operator meets it: push failures name their cause (and --plain-http when
// that is the fix), the image's labels come from package.json and never from the tag (one build,
// one digest, whatever the tag), and --help prints the usage without building anything.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HelpRequested, packageInfo, repoRoot, repositoryUrl, runBuild, runPush } from "../../tools/oci/cli.js";
import type { OciManifest } from "../../tools/oci/image.js";
import { ROOT, modulePath } from "../support/modules.js";
import { startFakeRegistry } from "./fake-registry.js";

const productPath = modulePath("product");
const silent = () => undefined;
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "oci-tooling-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("oci:push failures say why", () => {
  it("a refused connection is named, with the --plain-http hint", async () => {
    const port = await freePort();
    await expect(runPush([`127.0.0.1:${port}/team/x:1`, "--wasm", productPath], silent)).rejects.toThrow(
      new RegExp(`^cannot reach https://127\\.0\\.0\\.1:${port}: connection refused .*ECONNREFUSED.*add --plain-http`),
    );
  });

  it("HTTPS to a plain-HTTP registry is a TLS failure with the --plain-http hint", async () => {
    const registry = await startFakeRegistry("none");
    try {
      await expect(runPush([`${registry.host}/team/x:1`, "--wasm", productPath], silent)).rejects.toThrow(
        /^cannot reach https:\/\/127\.0\.0\.1:\d+: TLS handshake failed .*add --plain-http$/,
      );
      expect(registry.manifests.size).toBe(0);
    } finally {
      await registry.close();
    }
  });

  it("a registry that drops the connection, with --plain-http, suggests HTTPS", async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      await expect(runPush([`127.0.0.1:${port}/team/x:1`, "--plain-http", "--wasm", productPath], silent)).rejects.toThrow(
        /^cannot reach http:\/\/127\.0\.0\.1:\d+: .*drop --plain-http$/,
      );
    } finally {
      server.close();
    }
  });

  it("never only 'fetch failed'", async () => {
    const port = await freePort();
    const e = (await runPush([`127.0.0.1:${port}/team/x:1`, "--plain-http", "--wasm", productPath], silent).catch((x: Error) => x)) as Error;
    expect(e.message).not.toBe("fetch failed");
    expect(e.message).toMatch(/ECONNREFUSED/);
  });
});

describe("image labels and version", () => {
  const annotations = (o: ReturnType<typeof runBuild>[number]) => (o.image.manifest as OciManifest & { annotations?: Record<string, string> }).annotations ?? {};

  it("package.json's repository becomes the source label, in any of npm's spellings", () => {
    for (const field of ["git+https://github.com/acme/auth-filter.git", { type: "git", url: "git+https://github.com/acme/auth-filter.git" },
      "git@github.com:acme/auth-filter.git", "github:acme/auth-filter", "acme/auth-filter", "https://github.com/acme/auth-filter"]) {
      expect(repositoryUrl(field), JSON.stringify(field)).toBe("https://github.com/acme/auth-filter");
    }
    expect(repositoryUrl(undefined)).toBeUndefined();
    expect(repositoryUrl("file:../x")).toBeUndefined();

    const root = temp();
    writeFileSync(join(root, "package.json"), JSON.stringify({ version: "3.1.4", repository: { type: "git", url: "git+https://example.org/acme/auth-filter.git" } }));
    const [built] = runBuild(["--wasm", productPath, "--out", join(root, "out"), "--format", "wasm"], silent, root);
    expect(annotations(built!)).toMatchObject({ "org.opencontainers.image.source": "https://example.org/acme/auth-filter", "org.opencontainers.image.version": "3.1.4" });
  });

  it("without a repository field the source label is left out", () => {
    const root = temp();
    writeFileSync(join(root, "package.json"), JSON.stringify({ version: "1.0.0" }));
    const [built] = runBuild(["--wasm", productPath, "--out", join(root, "out"), "--format", "wasm"], silent, root);
    expect(annotations(built!)["org.opencontainers.image.source"]).toBeUndefined();
  });

  it("this project's image names this project's repository or none", () => {
    const [built] = runBuild(["--wasm", productPath, "--out", temp(), "--format", "docker"], silent);
    expect(annotations(built!)["org.opencontainers.image.source"]).toBe(packageInfo(repoRoot()).repository);
  });

  it("the version comes from package.json, not the tag: two tags, one digest", () => {
    const a = runBuild(["--wasm", productPath, "--out", temp(), "--tag", "1.0.0-rc1"], silent);
    const b = runBuild(["--wasm", productPath, "--out", temp(), "--tag", "stable"], silent);
    expect(a.map((o) => o.image.manifestDigest)).toEqual(b.map((o) => o.image.manifestDigest));
    for (const o of a) expect(annotations(o)["org.opencontainers.image.version"]).toBe(packageInfo(repoRoot()).version);
  });

  it("--image-version sets the version explicitly", () => {
    const [built] = runBuild(["--wasm", productPath, "--out", temp(), "--format", "wasm", "--tag", "x", "--image-version", "9.0.0"], silent);
    expect(annotations(built!)["org.opencontainers.image.version"]).toBe("9.0.0");
  });

  it("pushing under two tags gives one digest (promotion by digest works)", async () => {
    const registry = await startFakeRegistry("none");
    try {
      const one = await runPush([`${registry.host}/team/x:candidate`, "--plain-http", "--wasm", productPath], silent);
      const two = await runPush([`${registry.host}/team/x:production`, "--plain-http", "--wasm", productPath], silent);
      expect(two).toBe(one);
    } finally {
      await registry.close();
    }
  });
});

describe("--help and unknown options", () => {
  it("runBuild --help builds nothing", () => {
    const out = join(temp(), "never");
    expect(() => runBuild(["--out", out, "--help"], silent)).toThrow(HelpRequested);
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown option is an error, not a silent build", () => {
    const out = join(temp(), "never");
    expect(() => runBuild(["--out", out, "--tga", "x"], silent)).toThrow(/^unknown option --tga\nusage: npm run oci/);
    expect(existsSync(out)).toBe(false);
  });

  it("oci:push --help", async () => {
    await expect(runPush(["--help"], silent)).rejects.toThrow(HelpRequested);
  });

  it("npm run oci -- --help prints the usage, exits 0 and writes nothing", () => {
    const out = join(temp(), "never");
    const r = spawnSync("npm", ["run", "--silent", "oci", "--", "--help", "--out", out], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: npm run oci -- /);
    expect(r.stdout).toMatch(/--image-version/);
    expect(existsSync(out)).toBe(false);
  });

  it("npm run oci:push -- --help prints the usage and exits 0", () => {
    const r = spawnSync("npm", ["run", "--silent", "oci:push", "--", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: npm run oci:push -- /);
    expect(r.stdout).toMatch(/--plain-http/);
  });
});

// package.json is read where the tools run; keep the test honest about which one it is.
it("package.json is the project's", () => {
  expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).name).toBe("threescale-wasm-auth");
});
