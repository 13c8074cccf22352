// Pinned upstream sources of Envoy's Proxy-Wasm host (proxy-wasm-cpp-host + WAMR) and how to obtain
// and verify them. Two ways in, one check:
// - a source directory holding the three archives and their SHA256SUMS (offline builds);
// - otherwise GitHub's archives of the same pinned commits.
// Archives from the two ways differ byte for byte (prefix, subset of files), so besides the
// archive digests every extracted tree is verified by a content digest over the files the build
// reads (`treeDigest`), which is the same whichever way the sources came.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

export const PINS = [
  {
    name: "proxy-wasm-cpp-host",
    archive: "proxy-wasm-cpp-host.tar.gz",
    archiveSha256: "90cc8299cd84097c705f6fef7787f603418e10f13695a090aeccc89c24caaa34",
    url: "https://github.com/proxy-wasm/proxy-wasm-cpp-host/archive/52a02917b301c679ff43565064cffd2c3c750f6d.tar.gz",
    commit: "52a02917b301c679ff43565064cffd2c3c750f6d",
    // Only the parts the build reads are kept (and digested).
    keep: ["LICENSE", "include", "src", "bazel/external/wamr.patch", "bazel/external/wamr.BUILD"],
    treeSha256: "85f36e53c0909a7cf50295d10f143a3533be74ed62563313f13e702620bd4321",
  },
  {
    name: "proxy-wasm-cpp-sdk",
    archive: "proxy-wasm-cpp-sdk-headers.tar.gz",
    archiveSha256: "d10053b3562d443e09856d2575fa18b758f09f32cdb294c355a72bd40675b44d",
    url: "https://github.com/proxy-wasm/proxy-wasm-cpp-sdk/archive/7465dee8b2953beebff99f6dc3720ad0c79bab99.tar.gz",
    commit: "7465dee8b2953beebff99f6dc3720ad0c79bab99",
    keep: ["LICENSE", "proxy_wasm_common.h", "proxy_wasm_enums.h"],
    treeSha256: "d1a741785bda94af6bfa0f5b62b53e608913f5d72aa198ba2e790365b8f433e5",
  },
  {
    name: "wasm-micro-runtime",
    archive: "wasm-micro-runtime-2.4.1.tar.gz",
    archiveSha256: "06d963f0767c7850448678342a9793b5a6e7f70f637c9dbeedd2ea3429dac033",
    // Tag WAMR-2.4.1.
    url: "https://github.com/bytecodealliance/wasm-micro-runtime/archive/b124f70345d712bead5c0c2393acb2dc583511de.tar.gz",
    commit: "b124f70345d712bead5c0c2393acb2dc583511de",
    keep: ["LICENSE", "ATTRIBUTIONS.md", "CMakeLists.txt", "build-scripts", "core"],
    treeSha256: "250e1d2a3e303bf3747145f35cb6e4e806de65d7a6d09334325e16f8728ae5ec",
  },
];

export function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** treeDigest: SHA-256 over the sorted "sha256  path" lines of every file under dir. */
export function treeDigest(dir) {
  const lines = listFiles(dir)
    .map((p) => `${sha256File(p)}  ${relative(dir, p).split("\\").join("/")}`)
    .sort();
  return createHash("sha256").update(lines.join("\n") + "\n").digest("hex");
}

/** Reads a SHA256SUMS file into archive name → digest. */
function readSums(path) {
  const sums = new Map();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/.exec(line);
    if (m) sums.set(m[2], m[1]);
  }
  return sums;
}

/**
 * Extracts one pinned archive into `dest` (replacing it), keeping only pin.keep, with the
 * archive's top-level folder stripped.
 */
function extract(archivePath, pin, dest) {
  const tmp = `${dest}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync("tar", ["-xzf", archivePath, "-C", tmp, "--strip-components=1"], { stdio: "pipe" });
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const k of pin.keep) {
    const from = join(tmp, k);
    if (!existsSync(from)) throw new Error(`${pin.name}: archive lacks ${k}`);
    const to = join(dest, k);
    mkdirSync(resolve(to, ".."), { recursive: true });
    execFileSync("cp", ["-a", from, to]);
  }
  rmSync(tmp, { recursive: true, force: true });
}

async function download(url, to) {
  // A blackholed network must not hang the test run: give up after two minutes.
  const res = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`download ${url}: HTTP ${res.status}`);
  writeFileSync(to, Buffer.from(await res.arrayBuffer()));
}

/**
 * Makes `destRoot/<pin.name>` hold each pinned tree, verified. `sourceDir` (may be undefined)
 * holds the archives; without it they are downloaded into `cacheDir`.
 * Returns { origin, trees: name → absolute dir }.
 */
export async function obtainSources({ sourceDir, cacheDir, destRoot, log }) {
  const trees = {};
  let origin;
  let sums = null;
  if (sourceDir) {
    const sumsPath = join(sourceDir, "SHA256SUMS");
    if (!existsSync(sumsPath)) throw new Error(`${sourceDir} has no SHA256SUMS`);
    sums = readSums(sumsPath);
    origin = sourceDir;
  } else {
    origin = "github.com (pinned commits)";
    mkdirSync(cacheDir, { recursive: true });
  }
  for (const pin of PINS) {
    let archivePath;
    if (sourceDir) {
      archivePath = join(sourceDir, pin.archive);
      const listed = sums.get(pin.archive);
      const actual = sha256File(archivePath);
      // The archive must match both the folder's own list and the digest pinned here.
      if (listed !== actual || actual !== pin.archiveSha256) {
        throw new Error(`${pin.archive}: SHA-256 ${actual} does not match the pinned ${pin.archiveSha256}` +
          (listed && listed !== actual ? ` (SHA256SUMS says ${listed})` : ""));
      }
    } else {
      archivePath = join(cacheDir, `${pin.name}-${pin.commit}.tar.gz`);
      if (!existsSync(archivePath)) {
        log(`downloading ${pin.url}`);
        await download(pin.url, archivePath);
      }
    }
    const dest = join(destRoot, pin.name);
    extract(archivePath, pin, dest);
    const digest = treeDigest(dest);
    if (digest !== pin.treeSha256) {
      throw new Error(`${pin.name}: extracted tree digest ${digest} does not match the pinned ${pin.treeSha256}`);
    }
    trees[pin.name] = dest;
  }
  return { origin, trees };
}

/** One string that changes whenever any pinned input changes. */
export function pinsFingerprint() {
  return createHash("sha256").update(JSON.stringify(PINS)).digest("hex");
}

/**
 * The WAMR CMake cache entries of wamr.BUILD: the shared generate_args plus the
 * "//conditions:default" (non-JIT) branch, read from the pinned file itself.
 */
export function wamrCacheEntries(wamrBuild) {
  const start = wamrBuild.indexOf("generate_args = [");
  const end = wamrBuild.indexOf("lib_source", start);
  if (start < 0 || end < 0) throw new Error("wamr.BUILD: no generate_args block");
  let block = wamrBuild.slice(start, end);
  const jit = block.indexOf('"@proxy_wasm_cpp_host//bazel:engine_wamr_jit": [');
  if (jit >= 0) block = block.slice(0, jit) + block.slice(block.indexOf("],", jit) + 2);
  const entries = [...block.matchAll(/"(-D[A-Z0-9_]+=[^"]*)"/g)].map((m) => m[1]);
  const want = { WAMR_BUILD_FAST_INTERP: "1", WAMR_BUILD_INTERP: "1", WAMR_BUILD_JIT: "0", WAMR_BUILD_AOT: "0" };
  for (const [k, v] of Object.entries(want)) {
    if (!entries.includes(`-D${k}=${v}`)) throw new Error(`wamr.BUILD: expected -D${k}=${v} in the non-JIT entries`);
  }
  return entries;
}

