// The filter under Envoy's header-map semantics for duplicated credential headers: a header Envoy
// keeps inline reaches the module as one joined value "a,b"; any other header keeps one entry per
// value and the module reads the first (HeaderMapImpl::insertByKey).
import { describe, expect, it } from "vitest";
import { config, credentialsOf, onlyAuthrep, requestHeaders, send, startFilter } from "../filter/harness.js";

describe("duplicated credential headers through the filter", () => {
  it("a non-inline header (user_key): the first value is the credential", async () => {
    const sim = await startFilter(config({}, { credentials: { user_key: [{ header: { keys: ["user_key"] } }] } }));
    send(sim, requestHeaders("GET", "/", [["user_key", "first"], ["user_key", "second"]]));
    expect(credentialsOf(onlyAuthrep(sim).authrep)).toEqual({ user_key: "first" });
  });

  it("an inline header (x-forwarded-host): the joined value is the credential, as in Envoy", async () => {
    const sim = await startFilter(config({}, { credentials: { user_key: [{ header: { keys: ["x-forwarded-host"] } }] } }));
    send(sim, requestHeaders("GET", "/", [["x-forwarded-host", "first"], ["x-forwarded-host", "second"]]));
    // (percent-encoded in the authrep query)
    expect(credentialsOf(onlyAuthrep(sim).authrep)).toEqual({ user_key: "first%2Csecond" });
  });
});
