// The bench's module-size breakdown must account for every byte of the module, and attribute the
// filter's own functions to their source directories.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { moduleBreakdown, sourceArea } from "../../bench/scaling.js";
import { ROOT } from "../support/modules.js";

describe("bench module-size breakdown", () => {
  it("names source areas from function names", () => {
    expect(sourceArea("assembly/config/json/parseValue")).toBe("assembly/config/");
    expect(sourceArea("start:assembly/ops/engine")).toBe("assembly/ops/");
    expect(sourceArea("assembly/index/proxy_on_configure")).toBe("assembly/index.ts");
    expect(sourceArea("~lib/rt/itcms/__new")).toBe("std: GC and allocator");
    expect(sourceArea("~lib/array/Array<assembly/config/json/JsonValue>#push")).toBe("std: strings, arrays, maps, numbers");
  });

  it("accounts for every byte of a module with a name section", () => {
    const wasm = new Uint8Array(readFileSync(resolve(ROOT, "build/threescale_wasm_auth.debug.wasm")));
    const b = moduleBreakdown(wasm, wasm);
    const code = b.areas.reduce((n, [, bytes]) => n + bytes, 0);
    expect(code + b.data + b.other).toBe(b.total);
    expect(b.other).toBeLessThan(b.total / 2);
    const areas = new Map(b.areas.map(([a, bytes]) => [a, bytes]));
    for (const dir of ["config", "pipeline", "ops", "runtime", "util"]) expect(areas.get(`assembly/${dir}/`) ?? 0).toBeGreaterThan(1000);
    expect(b.utf16Strings).toBeGreaterThan(1000);
    expect(b.utf16Strings).toBeLessThanOrEqual(b.data);
  });
});
