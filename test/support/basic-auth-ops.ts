// The op pipelines of docs/configuration.md (Basic, simple) (Basic, extended), shared
// by the op-engine examples (test/ops) and the filter's credential tests (test/filter) so both
// check the very pipelines the spec documents.

/** Basic, simple: `Basic <base64(id:key)>` → [id, key] or [id]. */
export const BASIC_SIMPLE_OPS = [
  { split: { separator: " ", max: 2 } },
  { length: { min: 2 } },
  { drop: { head: 1 } },
  "base64_urlsafe",
  { split: { max: 2 } },
];

/** Basic, extended: as simple, but checks the scheme, bounds the key and drops an empty key. */
export const BASIC_EXTENDED_OPS = [
  { split: { separator: " ", max: 2 } },
  { length: { min: 2 } },
  "reverse",
  { glob: ["Basic"] },
  { drop: { tail: 1 } },
  "base64_urlsafe",
  { split: { max: 2 } },
  {
    test: {
      if: { length: { min: 2 } },
      then: [{ strlen: { max: 63 } }, { or: [{ strlen: { min: 1 } }, { drop: { tail: 1 } }] }],
    },
  },
  { assert: [{ and: ["reverse", { or: [{ strlen: { min: 8 } }, { glob: ["aladdin", "admin"] }] }] }] },
];
