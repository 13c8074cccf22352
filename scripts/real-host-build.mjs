// npm run real-host:build — builds Envoy's Proxy-Wasm host (proxy-wasm-cpp-host with WAMR as the fast
// interpreter) and this project's driver (test/real-host/driver) into build/real-host/.
//
// Sources: the pinned archives from $REAL_HOST_SOURCES, else ../shared/vendor when it exists, else
// GitHub at the same commits; digests are verified either way (scripts/lib/real-host-sources.mjs).
// WAMR is configured with the CMake cache entries of cpp-host's bazel/external/wamr.BUILD (its
// non-JIT branch) after applying cpp-host's bazel/external/wamr.patch, as Envoy's build does.
//
// Rebuilds only what changed: the sources are re-extracted only when the pins change, and a stamp
// over every input skips cmake/ninja entirely when nothing changed.
//
// --if-possible: when the toolchain is missing, record why (build/real-host/status.json) and exit 0,
// so the suite skips with that reason. Under CI=true a missing toolchain is always an error.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { obtainSources, pinsFingerprint, PINS, wamrCacheEntries } from "./lib/real-host-sources.mjs";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const OUT = join(ROOT, "build/real-host");
const DRIVER_SRC = join(ROOT, "test/real-host/driver");
const STATUS = join(OUT, "status.json");
export const DRIVER_BIN = join(OUT, "real-host-driver");

const ifPossible = process.argv.includes("--if-possible");
const inCi = process.env.CI === "true" || process.env.CI === "1";
const log = (m) => console.log(`real-host: ${m}`);

function writeStatus(status) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(STATUS, JSON.stringify(status, null, 2) + "\n");
}

function has(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
}

function missingToolchain() {
  const missing = [];
  for (const [cmd, pkg] of [["g++", "g++"], ["cmake", "cmake"], ["ninja", "ninja-build"], ["tar", "tar"], ["patch", "patch"]]) {
    if (!has(cmd)) missing.push(pkg);
  }
  if (!existsSync("/usr/include/absl/cleanup/cleanup.h")) missing.push("libabsl-dev");
  if (!existsSync("/usr/include/openssl/evp.h")) missing.push("libssl-dev");
  return missing;
}

function sourceDir() {
  const fromEnv = process.env.REAL_HOST_SOURCES;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`REAL_HOST_SOURCES=${fromEnv} does not exist`);
    return resolve(fromEnv);
  }
  const fallback = resolve(ROOT, "../shared/vendor");
  return existsSync(join(fallback, "SHA256SUMS")) ? fallback : undefined;
}

function hashInputs(parts) {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return h.digest("hex");
}

function driverInputs() {
  return readdirSync(DRIVER_SRC)
    .sort()
    .map((f) => `${f}:${createHash("sha256").update(readFileSync(join(DRIVER_SRC, f))).digest("hex")}`);
}

function run(cmd, args, opts = {}) {
  try {
    execFileSync(cmd, args, { stdio: "pipe", ...opts });
  } catch (e) {
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${out.slice(-6000)}`);
  }
}

async function main() {
  const started = Date.now();
  const srcRoot = join(OUT, "src");
  const sourcesStamp = join(OUT, "sources.stamp");
  const sourcesKey = pinsFingerprint();
  const haveSources = existsSync(sourcesStamp) && readFileSync(sourcesStamp, "utf8") === sourcesKey;
  const thisScript = readFileSync(fileURLToPath(import.meta.url), "utf8");
  const sourcesLib = readFileSync(fileURLToPath(new URL("./lib/real-host-sources.mjs", import.meta.url)), "utf8");
  const inputsKey = hashInputs([sourcesKey, thisScript, sourcesLib, ...driverInputs()]);
  const buildStamp = join(OUT, "build.stamp");
  if (haveSources && existsSync(DRIVER_BIN) && existsSync(buildStamp) && readFileSync(buildStamp, "utf8") === inputsKey) {
    const status = existsSync(STATUS) ? JSON.parse(readFileSync(STATUS, "utf8")) : {};
    if (status.available !== true) writeStatus({ ...status, available: true, reason: undefined });
    log("up to date");
    return;
  }
  const missing = missingToolchain();
  if (missing.length > 0) {
    const reason = `Debian packages missing: ${missing.join(" ")} (apt-get install -y g++ cmake ninja-build libabsl-dev libssl-dev patch)`;
    writeStatus({ available: false, reason });
    if (ifPossible && !inCi) {
      log(`skipped: ${reason}`);
      return;
    }
    throw new Error(reason);
  }

  let origin = "already extracted";
  if (!haveSources) {
    const dir = sourceDir();
    log(dir ? `sources from ${dir}` : "no source directory; downloading the pinned commits");
    rmSync(join(OUT, "wamr-build"), { recursive: true, force: true });
    rmSync(join(OUT, "driver-build"), { recursive: true, force: true });
    const got = await obtainSources({ sourceDir: dir, cacheDir: join(OUT, "downloads"), destRoot: srcRoot, log });
    origin = got.origin;
    run("patch", ["-p1", "-d", join(srcRoot, "wasm-micro-runtime"), "-i", join(srcRoot, "proxy-wasm-cpp-host/bazel/external/wamr.patch")]);
    writeFileSync(sourcesStamp, sourcesKey);
  }
  const cppHost = join(srcRoot, "proxy-wasm-cpp-host");
  const wamr = join(srcRoot, "wasm-micro-runtime");
  const sdk = join(srcRoot, "proxy-wasm-cpp-sdk");

  // WAMR: the static library libiwasm.a, configured as cpp-host's Bazel build configures it.
  const wamrBuild = join(OUT, "wamr-build");
  const wamrLib = join(wamrBuild, "libiwasm.a");
  const entries = wamrCacheEntries(readFileSync(join(cppHost, "bazel/external/wamr.BUILD"), "utf8"));
  // Reconfigure from scratch when the cache entries differ from the ones WAMR was configured with.
  const entriesStamp = join(OUT, "wamr-entries.stamp");
  if (existsSync(entriesStamp) && readFileSync(entriesStamp, "utf8") !== entries.join(" ")) {
    rmSync(wamrBuild, { recursive: true, force: true });
  }
  if (!existsSync(join(wamrBuild, "build.ninja"))) {
    log(`configuring WAMR: ${entries.join(" ")}`);
    run("cmake", ["-S", wamr, "-B", wamrBuild, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release", ...entries]);
  }
  log("building WAMR (vmlib)");
  run("ninja", ["-C", wamrBuild, "vmlib"]);
  writeFileSync(entriesStamp, entries.join(" "));

  // cpp-host library + driver.
  const driverBuild = join(OUT, "driver-build");
  if (!existsSync(join(driverBuild, "build.ninja"))) {
    run("cmake", [
      "-S", DRIVER_SRC, "-B", driverBuild, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
      `-DCPP_HOST_DIR=${cppHost}`, `-DCPP_SDK_DIR=${sdk}`, `-DWAMR_DIR=${wamr}`, `-DWAMR_LIB=${wamrLib}`,
    ]);
  }
  log("building proxy-wasm-cpp-host and the driver");
  run("ninja", ["-C", driverBuild, "real-host-driver"]);
  copyFileSync(join(driverBuild, "real-host-driver"), DRIVER_BIN);
  execFileSync("chmod", ["+x", DRIVER_BIN]);
  writeFileSync(buildStamp, inputsKey);
  writeStatus({
    available: true,
    origin,
    pins: PINS.map((p) => ({ name: p.name, commit: p.commit })),
    wamrCacheEntries: entries,
  });
  log(`built ${DRIVER_BIN} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  writeStatus({ available: false, reason: `build failed: ${String(e.message ?? e).split("\n")[0]}` });
  console.error(`real-host: ${e.message ?? e}`);
  // Outside CI, --if-possible lets the rest of the tests run; the suite then skips with the reason.
  process.exit(ifPossible && !inCi ? 0 : 1);
});
