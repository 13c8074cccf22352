// The real host's pinned sources: archive digests and tree digests are enforced, and the WAMR
// CMake cache entries are the non-JIT branch of cpp-host's wamr.BUILD. Needs the folder of pinned
// archives ($REAL_HOST_SOURCES or ../shared/vendor), not the toolchain.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-ignore: plain ESM build helper
import { obtainSources, PINS, wamrCacheEntries } from "../../scripts/lib/real-host-sources.mjs";
import { ROOT } from "../support/modules.js";

const VENDOR = process.env.REAL_HOST_SOURCES ?? resolve(ROOT, "../shared/vendor");
const haveVendor = existsSync(join(VENDOR, "SHA256SUMS"));
if (!haveVendor) console.warn(`real-host sources test skipped: no pinned archives at ${VENDOR}`);

interface Pin { name: string; archive: string }

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "real-host-src-"));
  dirs.push(d);
  return d;
}
function copyVendor(): string {
  const d = tmp();
  copyFileSync(join(VENDOR, "SHA256SUMS"), join(d, "SHA256SUMS"));
  for (const p of PINS as Pin[]) copyFileSync(join(VENDOR, p.archive), join(d, p.archive));
  return d;
}
const quiet = () => undefined;

describe.skipIf(!haveVendor)(`real-host pinned sources${haveVendor ? "" : " [SKIPPED: no pinned archives]"}`, () => {
  it("extracts and verifies the three pinned trees", async () => {
    const dest = tmp();
    const got = await obtainSources({ sourceDir: VENDOR, cacheDir: tmp(), destRoot: dest, log: quiet });
    expect(Object.keys(got.trees).sort()).toEqual(["proxy-wasm-cpp-host", "proxy-wasm-cpp-sdk", "wasm-micro-runtime"]);
    expect(existsSync(join(dest, "proxy-wasm-cpp-host/src/wamr/wamr.cc"))).toBe(true);
    const entries = wamrCacheEntries(readFileSync(join(dest, "proxy-wasm-cpp-host/bazel/external/wamr.BUILD"), "utf8"));
    expect(entries).toContain("-DWAMR_BUILD_FAST_INTERP=1");
    expect(entries).toContain("-DWAMR_BUILD_LIBC_WASI=0");
    expect(entries.some((e: string) => e.startsWith("-DWAMR_BUILD_JIT=1") || e === "-DWAMR_BUILD_SIMD=1")).toBe(false);
  });

  it("refuses an archive whose digest is not the pinned one, even when SHA256SUMS agrees with it", async () => {
    const d = copyVendor();
    const pin = (PINS as Pin[])[1]!;
    const bytes = readFileSync(join(d, pin.archive));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(d, pin.archive), bytes);
    await expect(obtainSources({ sourceDir: d, cacheDir: tmp(), destRoot: tmp(), log: quiet })).rejects.toThrow(/SHA-256 .* does not match the pinned/);
    const { createHash } = await import("node:crypto");
    const sums = readFileSync(join(d, "SHA256SUMS"), "utf8").replace(/^[0-9a-f]{64}(?=\s+proxy-wasm-cpp-sdk)/m, createHash("sha256").update(bytes).digest("hex"));
    writeFileSync(join(d, "SHA256SUMS"), sums);
    await expect(obtainSources({ sourceDir: d, cacheDir: tmp(), destRoot: tmp(), log: quiet })).rejects.toThrow(/does not match the pinned/);
  });

  it("reads the non-JIT branch of wamr.BUILD and insists on the fast interpreter", () => {
    const build = `generate_args = [ "-DA=1", ] + select({ "@proxy_wasm_cpp_host//bazel:engine_wamr_jit": [ "-DWAMR_BUILD_JIT=1", ], "//conditions:default": [ "-DWAMR_BUILD_AOT=0", "-DWAMR_BUILD_FAST_INTERP=1", "-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_JIT=0", ], }), lib_source = ":srcs"`;
    expect(wamrCacheEntries(build)).toEqual(["-DA=1", "-DWAMR_BUILD_AOT=0", "-DWAMR_BUILD_FAST_INTERP=1", "-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_JIT=0"]);
    expect(() => wamrCacheEntries(build.replace("FAST_INTERP=1", "FAST_INTERP=0"))).toThrow(/FAST_INTERP=1/);
  });
});
