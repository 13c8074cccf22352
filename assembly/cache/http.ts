// proxy_http_call with a request body (the shared hostcalls.httpCall sends none).
import * as imports from "@solo-io/proxy-runtime/assembly/imports";

// @ts-ignore: decorator
@lazy const RET_TOKEN = memory.data(8);

/** POST_TOKEN: the token of the latest successful httpCallWithBody. */
export let POST_TOKEN: u32 = 0;

export function httpCallWithBody(cluster: ArrayBuffer, headerPairs: ArrayBuffer, body: ArrayBuffer, timeoutMs: u32): u32 {
  store<u32>(RET_TOKEN, 0);
  const status = <u32>imports.proxy_http_call(changetype<usize>(cluster), cluster.byteLength,
    changetype<usize>(headerPairs), headerPairs.byteLength, changetype<usize>(body), body.byteLength, 0, 0, timeoutMs, RET_TOKEN);
  POST_TOKEN = load<u32>(RET_TOKEN);
  return status;
}
