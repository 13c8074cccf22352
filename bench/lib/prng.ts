// The seeded PRNG lives with the test helpers (one implementation for tests and the fuzzer).
export { Prng, PRINTABLE } from "../../test/support/prng.js";
