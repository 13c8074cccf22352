// The exact XML bytes apisonator writes: no whitespace, no newline, `max_value` before
// `current_value`, `<reason>` and metric names unescaped, plan names escaped.
import { formatTime, type Period } from "./periods.js";

export const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>';

/** Escapes `&`, `<`, `>` only (quotes stay literal), as apisonator's error bodies do. */
export function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Builder's escaping for element text (the plan name). */
export function escapePlan(s: string): string {
  return escapeText(s);
}

export function errorXml(code: string, message: string): string {
  return `${XML_HEADER}<error code="${code}">${escapeText(message)}</error>`;
}

export interface UsageReportView {
  metric: string;
  period: Period;
  start: number | null;
  end: number | null;
  max: number;
  current: number;
  exceeded: boolean;
}

export interface StatusView {
  authorized: boolean;
  reason?: string;
  application?: { id: string; key: string; redirectTag: "redirect_url" | "redirect_uri"; redirect: string };
  plan: string;
  reports: UsageReportView[];
  appKeys?: { app: string; svc: string; keys: string[] };
  hierarchy?: Array<{ name: string; children: string[] }>;
}

export function statusXml(s: StatusView): string {
  let x = `${XML_HEADER}<status><authorized>${s.authorized}</authorized>`;
  if (!s.authorized && s.reason !== undefined) x += `<reason>${s.reason}</reason>`;
  if (s.application) {
    const a = s.application;
    x += `<application><id>${a.id}</id><key>${a.key}</key><${a.redirectTag}>${a.redirect}</${a.redirectTag}></application>`;
  }
  x += `<plan>${escapePlan(s.plan)}</plan>`;
  if (s.reports.length > 0) {
    x += "<usage_reports>";
    for (const r of s.reports) {
      x += `<usage_report metric="${r.metric}" period="${r.period}"${r.exceeded ? ' exceeded="true"' : ""}>`;
      if (r.start !== null && r.end !== null) {
        x += `<period_start>${formatTime(r.start)}</period_start><period_end>${formatTime(r.end)}</period_end>`;
      }
      x += `<max_value>${r.max}</max_value><current_value>${r.current}</current_value></usage_report>`;
    }
    x += "</usage_reports>";
  }
  if (s.appKeys) {
    x += `<app_keys app="${s.appKeys.app}" svc="${s.appKeys.svc}">`;
    for (const k of s.appKeys.keys) x += `<key id="${k}"/>`;
    x += "</app_keys>";
  }
  if (s.hierarchy) {
    x += "<hierarchy>";
    for (const m of s.hierarchy) x += `<metric name="${m.name}" children="${m.children.join(" ")}"/>`;
    x += "</hierarchy>";
  }
  return `${x}</status>`;
}
