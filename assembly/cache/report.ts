// The batched report (3scale's backend API): `POST /transactions.xml`, form-encoded, one
// transaction per application, every key fully bracketed (`transactions[0][usage][hits]`).
import { percentEncodeValue } from "../util/percent";
import { mask } from "../util/secrets";
import { joinStrings } from "../util/strings";
import { CredKind } from "./record";

/** ReportTransaction: one application's usage in one report. */
@final
export class ReportTransaction {
  metrics: Array<string> = [];
  values: Array<i64> = [];
  constructor(public readonly credKind: CredKind, public readonly credential: string) {}

  add(metric: string, value: i64): void {
    const at = this.metrics.indexOf(metric);
    if (at >= 0) {
      unchecked(this.values[at] += value);
    } else {
      this.metrics.push(metric);
      this.values.push(value);
    }
  }

  /** empty: nothing to report. Only positive totals are reported: 3scale rejects a negative value
   * asynchronously and then drops the whole batch (3scale's backend API). */
  get empty(): bool {
    for (let i = 0, n = this.values.length; i < n; i++) if (unchecked(this.values[i]) > 0) return false;
    return true;
  }
}

/** ServiceReport: one service's transactions; apps are merged by credential. */
@final
export class ServiceReport {
  readonly transactions: Array<ReportTransaction> = [];
  constructor(public readonly serviceId: string) {}

  hasUsage(): bool {
    const list = this.transactions;
    for (let i = 0, n = list.length; i < n; i++) if (!unchecked(list[i]).empty) return true;
    return false;
  }

  transactionFor(kind: CredKind, credential: string): ReportTransaction {
    const list = this.transactions;
    for (let i = 0, n = list.length; i < n; i++) {
      const t = unchecked(list[i]);
      if (t.credKind == kind && t.credential == credential) return t;
    }
    const t = new ReportTransaction(kind, credential);
    list.push(t);
    return t;
  }
}

/** reportBody: the form body; with `masked`, the token and user keys are masked (debug logs only). */
export function reportBody(report: ServiceReport, serviceToken: string, masked: bool): string {
  const parts = new Array<string>();
  parts.push("service_token=");
  parts.push(masked ? mask(serviceToken) : percentEncodeValue(serviceToken));
  parts.push("&service_id=");
  parts.push(percentEncodeValue(report.serviceId));
  let index = 0;
  const list = report.transactions;
  for (let i = 0, n = list.length; i < n; i++) {
    const t = unchecked(list[i]);
    if (t.empty) continue;
    const head = "&transactions[" + index.toString() + "]";
    parts.push(head);
    if (t.credKind == CredKind.UserKey) {
      parts.push("[user_key]=");
      parts.push(masked ? mask(t.credential) : percentEncodeValue(t.credential));
    } else {
      parts.push("[app_id]=");
      parts.push(percentEncodeValue(t.credential));
    }
    for (let j = 0, m = t.metrics.length; j < m; j++) {
      const v = unchecked(t.values[j]);
      if (v <= 0) continue;
      parts.push(head);
      parts.push("[usage][");
      parts.push(percentEncodeValue(unchecked(t.metrics[j])));
      parts.push("]=");
      parts.push(v.toString());
    }
    index++;
  }
  return joinStrings(parts, "");
}
