// Reads a porta proxy-config answer (behaviour.md §8.3) into a PortaAnswer, never trapping.
// OWNER: config (issue 4). Keep the public API below.
import { PortaAnswer } from "./model";

/** PortaParseResult: `answer` on success, else `error` (the `invalid answer: <why>` text). */
export class PortaParseResult {
  answer: PortaAnswer | null = null;
  error: string = "";
}

export function parsePortaAnswer(body: ArrayBuffer): PortaParseResult {
  const r = new PortaParseResult();
  r.error = "not implemented";
  return r;
}
