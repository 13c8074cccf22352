// Large tenants in `npm run bench`: how linear memory and configure time scale with the number of
// services (each VM — every Envoy worker and the canary — holds its own compiled configuration, so
// memory per configuration byte multiplies by the worker count), the same figures for the no-op
// floor module, and where the module's bytes go by source area.
//
//   node dist/bench/scaling.js [--quick]   (also part of `node dist/bench/run.js`)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { LogLevel, ProxyWasmSimulator } from "../src-host-sim/index.js";
import { largeConfig } from "./lib/configs.js";
import { median, nowMs } from "./lib/measure.js";
import { ROOT, ensureNoopModule, ensureProductModule } from "./lib/paths.js";

const KIB = 1024;
const PAGE = 64 * KIB;
const RECONFIGURES = 10;

/** The targets the scaling table is printed against. */
export const SCALING_TARGETS = {
  /** linear memory after the first configure, as a multiple of the configuration's JSON size */
  memoryPerJsonByte: 6,
  /** growth of linear memory over ten re-configures with a same-size configuration */
  reconfigureGrowth: 0.25,
  /** configure ms on a fresh VM, by service count */
  configureMs: { 100: 10, 1000: 100 } as Record<number, number>,
  /** release module size */
  moduleKiB: 160,
};

export interface ScalingRow {
  services: number;
  jsonBytes: number;
  /** pages right after instantiation, before any configure (the module's static floor) */
  pagesLoaded: number;
  pagesFirst: number;
  pagesAfterReconfigures: number;
  /** median ms of the first configure over fresh VMs */
  configureMs: number;
  /** median ms of a re-configure of the running VM */
  reconfigureMs: number;
  accepted: boolean;
}

async function measureModule(wasm: string, rootId: string, services: number, freshVms: number): Promise<ScalingRow> {
  const bytes = new TextEncoder().encode(JSON.stringify(largeConfig(services)));
  const firsts: number[] = [];
  let sim: ProxyWasmSimulator | null = null;
  let pagesLoaded = 0;
  let accepted = true;
  for (let i = 0; i < freshVms; i++) {
    sim = await ProxyWasmSimulator.create(wasm, { rootId, pluginConfiguration: bytes, logLevel: LogLevel.Info, trace: false, keepLogs: false });
    pagesLoaded = sim.memoryPages;
    const t0 = nowMs();
    const r = sim.start();
    firsts.push(nowMs() - t0);
    accepted &&= r.ok;
  }
  const pagesFirst = sim!.memoryPages;
  const again: number[] = [];
  for (let i = 0; i < RECONFIGURES; i++) {
    const t0 = nowMs();
    accepted &&= sim!.reconfigure(bytes);
    again.push(nowMs() - t0);
  }
  return {
    services,
    jsonBytes: bytes.length,
    pagesLoaded,
    pagesFirst,
    pagesAfterReconfigures: sim!.memoryPages,
    configureMs: median(firsts),
    reconfigureMs: median(again),
    accepted,
  };
}

export async function measureScaling(product: string, noop: string, quick: boolean): Promise<{ product: ScalingRow[]; floor: ScalingRow[] }> {
  const sizes = quick ? [10, 100] : [10, 100, 1000];
  const productRows: ScalingRow[] = [];
  const floorRows: ScalingRow[] = [];
  for (const n of sizes) {
    const fresh = n >= 1000 ? 3 : 5;
    productRows.push(await measureModule(product, "threescale-wasm-auth", n, fresh));
    floorRows.push(await measureModule(noop, "floor", n, fresh));
  }
  return { product: productRows, floor: floorRows };
}

const verdict = (ok: boolean): string => (ok ? "PASS" : "MISS");
const mib = (pages: number): string => `${((pages * PAGE) / (KIB * KIB)).toFixed(1)} MiB`;

export function formatScaling(r: { product: ScalingRow[]; floor: ScalingRow[] }): string {
  const t = SCALING_TARGETS;
  const lines: string[] = [];
  lines.push(`Scaling with the number of services (N services × 50 rules × 3 credential sources, one a 5-op Basic-auth pipeline; ${RECONFIGURES} re-configures of the same VM)`);
  lines.push(
    `${"module".padEnd(7)} ${"services".padStart(8)} ${"JSON".padStart(9)} ${"loaded".padStart(7)} ${"pages after configure".padStart(28)} ${`after ${RECONFIGURES} re-conf.`.padStart(18)} ${"configure ms".padStart(12)} ${"again ms".padStart(9)}  targets`,
  );
  const row = (kind: string, x: ScalingRow, targets: string): string => {
    const perByte = (x.pagesFirst * PAGE) / x.jsonBytes;
    const growth = x.pagesAfterReconfigures / x.pagesFirst - 1;
    return (
      `${kind.padEnd(7)} ${String(x.services).padStart(8)} ${`${(x.jsonBytes / KIB).toFixed(0)} KiB`.padStart(9)} ${String(x.pagesLoaded).padStart(7)} ` +
      `${`${x.pagesFirst} (${mib(x.pagesFirst)}, ${perByte.toFixed(1)}× JSON)`.padStart(28)} ` +
      `${`${x.pagesAfterReconfigures} (+${(growth * 100).toFixed(0)} %)`.padStart(18)} ${x.configureMs.toFixed(1).padStart(12)} ${x.reconfigureMs.toFixed(1).padStart(9)}  ${targets}${x.accepted ? "" : " (REJECTED)"}`
    );
  };
  for (let i = 0; i < r.product.length; i++) {
    const p = r.product[i]!;
    const perByte = (p.pagesFirst * PAGE) / p.jsonBytes;
    const growth = p.pagesAfterReconfigures / p.pagesFirst - 1;
    const targets = [
      `memory ≤ ${t.memoryPerJsonByte}× ${verdict(p.accepted && perByte <= t.memoryPerJsonByte)}`,
      `re-conf. ≤ +${t.reconfigureGrowth * 100} % ${verdict(p.accepted && growth <= t.reconfigureGrowth)}`,
    ];
    const ms = t.configureMs[p.services];
    if (ms !== undefined) targets.push(`≤ ${ms} ms ${verdict(p.accepted && p.configureMs <= ms)}`);
    lines.push(row("filter", p, targets.join(", ")));
  }
  for (const f of r.floor) lines.push(row("floor", f, ""));
  lines.push(`  loaded: pages after instantiation, before configure; × JSON: linear memory after the first configure / configuration bytes`);
  lines.push(`  configure ms: median first on_configure of fresh VMs (wall time); again ms: median re-configure of the running VM`);
  lines.push(`  floor: the no-op proxy-runtime module given the same configuration (it ignores it)`);
  return lines.join("\n");
}

// ---- module size by source area ---------------------------------------------------------------

interface Section {
  id: number;
  name: string;
  size: number;
  start: number;
}

function readSections(b: Uint8Array): { sections: Section[]; leb: (p: { at: number }) => number } {
  const leb = (p: { at: number }): number => {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = b[p.at++]!;
      r += (x & 127) * 2 ** shift;
      shift += 7;
    } while (x & 128);
    return r;
  };
  const sections: Section[] = [];
  const p = { at: 8 };
  while (p.at < b.length) {
    const id = b[p.at++]!;
    const size = leb(p);
    const start = p.at;
    let name = "";
    if (id === 0) {
      const q = { at: start };
      const n = leb(q);
      name = new TextDecoder().decode(b.subarray(q.at, q.at + n));
    }
    sections.push({ id, name, size, start });
    p.at = start + size;
  }
  return { sections, leb };
}

/** functionNames: index → name from the "name" custom section (subsection 1). */
function functionNames(b: Uint8Array, sec: Section, leb: (p: { at: number }) => number): Map<number, string> {
  const names = new Map<number, string>();
  const p = { at: sec.start };
  const n = leb(p);
  p.at += n; // section name
  const end = sec.start + sec.size;
  while (p.at < end) {
    const kind = b[p.at++]!;
    const size = leb(p);
    const next = p.at + size;
    if (kind === 1) {
      const count = leb(p);
      for (let i = 0; i < count; i++) {
        const idx = leb(p);
        const len = leb(p);
        names.set(idx, decodeURIComponent(new TextDecoder().decode(b.subarray(p.at, p.at + len))));
        p.at += len;
      }
    }
    p.at = next;
  }
  return names;
}

/** sourceArea: the directory of the source a function was compiled from. */
export function sourceArea(name: string): string {
  const bare = name.replace(/^start:/, "");
  if (bare.startsWith("assembly/")) {
    const parts = bare.split("/");
    return parts.length > 2 && parts[1] !== "index" ? `assembly/${parts[1]}/` : "assembly/index.ts";
  }
  if (bare.startsWith("~lib/@solo-io/proxy-runtime/")) return "proxy-runtime SDK";
  if (bare.startsWith("~lib/rt/")) return "std: GC and allocator";
  // A generic standard-library instantiation counts where its element type lives.
  if (bare.startsWith("~lib/")) return "std: strings, arrays, maps, numbers";
  if (bare.startsWith("shim/") || bare.includes("/shim/")) return "shim";
  return "other (exports, start, compiler runtime code)";
}

export interface SizeBreakdown {
  total: number;
  areas: Array<[area: string, bytes: number, functions: number]>;
  files: Array<[file: string, bytes: number]>;
  data: number;
  dataSegments: number;
  utf16Strings: number;
  other: number;
}

/**
 * moduleBreakdown attributes each byte of a release module to a source area: function bodies by
 * the names of an identically optimized build that keeps its name section, plus the data segments
 * (string literals and static arrays) and the remaining sections (types, imports, exports, ...).
 */
export function moduleBreakdown(release: Uint8Array, named: Uint8Array): SizeBreakdown {
  const rel = readSections(release);
  const nam = readSections(named);
  const code = nam.sections.find((s) => s.id === 10)!;
  const relCode = rel.sections.find((s) => s.id === 10)!;
  if (relCode.size !== code.size) throw new Error("the named build's code differs from the release build");
  const importSec = nam.sections.find((s) => s.id === 2);
  let importedFns = 0;
  if (importSec) {
    const p = { at: importSec.start };
    const count = nam.leb(p);
    for (let i = 0; i < count; i++) {
      p.at += nam.leb(p); // module name
      p.at += nam.leb(p); // field name
      const kind = named[p.at++]!;
      if (kind === 0) {
        nam.leb(p);
        importedFns++;
      } else if (kind === 1) {
        p.at++;
        const flags = named[p.at++]!;
        nam.leb(p);
        if (flags & 1) nam.leb(p);
      } else if (kind === 2) {
        const flags = named[p.at++]!;
        nam.leb(p);
        if (flags & 1) nam.leb(p);
      } else if (kind === 3) {
        p.at += 2;
      }
    }
  }
  const nameSec = nam.sections.find((s) => s.id === 0 && s.name === "name");
  const names = nameSec ? functionNames(named, nameSec, nam.leb) : new Map<number, string>();
  const areas = new Map<string, [number, number]>();
  const files = new Map<string, number>();
  const p = { at: code.start };
  const count = nam.leb(p);
  for (let i = 0; i < count; i++) {
    const before = p.at;
    const size = nam.leb(p);
    p.at += size;
    const bytes = p.at - before;
    const name = names.get(importedFns + i) ?? "?";
    const area = sourceArea(name);
    const a = areas.get(area) ?? [0, 0];
    areas.set(area, [a[0] + bytes, a[1] + 1]);
    const bare = name.replace(/^start:/, "");
    if (bare.startsWith("assembly/")) {
      const parts = bare.split("/");
      const file = parts[1] === "index" ? "assembly/index.ts" : parts.slice(0, 3).join("/") + ".ts";
      files.set(file, (files.get(file) ?? 0) + bytes);
    }
  }
  const dataSec = rel.sections.find((s) => s.id === 11);
  let dataSegments = 0;
  let utf16Strings = 0;
  if (dataSec) {
    // A string literal is an object header (class id 2 = String, then the byte length) followed
    // by UTF-16 code units; the optimizer drops the header's leading zero bytes into gaps, so a
    // string's segment starts at its class id.
    const q = { at: dataSec.start };
    dataSegments = rel.leb(q);
    for (let i = 0; i < dataSegments; i++) {
      const mode = rel.leb(q);
      if (mode === 0 || mode === 2) {
        if (mode === 2) rel.leb(q);
        while (release[q.at++] !== 0x0b); // the offset expression
      }
      const len = rel.leb(q);
      const seg = release.subarray(q.at, q.at + len);
      const u32 = (at: number): number => seg[at]! | (seg[at + 1]! << 8) | (seg[at + 2]! << 16) | (seg[at + 3]! << 24);
      if (len >= 8 && u32(0) === 2) {
        const size = u32(4);
        if (size % 2 === 0 && size + 8 >= len && size + 8 <= len + 4) utf16Strings += len; // trailing zeros may be trimmed
      } else if (len >= 20 && u32(12) === 2 && u32(16) % 2 === 0 && u32(16) + 20 <= len) {
        utf16Strings += u32(16) + 20; // an unpacked segment (debug build): the whole header is there
      }
      q.at += len;
    }
  }
  const data = dataSec ? dataSec.size : 0;
  const functionBytes = [...areas.values()].reduce((n, [bytes]) => n + bytes, 0);
  if (functionBytes > relCode.size || functionBytes < relCode.size - 5) throw new Error("function bodies do not add up to the code section");
  const other = release.length - functionBytes - data; // includes the sections' own headers
  return {
    total: release.length,
    areas: [...areas.entries()].map(([a, [b, n]]) => [a, b, n] as [string, number, number]).sort((x, y) => y[1] - x[1]),
    files: [...files.entries()].sort((x, y) => y[1] - x[1]),
    data,
    dataSegments,
    utf16Strings,
    other,
  };
}

/** namedReleaseModule builds (or reuses) the release module with its name section kept. */
export async function namedReleaseModule(): Promise<string> {
  const out = "build/bench/threescale_wasm_auth.named.wasm";
  const mod = (await import(pathToFileURL(resolve(ROOT, "scripts/lib/compile.mjs")).href)) as {
    compileAs: (entry: string, out: string, opts: Record<string, unknown>) => Promise<unknown>;
  };
  await mod.compileAs("assembly/index.ts", out, { mode: "release", extraArgs: ["--debug"] });
  return resolve(ROOT, out);
}

export function formatBreakdown(b: SizeBreakdown, topFiles = 12): string {
  const lines: string[] = [];
  const kib = (n: number): string => `${(n / KIB).toFixed(1)} KiB`;
  const pct = (n: number): string => `${((n / b.total) * 100).toFixed(1)} %`;
  lines.push(`Module size by source area (release build ${kib(b.total)}, target ≤ ${SCALING_TARGETS.moduleKiB} KiB ${verdict(b.total <= SCALING_TARGETS.moduleKiB * KIB)})`);
  for (const [area, bytes, n] of b.areas) lines.push(`  ${area.padEnd(42)} ${kib(bytes).padStart(10)} ${pct(bytes).padStart(7)}  ${n} functions`);
  lines.push(`  ${"data segments".padEnd(42)} ${kib(b.data).padStart(10)} ${pct(b.data).padStart(7)}  ${b.dataSegments} segments, ${kib(b.utf16Strings)} of them UTF-16 string literals`);
  lines.push(`  ${"types, imports, exports, globals, …".padEnd(42)} ${kib(b.other).padStart(10)} ${pct(b.other).padStart(7)}`);
  lines.push(`  largest source files (function bodies, after inlining into their callers):`);
  for (const [file, bytes] of b.files.slice(0, topFiles)) lines.push(`    ${file.padEnd(36)} ${kib(bytes).padStart(10)}`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const [product, noop] = [await ensureProductModule(), await ensureNoopModule()];
  console.log(formatScaling(await measureScaling(product, noop, quick)));
  console.log("");
  console.log(formatBreakdown(moduleBreakdown(readFileSync(product), readFileSync(await namedReleaseModule()))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
