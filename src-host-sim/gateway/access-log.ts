// One access-log line per request, at info: what was asked, what came back, and who answered
// (the upstream, the filter's local reply, or the gateway itself). Query values are dropped:
// they may be credentials.
import { pathForLog } from "./admission.js";

export class AccessLogEntry {
  /** who answered: `upstream`, `filter <details>`, `gateway <details>`, … */
  reply = "none";

  constructor(
    readonly method: string,
    public authority: string,
    public path: string,
  ) {}

  line(status: number, durationMs: number): string {
    return `access: ${this.method} ${this.authority || "-"} ${pathForLog(this.path) || "-"} ${status} ${durationMs.toFixed(1)}ms ${this.reply}`;
  }
}
