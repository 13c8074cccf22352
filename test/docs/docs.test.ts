// The repository documents itself: no file points outside it, no user-facing file carries
// development notes, every relative Markdown link (file and #anchor) resolves, and every measured
// figure in README/docs sits inside a block written by the command that measured it.
import { describe, expect, it } from "vitest";
import {
  checkRelativeLink,
  findLines,
  headingAnchors,
  markdownLinks,
  read,
  repoFiles,
  staysInside,
  textFiles,
  userFacingFiles,
  withoutFences,
  type Hit,
  type LinkProblem,
} from "./scan.js";

const show = (hits: Hit[]): string[] => hits.map((h) => `${h.file}:${h.line}: ${h.text}`);

// A path into the place the project was developed from, or any absolute path to a work area.
const OUTSIDE_PATH = /(^|[\s("'`[=:])(\.\.\/)+shared\b|\bshared\/(spec|reference|vendor)\b|\/work\/|\/home\/[a-z]|\/tmp\/bash_jobs/;

const REAL_HOST_SOURCE_CODE = new Set(["scripts/real-host-build.mjs", "test/real-host/sources.test.ts"]);

describe("no reference leaves the repository", () => {
  it("no text file names the development workspace or its shared documents", () => {
    const hits = textFiles()
      .filter((f) => f !== "test/docs/docs.test.ts")
      .flatMap((f) => findLines(f, read(f), OUTSIDE_PATH))
      // The one exception: the real-host build takes its pinned source archives from a vendor folder
      // beside the checkout when one exists (CI lays it there); code may name that default.
      .filter((h) => !(REAL_HOST_SOURCE_CODE.has(h.file) && h.text.includes("../shared/vendor")));
    expect(show(hits)).toEqual([]);
  });

  it("no text file cites an issue number or an internal specification section", () => {
    const hits = textFiles()
      .filter((f) => f !== "test/docs/docs.test.ts")
      .flatMap((f) => findLines(f, read(f), /\b[Ii]ssues? ?#?\d+|§\s*\d|OWNER:/));
    expect(show(hits)).toEqual([]);
  });

  it("no relative path in a user-facing file climbs out of the repository", () => {
    const problems: string[] = [];
    for (const f of userFacingFiles()) {
      // In Markdown, code blocks show paths relative to other places (an example's own folder).
      (f.endsWith(".md") ? withoutFences(read(f)) : read(f))
        .split("\n")
        .forEach((line, i) => {
          for (const m of line.matchAll(/(?:^|[\s("'`[=])((?:\.\.\/)+[\w.\-/]*)/g)) {
            if (!staysInside(f, m[1]!)) problems.push(`${f}:${i + 1}: ${m[1]}`);
          }
        });
    }
    expect(problems).toEqual([]);
  });

  it("every Markdown link in every Markdown file resolves to a file (and heading) in the repository", () => {
    const cache = new Map<string, Set<string>>();
    const anchorsOf = (f: string): Set<string> => {
      if (!cache.has(f)) cache.set(f, headingAnchors(read(f)));
      return cache.get(f)!;
    };
    const problems: LinkProblem[] = [];
    const mdFiles = repoFiles().filter((f) => f.endsWith(".md"));
    expect(mdFiles.length).toBeGreaterThan(5);
    for (const f of mdFiles) {
      for (const link of markdownLinks(read(f))) {
        const p = checkRelativeLink(f, link, anchorsOf);
        if (p) problems.push(p);
      }
    }
    expect(problems.map((p) => `${p.file}:${p.line}: ${p.target} (${p.why})`)).toEqual([]);
  });

  it("every docs/ reference in a schema, example or Envoy file names an existing file and heading", () => {
    const problems: string[] = [];
    let schemaRefs = 0;
    for (const f of userFacingFiles().filter((x) => !x.endsWith(".md") && x !== "LICENSE")) {
      for (const m of read(f).matchAll(/\bdocs\/([\w-]+\.md)(?:#([\w-]+))?/g)) {
        if (f.startsWith("schema/")) schemaRefs++;
        const file = `docs/${m[1]}`;
        if (!repoFiles().includes(file)) problems.push(`${f}: ${m[0]} (no such file)`);
        else if (m[2] && !headingAnchors(read(file)).has(m[2])) problems.push(`${f}: ${m[0]} (no such heading)`);
      }
    }
    expect(schemaRefs).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});

// Development notes that mean nothing to a user: issue numbers, citations of internal section
// numbers, open-point ids, who on the team decides what, work sessions.
const INTERNAL_WORDS: Array<[string, RegExp]> = [
  ["issue number", /\b(issues?|PR|pull request)\s*#?\d+/i],
  ["section-sign citation", /§\s*\d/],
  ["open-point id", /\bG\d{1,2}\b/],
  ["team role", /\b(the lead|lead engineer|pipeline engineer|engineers?|helpers?|teammates?|the team|project owner|the owner)\b/i],
  ["work session", /\bsessions?\b/i],
  ["internal specification", /\b(the|project|internal|our) spec(ification)?('s)?\b/i],
];

describe("user-facing files carry no internal words", () => {
  it("finds the user-facing files", () => {
    const files = userFacingFiles();
    for (const f of ["README.md", "LICENSE", "docs/configuration.md", "docs/operations.md", "docs/behaviour.md", "docs/migrating.md", "docs/troubleshooting.md", "schema/threescale-wasm-auth.schema.json"]) {
      expect(files).toContain(f);
    }
  });

  it.each(INTERNAL_WORDS)("no %s", (_what, pattern) => {
    const hits = userFacingFiles()
      .filter((f) => f !== "LICENSE")
      .flatMap((f) => findLines(f, read(f), pattern));
    expect(show(hits)).toEqual([]);
  });

  it("the word lists catch what they are meant to", () => {
    const samples: Record<string, string> = {
      "issue number": "added in issue 9",
      "section-sign citation": "see configuration.md §13.4",
      "open-point id": "rule G15 applies",
      "team role": "a decision for the lead",
      "work session": "during this session",
      "internal specification": "the spec's replies",
    };
    for (const [what, pattern] of INTERNAL_WORDS) expect(pattern.test(samples[what]!), what).toBe(true);
    expect(OUTSIDE_PATH.test("[x](../shared/spec/configuration.md)")).toBe(true);
    expect(OUTSIDE_PATH.test("[x](docs/configuration.md)")).toBe(false);
    expect(MEASURED.test("the module is 208.4 KiB")).toBe(true);
    expect(MEASURED.test("a hit costs 1.01× the uncached path")).toBe(true);
    expect(MEASURED.test("linear memory in 64 KiB pages")).toBe(false);
  });
});

// ---------------------------------------------------------------- one source for every figure

// Units that only a measurement produces (configuration defaults are in ms and s, so not these).
// Sizes that describe an input or a unit ("64 KiB pages", "100 KB bodies") are not measurements.
const MEASURED = /\d[\d.,]*\s*(µs|KiB|KB|MiB|×|requests\/s|req\/s)(?!\s+(pages|values|bodies))|\bp(50|99)\b/;
const GENERATED_BLOCK = /<!-- ([\w-]+):([\w-]+) -->[\s\S]*?<!-- \/\1:\2 -->/g;
// docs/cache.md is being rewritten separately; its figures move into a generated block there.
const PENDING_REWRITE = new Set<string>();

describe("figures come from generated blocks", () => {
  const docs = repoFiles().filter((f) => f === "README.md" || (f.startsWith("docs/") && f.endsWith(".md")));

  it.each(docs.filter((f) => !PENDING_REWRITE.has(f)))("%s has no measured figure outside a generated block", (f) => {
    const outside = withoutFences(read(f).replace(GENERATED_BLOCK, (m) => m.replace(/[^\n]/g, "")));
    expect(show(findLines(f, outside, MEASURED))).toEqual([]);
  });

  it("README's figures are the block `npm run bench -- --update-docs` writes", () => {
    const readme = read("README.md");
    const block = /<!-- bench:summary -->\n([\s\S]*?)<!-- \/bench:summary -->/.exec(readme);
    expect(block).not.toBeNull();
    expect(block![1]).toMatch(/Recorded by `npm run bench` on \d{4}-\d\d-\d\d .*Node v\d+/);
    expect(block![1]).toMatch(/KiB/);
    const headline = /<!-- bench:headline -->\n([\s\S]*?)<!-- \/bench:headline -->/.exec(readme);
    expect(headline![1]).toMatch(/^Measured by `npm run bench` \(\d{4}-\d\d-\d\d, Node v\d+[^)]*\): .*KiB/);
    const runner = read("bench/run.ts");
    expect(runner).toMatch(/replaceBlock\(\s*"README\.md",\s*"bench:summary"/);
    expect(runner).toMatch(/replaceBlock\(\s*"README\.md",\s*"bench:headline"/);
  });
});
