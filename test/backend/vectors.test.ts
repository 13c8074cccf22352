// Every test vector of 3scale's backend API (apisonator's own integration tests), one row
// each, driven over real HTTP against a fresh simulator seeded with the provider fixtures.
import { afterEach, describe, expect, it } from "vitest";
import type { BackendSimulator, ManualClock } from "../../src-host-sim/backend/index.js";
import {
  CT,
  type SeedDoc,
  XML,
  app,
  errorBody,
  get,
  providerFixtures,
  send,
  setLimits,
  setMetrics,
  startBackend,
  statusBody,
  svc,
} from "./helpers.js";

const AZ = "/transactions/authorize.xml?";
const AR = "/transactions/authrep.xml?";
const OAZ = "/transactions/oauth_authorize.xml?";
const OAR = "/transactions/oauth_authrep.xml?";
const NO_BODY = { "3scale-options": "no_body=1" };
const RRH = { "3scale-options": "rejection_reason_header=1" };
const LH = { "3scale-options": "limit_headers=1" };

interface Step {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  exact?: string;
  contains?: string[];
  absent?: string[];
  header?: Record<string, string | null>;
}

interface Vector {
  n: string;
  setup?: (doc: SeedDoc) => void;
  prepare?: (sim: BackendSimulator, clock: ManualClock) => void;
  now?: string;
  steps: Step[];
  after?: (sim: BackendSimulator) => Promise<void> | void;
}

const hitsDay = (v: number) => (d: SeedDoc) => setLimits(d, [{ metric: "hits", period: "day", value: v }]);
const reported = (metric: string, n: number, at?: string) => (sim: BackendSimulator, clock: ManualClock) =>
  sim.addUsage("1001", "A", metric, n, at ? Date.parse(at) : clock.now());
const bv = (v: string) => (d: SeedDoc) => {
  svc(d)["backend_version"] = v;
};
const userKeyApp = (key: string) => (d: SeedDoc) => {
  svc(d)["backend_version"] = "1";
  app(d)["user_key"] = key;
};
const keys = (...k: string[]) => (d: SeedDoc) => {
  app(d)["keys"] = k;
};
const all =
  (...fs: Array<(d: SeedDoc) => void>) =>
  (d: SeedDoc) => {
    for (const f of fs) f(d);
  };
const parentChild = (parent: string, children: string[]) => (d: SeedDoc) =>
  setMetrics(d, [{ name: parent }, ...children.map((c) => ({ name: c, parent }))]);

const monthReport = (max: number, cur: number, extra = "") =>
  `<usage_report metric="hits" period="month"${extra}><period_start>2010-05-01 00:00:00 +0000</period_start><period_end>2010-06-01 00:00:00 +0000</period_end><max_value>${max}</max_value><current_value>${cur}</current_value></usage_report>`;
const dayReport = (max: number, cur: number, extra = "", metric = "hits") =>
  `<usage_report metric="${metric}" period="day"${extra}><period_start>2010-05-15 00:00:00 +0000</period_start><period_end>2010-05-16 00:00:00 +0000</period_end><max_value>${max}</max_value><current_value>${cur}</current_value></usage_report>`;
const eternityReport = (max: number, cur: number, extra = "", metric = "hits") =>
  `<usage_report metric="${metric}" period="eternity"${extra}><max_value>${max}</max_value><current_value>${cur}</current_value></usage_report>`;

const vectors: Vector[] = [
  {
    n: "#1 authorize without limits: authorized, plan name, no usage_reports",
    steps: [{ path: `${AZ}provider_key=pk&app_id=A`, status: 200, exact: statusBody("<authorized>true</authorized><plan>planN</plan>") }],
  },
  {
    n: "#2 authorize shows month and day reports with exact boundaries and values",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "day", value: 100 }, { metric: "hits", period: "month", value: 10000 }]),
    prepare: (sim, clock) => {
      reported("hits", 3, "2010-05-14T12:00:00Z")(sim, clock);
      reported("hits", 2)(sim, clock);
    },
    steps: [
      {
        path: `${AZ}provider_key=pk&app_id=A`,
        status: 200,
        exact: statusBody(`<authorized>true</authorized><plan>planN</plan><usage_reports>${monthReport(10000, 5)}${dayReport(100, 2)}</usage_reports>`),
      },
    ],
  },
  {
    n: "#3 invalid provider key without service id is provider_key_invalid_or_service_missing (no_body: empty)",
    steps: [
      {
        path: `${AZ}provider_key=invalid_key&app_id=A`,
        status: 403,
        exact: errorBody("provider_key_invalid_or_service_missing", 'provider key "invalid_key" invalid and/or service ID missing'),
      },
      { path: `${AZ}provider_key=invalid_key&app_id=A`, headers: NO_BODY, status: 403, exact: "" },
    ],
  },
  {
    n: "#4 unknown app id is application_not_found on authorize and authrep (no_body: empty)",
    steps: [
      { path: `${AZ}provider_key=pk&app_id=boo`, status: 404, exact: errorBody("application_not_found", 'application with id="boo" was not found') },
      { path: `${AR}provider_key=pk&app_id=boo`, status: 404, exact: errorBody("application_not_found", 'application with id="boo" was not found') },
      { path: `${AZ}provider_key=pk&app_id=boo`, headers: NO_BODY, status: 404, exact: "" },
    ],
  },
  {
    n: "#5 no app_id is application_not_found (application id is missing)",
    steps: [{ path: `${AZ}provider_key=pk`, status: 404, exact: errorBody("application_not_found", "application id is missing") }],
  },
  {
    n: "#6 a service of another provider is service_id_invalid",
    steps: [{ path: `${AZ}provider_key=pk&service_id=2002&app_id=B`, status: 403, exact: errorBody("service_id_invalid", 'service id "2002" is invalid') }],
  },
  {
    n: "#7 suspended application is denied with 409 application is not active (no_body: empty)",
    setup: (d) => {
      app(d)["state"] = "suspended";
    },
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A`, status: 409, exact: statusBody("<authorized>false</authorized><reason>application is not active</reason><plan>planN</plan>") },
      { path: `${AR}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>application is not active</reason>"] },
      { path: `${AR}provider_key=pk&app_id=A`, headers: NO_BODY, status: 409, exact: "" },
    ],
  },
  {
    n: "#8 exceeded day limit: 409, exceeded only on the day report",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "day", value: 4 }, { metric: "hits", period: "month", value: 10 }]),
    prepare: reported("hits", 5),
    steps: [
      {
        path: `${AZ}provider_key=pk&app_id=A`,
        status: 409,
        exact: statusBody(
          `<authorized>false</authorized><reason>usage limits are exceeded</reason><plan>planN</plan><usage_reports>${monthReport(10, 5)}${dayReport(4, 5, ' exceeded="true"')}</usage_reports>`,
        ),
      },
      { path: `${AR}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>usage limits are exceeded</reason>"] },
    ],
  },
  {
    n: "#9 eternity report has no period_start/period_end",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "month", value: 4 }, { metric: "hits", period: "eternity", value: 10 }]),
    prepare: reported("hits", 3),
    steps: [
      {
        path: `${AZ}provider_key=pk&app_id=A`,
        status: 200,
        exact: statusBody(`<authorized>true</authorized><plan>planN</plan><usage_reports>${eternityReport(10, 3)}${monthReport(4, 3)}</usage_reports>`),
      },
    ],
  },
  {
    n: "#10 exceeded eternity limit: 409 with exceeded eternity report",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "month", value: 20 }, { metric: "hits", period: "eternity", value: 2 }]),
    prepare: reported("hits", 3),
    steps: [{ path: `${AZ}provider_key=pk&app_id=A`, status: 409, contains: [eternityReport(2, 3, ' exceeded="true"'), monthReport(20, 3)] }],
  },
  {
    n: "#11 usage that is not a hash gives 403 with an empty body",
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A&usage=`, status: 403, exact: "" },
      { path: `${AZ}provider_key=pk&app_id=A&usage=1001`, status: 403, exact: "" },
      { path: `${AR}provider_key=pk&app_id=A&usage=`, status: 403, exact: "" },
      { path: `${AR}provider_key=pk&app_id=A&usage=1001`, status: 403, exact: "" },
    ],
  },
  {
    n: "#12 invalid UTF-8 in provider_key, app_id, app_key or a usage key is 422 not_valid_data",
    steps: ["provider_key=%F0%90%28%BC&app_id=A", "provider_key=pk&app_id=%F0%90%28%BC", "provider_key=pk&app_id=A&app_key=%F0%90%28%BC", "provider_key=pk&app_id=A&usage%5B%F0%90%28%BC%5D=1"].map((q) => ({
      path: `${AZ}${q}`,
      status: 422,
      exact: errorBody("not_valid_data", "all data must be valid UTF8"),
    })),
  },
  {
    n: "#13 a registered service token authorizes, authreps and reports",
    steps: [
      { path: `${AZ}service_token=a_token&service_id=1001&app_id=A`, status: 200 },
      { path: `${AR}service_token=a_token&service_id=1001&app_id=A`, status: 200 },
      { method: "POST", path: "/transactions.xml", body: "service_token=a_token&service_id=1001&transactions[0][app_id]=A&transactions[0][usage][hits]=1", status: 202, exact: "" },
    ],
  },
  {
    n: "#14 service token with blank or missing service id is 422 service_id_missing",
    steps: [`${AZ}service_token=a_token&service_id=&app_id=A`, `${AZ}service_token=a_token&app_id=A`, `${AR}service_token=a_token&app_id=A`].map((path) => ({
      path,
      status: 422,
      exact: errorBody("service_id_missing", "Service ID is missing"),
    })),
  },
  {
    n: "#15 blank or missing service token is provider_key_or_service_token_required",
    steps: [`${AZ}service_token=&service_id=1001&app_id=A`, `${AZ}service_id=1001&app_id=A`, `${AR}service_id=1001&app_id=A`].map((path) => ({
      path,
      status: 403,
      exact: errorBody("provider_key_or_service_token_required", "Provider key or service token are required"),
    })),
  },
  {
    n: "#16 a token registered for a service that does not exist is service_token_invalid",
    steps: [
      {
        path: `${AZ}service_token=a_token&service_id=id_non_existing_service&app_id=A`,
        status: 403,
        exact: errorBody("service_token_invalid", 'service token "a_token" or service id "id_non_existing_service" is invalid'),
      },
    ],
  },
  {
    n: "#17 provider_key wins over a valid service token pair",
    steps: [
      {
        path: `${AZ}provider_key=non_existing_key&service_token=a_token&service_id=1001&app_id=A`,
        status: 403,
        exact: errorBody("provider_key_invalid", 'provider key "non_existing_key" is invalid'),
      },
    ],
  },
  {
    n: "#18 rejection_reason_header adds 3scale-rejection-reason on 409 only when requested",
    setup: hitsDay(1),
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A&usage[hits]=2`, headers: RRH, status: 409, header: { "3scale-rejection-reason": "limits_exceeded" } },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=2`, headers: RRH, status: 409, header: { "3scale-rejection-reason": "limits_exceeded" } },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=2`, status: 409, header: { "3scale-rejection-reason": null } },
    ],
  },
  {
    n: "#19 unknown metric is 404 metric_invalid (no_body: empty)",
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A&usage[non_existing]=1`, status: 404, exact: errorBody("metric_invalid", 'metric "non_existing" is invalid') },
      { path: `${AR}provider_key=pk&app_id=A&usage[non_existing]=1`, status: 404, exact: errorBody("metric_invalid", 'metric "non_existing" is invalid') },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=1&usage[non_existing]=1`, headers: NO_BODY, status: 404, exact: "" },
    ],
    after: (sim) => expect(sim.usage("1001", "A", "hits", "day")).toBe(0),
  },
  {
    n: "#20 backend_version 1 ignores app_id: user key is missing",
    setup: userKeyApp("user_key_A"),
    steps: [{ path: `${AZ}provider_key=pk&app_id=A`, status: 403, exact: errorBody("user_key_invalid", "user key is missing") }],
  },
  {
    n: "#21 backend_version 1 authorizes by user_key",
    setup: userKeyApp("user_key_A"),
    steps: [{ path: `${AZ}provider_key=pk&user_key=user_key_A`, status: 200 }],
  },
  {
    n: "#22 backend_version 2 with only a user_key: application id is missing",
    setup: (d) => {
      app(d)["user_key"] = "user_key_A";
    },
    steps: [{ path: `${AZ}provider_key=pk&user_key=user_key_A`, status: 404, exact: errorBody("application_not_found", "application id is missing") }],
  },
  {
    n: "#23 bv 2 app with a key needs it; on bv oauth oauth_authorize takes no key but rejects a wrong one",
    setup: keys("k1"),
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>application key is missing</reason>"] },
      { path: `${AZ}provider_key=pk&app_id=A&app_key=k1`, status: 200 },
      { path: `${OAZ}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>oauth is not enabled</reason>"] },
    ],
  },
  {
    n: "#23b after switching to bv oauth: oauth_authorize with no key is 200, a wrong key 409",
    setup: all(keys("k1"), bv("oauth")),
    steps: [
      { path: `${OAZ}provider_key=pk&app_id=A`, status: 200 },
      { path: `${OAZ}provider_key=pk&app_id=A&app_key=invalid_key`, status: 409, contains: ['<reason>application key "invalid_key" is invalid</reason>'] },
    ],
  },
  {
    n: "#24 authrep on a non-oauth service: a missing key is application key is missing",
    setup: keys("k1"),
    steps: [{ path: `${AR}provider_key=pk&service_id=1001&app_id=A`, status: 409, contains: ["<reason>application key is missing</reason>"] }],
  },
  {
    n: "#25 authrep.xml on an oauth service: wrong key 409, no key 200, either defined key 200",
    setup: all(keys("some_key", "other_key"), bv("oauth")),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&app_key=invalid_key`, status: 409, contains: ['<reason>application key "invalid_key" is invalid</reason>'] },
      { path: `${AR}provider_key=pk&app_id=A`, status: 200 },
      { path: `${AR}provider_key=pk&app_id=A&app_key=some_key`, status: 200 },
      { path: `${AR}provider_key=pk&app_id=A&app_key=other_key`, status: 200 },
      { path: `${AR}provider_key=pk&app_id=A&app_key=`, status: 409, contains: ["<reason>application key is missing</reason>"] },
    ],
  },
  {
    n: "#26 bv 1 authrep by user_key is 200",
    setup: userKeyApp("foobar"),
    steps: [{ path: `${AR}provider_key=pk&user_key=foobar`, status: 200 }],
  },
  {
    n: "#26b oauth_authrep with only a user_key is application_not_found",
    setup: all(bv("oauth"), (d) => {
      app(d)["user_key"] = "foobar";
    }),
    steps: [{ path: `${OAR}provider_key=pk&user_key=foobar`, status: 404, exact: errorBody("application_not_found", "application id is missing") }],
  },
  {
    n: "#27 unknown user key is user_key_invalid",
    setup: userKeyApp("foobar"),
    steps: [{ path: `${AR}provider_key=pk&user_key=biteme`, status: 403, exact: errorBody("user_key_invalid", 'user key "biteme" is invalid') }],
  },
  {
    n: "#28 app_id and user_key together is authentication_error",
    setup: userKeyApp("foobar"),
    steps: [{ path: `${AR}provider_key=pk&app_id=A&user_key=foobar`, status: 403, exact: errorBody("authentication_error", "either app_id or user_key is allowed, not both") }],
  },
  {
    n: "#29 denied authrep reports nothing and shows the stored value",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "day", value: 4 }, { metric: "hits", period: "month", value: 100 }]),
    prepare: reported("hits", 3),
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hits]=2`, status: 409, contains: ["<reason>usage limits are exceeded</reason>", dayReport(4, 3), monthReport(100, 3)] }],
    after: (sim) => expect(sim.usage("1001", "A", "hits", "month")).toBe(3),
  },
  {
    n: "#30 a metric over its limit does not block usage of another; current includes this call",
    setup: all(
      (d) => setMetrics(d, [{ name: "hits" }, { name: "hacks" }]),
      (d) => setLimits(d, [{ metric: "hits", period: "day", value: 4 }, { metric: "hacks", period: "day", value: 4 }]),
    ),
    prepare: (sim, clock) => {
      reported("hits", 2)(sim, clock);
      reported("hacks", 5)(sim, clock);
    },
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=1`, status: 200, contains: [dayReport(4, 3), dayReport(4, 5, ' exceeded="true"', "hacks")] },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=1`, status: 200, contains: [dayReport(4, 4)] },
    ],
  },
  {
    n: "#31 a parent over its limit blocks usage of a child",
    setup: all(parentChild("hits", ["queries"]), hitsDay(4)),
    prepare: reported("hits", 5),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[queries]=1`, status: 409, contains: ["<reason>usage limits are exceeded</reason>"] },
      { path: `${AZ}provider_key=pk&app_id=A&usage[queries]=1`, status: 409, contains: ["<reason>usage limits are exceeded</reason>"] },
    ],
  },
  {
    n: "#32 child usage propagates to the parent",
    setup: all(parentChild("hits", ["child_hits"]), (d) =>
      setLimits(d, [{ metric: "hits", period: "eternity", value: 20 }, { metric: "child_hits", period: "eternity", value: 10 }]),
    ),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=1&usage[child_hits]=1`, status: 200, contains: [eternityReport(20, 2), eternityReport(10, 1, "", "child_hits")] },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=1&usage[child_hits]=1`, status: 200, contains: [eternityReport(20, 4), eternityReport(10, 2, "", "child_hits")] },
    ],
  },
  {
    n: "#33 parent gets its own plus its children's usage over several calls",
    setup: all(parentChild("hits", ["child_hits"]), (d) =>
      setLimits(d, [{ metric: "hits", period: "eternity", value: 200 }, { metric: "child_hits", period: "eternity", value: 100 }]),
    ),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=2&usage[child_hits]=5`, status: 200, contains: [eternityReport(200, 7), eternityReport(100, 5, "", "child_hits")] },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=3&usage[child_hits]=2`, status: 200, contains: [eternityReport(200, 12), eternityReport(100, 7, "", "child_hits")] },
      { path: `${AR}provider_key=pk&app_id=A&usage[child_hits]=50`, status: 200, contains: [eternityReport(200, 62), eternityReport(100, 57, "", "child_hits")] },
    ],
  },
  {
    n: "#34 limit headers: remaining same calls, seconds to the end of the day, max value",
    setup: all(
      (d) => setMetrics(d, [{ name: "hits" }, { name: "metric2" }]),
      (d) =>
        setLimits(d, [
          { metric: "hits", period: "day", value: 100 },
          { metric: "hits", period: "hour", value: 100 },
          { metric: "metric2", period: "day", value: 200 },
        ]),
    ),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=10&usage[metric2]=10`, headers: LH, status: 200, header: { "3scale-limit-remaining": "9", "3scale-limit-reset": "39600", "3scale-limit-max-value": "100" } },
      { path: `${AZ}provider_key=pk&app_id=A&usage[hits]=10&usage[metric2]=10`, headers: LH, status: 200, header: { "3scale-limit-remaining": "9", "3scale-limit-max-value": "100" } },
    ],
  },
  {
    n: "#34b on authorize the remaining does not include this call",
    setup: all(
      (d) => setMetrics(d, [{ name: "hits" }, { name: "metric2" }]),
      (d) => setLimits(d, [{ metric: "hits", period: "day", value: 100 }, { metric: "hits", period: "hour", value: 100 }, { metric: "metric2", period: "day", value: 200 }]),
    ),
    steps: [{ path: `${AZ}provider_key=pk&app_id=A&usage[hits]=10&usage[metric2]=10`, headers: LH, status: 200, header: { "3scale-limit-remaining": "10", "3scale-limit-reset": "39600", "3scale-limit-max-value": "100" } }],
  },
  {
    n: "#35 limit headers on a limits_exceeded 409, one second before the end of the hour",
    now: "2010-05-15T13:59:59Z",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "day", value: 100 }, { metric: "hits", period: "hour", value: 10 }]),
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hits]=11`, headers: LH, status: 409, header: { "3scale-limit-remaining": "0", "3scale-limit-reset": "1", "3scale-limit-max-value": "10" } }],
  },
  {
    n: "#36 limit headers without limits: -1, -1 and no max value",
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hits]=10`, headers: LH, status: 200, header: { "3scale-limit-remaining": "-1", "3scale-limit-reset": "-1", "3scale-limit-max-value": null } }],
  },
  {
    n: "#37 limit headers with an eternity limit: reset -1",
    setup: (d) => setLimits(d, [{ metric: "hits", period: "eternity", value: 100 }]),
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hits]=2`, headers: LH, status: 200, header: { "3scale-limit-remaining": "49", "3scale-limit-reset": "-1", "3scale-limit-max-value": "100" } }],
  },
  {
    n: "#38 no limit headers on an application_key_invalid 409 or a 404",
    setup: all(keys("foo"), hitsDay(100)),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[invalid_metric]=1`, headers: LH, status: 409, contains: ["<reason>application key is missing</reason>"], header: { "3scale-limit-remaining": null, "3scale-limit-reset": null } },
      { path: `${AZ}provider_key=pk&app_id=A&app_key=foo&usage[invalid_metric]=1`, headers: LH, status: 404, header: { "3scale-limit-remaining": null, "3scale-limit-reset": null } },
    ],
  },
  {
    n: "#39 suspended service is denied with service is not active",
    setup: (d) => {
      svc(d)["state"] = "suspended";
    },
    steps: [{ path: `${AR}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>service is not active</reason>"] }],
  },
  {
    n: "#40 #N sets the value",
    setup: all(parentChild("hits", ["hits_child_1", "hits_child_2"]), (d) =>
      setLimits(d, [{ metric: "hits", period: "day", value: 100 }, { metric: "hits_child_1", period: "day", value: 50 }, { metric: "hits_child_2", period: "day", value: 50 }]),
    ),
    prepare: reported("hits", 7),
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hits]=%2399`, status: 200, contains: [dayReport(100, 99)] }],
    after: (sim) => expect(sim.usage("1001", "A", "hits", "day")).toBe(99),
  },
  {
    n: "#41 malformed set values are usage_value_invalid and nothing is applied",
    setup: parentChild("hits", ["hits_child_1", "hits_child_2"]),
    steps: [
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=%23%233`, status: 403, exact: errorBody("usage_value_invalid", 'usage value "##3" for metric "hits" is invalid') },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=%23`, status: 403, exact: errorBody("usage_value_invalid", 'usage value "#" for metric "hits" is invalid') },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=%20`, status: 403, exact: errorBody("usage_value_invalid", 'usage value for metric "hits" can not be empty') },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=-1`, status: 403, exact: errorBody("usage_value_invalid", 'usage value "-1" for metric "hits" is invalid') },
      { path: `${AR}provider_key=pk&app_id=A&usage[hits]=%2355&usage[hits_child_1]=-%2355`, status: 403, exact: errorBody("usage_value_invalid", 'usage value "-#55" for metric "hits_child_1" is invalid') },
    ],
    after: (sim) => expect(sim.usage("1001", "A", "hits", "eternity")).toBe(0),
  },
  {
    n: "#42 unknown metric with a set-like value is metric_invalid",
    steps: [{ path: `${AR}provider_key=pk&app_id=A&usage[hitssssss]=55`, status: 404, exact: errorBody("metric_invalid", 'metric "hitssssss" is invalid') }],
  },
  {
    n: "#43 oauth_authorize adds the application section",
    setup: all(bv("oauth"), keys("K"), (d) => {
      app(d)["redirect_url"] = "http://3scale.net";
    }),
    steps: [
      {
        path: `${OAZ}provider_key=pk&app_id=A`,
        status: 200,
        exact: statusBody("<authorized>true</authorized><application><id>A</id><key>K</key><redirect_url>http://3scale.net</redirect_url></application><plan>planN</plan>"),
      },
    ],
  },
  {
    n: "#44 oauth redirect_url / redirect_uri mismatch is 409; redirect_url wins",
    setup: all(bv("oauth"), keys("K"), (d) => {
      app(d)["redirect_url"] = "http://3scale.net";
    }),
    steps: [
      { path: `${OAZ}provider_key=pk&app_id=A&redirect_url=http://3scale.net2`, status: 409, contains: ['<reason>redirect_url "http://3scale.net2" is invalid</reason>'] },
      { path: `${OAZ}provider_key=pk&app_id=A&redirect_uri=http://3scale.net2`, status: 409, contains: ['<reason>redirect_uri "http://3scale.net2" is invalid</reason>', "<redirect_uri>http://3scale.net</redirect_uri>"] },
      { path: `${OAZ}provider_key=pk&app_id=A&redirect_uri=http://3scale.net2&redirect_url=http://x`, status: 409, contains: ['<reason>redirect_url "http://x" is invalid</reason>'] },
      { path: `${OAZ}provider_key=pk&app_id=A&redirect_url=http://3scale.net`, status: 200 },
      { path: `${OAZ}provider_key=pk&app_id=A&redirect_url=&redirect_uri=http://x`, status: 200, contains: ["<redirect_url>http://3scale.net</redirect_url>"] },
    ],
  },
  {
    n: "#45 referrer filters: missing, not allowed, bypass",
    setup: (d) => {
      svc(d)["referrer_filters_required"] = true;
      app(d)["referrer_filters"] = ["foo.example.org"];
    },
    steps: [
      { path: `${AR}provider_key=pk&app_id=A`, status: 409, contains: ["<reason>referrer is missing</reason>"] },
      { path: `${AR}provider_key=pk&app_id=A&referrer=bar.example.org`, status: 409, contains: ['<reason>referrer "bar.example.org" is not allowed</reason>'] },
      { path: `${AR}provider_key=pk&app_id=A&referrer=*`, status: 200 },
      { path: `${AR}provider_key=pk&app_id=A&referrer=foo.example.org`, status: 200 },
    ],
  },
  {
    n: "#46 user_id is end_users_no_longer_supported",
    steps: [
      { path: `${AZ}provider_key=pk&user_id=123`, status: 400, exact: errorBody("end_users_no_longer_supported", "End-users are no longer supported, do not specify the user_id parameter") },
      { path: `${AZ}provider_key=invalid&user_id=123`, status: 400, contains: ["end_users_no_longer_supported"] },
    ],
  },
  {
    n: "#47 a malformed nested parameter is 400 bad_request",
    steps: [
      { path: `${AZ}provider_key=pk&app_id=A&usage[]=1&usage[hits]=1`, status: 400, exact: errorBody("bad_request", "request contains syntax errors, should not be repeated without modification") },
    ],
  },
  {
    n: "#48 unknown routes and methods are 404 with an empty body",
    steps: [
      { method: "GET", path: "/transactions.xml", status: 404, exact: "" },
      { method: "POST", path: "/transaction/authorize.xml", status: 404, exact: "" },
      { method: "POST", path: "/foo.html", status: 404, exact: "" },
      { method: "POST", path: "/transactions/authrep.xml?provider_key=pk&app_id=A", status: 404, exact: "" },
    ],
  },
  {
    n: "#49 report is 202 with an empty body and updates month, day and hour",
    now: "2010-05-10T17:36:00Z",
    steps: [{ method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=1", status: 202, exact: "" }],
    after: async (sim) => {
      await sim.flushReports();
      expect([sim.usage("1001", "A", "hits", "month"), sim.usage("1001", "A", "hits", "day"), sim.usage("1001", "A", "hits", "hour")]).toEqual([1, 1, 1]);
    },
  },
  {
    n: "#50 report credential and shape errors are synchronous",
    steps: [
      { method: "POST", path: "/transactions.xml", body: "provider_key=invalid_key&transactions[0][app_id]=A&transactions[0][usage][hits]=1", status: 403, exact: errorBody("provider_key_invalid_or_service_missing", 'provider key "invalid_key" invalid and/or service ID missing') },
      { method: "POST", path: "/transactions.xml", body: "transactions[0][app_id]=A&transactions[0][usage][hits]=1", status: 403, exact: errorBody("provider_key_or_service_token_required", "Provider key or service token are required") },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions=i_am_a_string", status: 400, exact: errorBody("transactions_format_invalid", "transactions format is invalid") },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=1&transactions[1]", status: 400, exact: errorBody("transactions_has_nil_transaction", "transactions has a nil transaction") },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk", status: 400, exact: errorBody("transactions_is_blank", "transactions parameter is blank") },
    ],
  },
  {
    n: "#51 report with an unknown app, metric or bad value is 202; the batch is dropped and logged",
    steps: [
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=1&transactions[1][app_id]=boo&transactions[1][usage][hits]=1", status: 202, exact: "" },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][nukes]=1", status: 202, exact: "" },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=+", status: 202, exact: "" },
      { method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][hits]=tons!", status: 202, exact: "" },
    ],
    after: async (sim) => {
      await sim.flushReports();
      expect(sim.usage("1001", "A", "hits", "eternity")).toBe(0);
      expect(sim.errors("1001").map((e) => `${e.code}: ${e.message}`)).toEqual([
        'application_not_found: application with id="boo" was not found',
        'metric_invalid: metric "nukes" is invalid',
        'usage_value_invalid: usage value for metric "hits" can not be empty',
        'usage_value_invalid: usage value "tons!" for metric "hits" is invalid',
      ]);
    },
  },
  {
    n: "#52 report on the bottom of a 3-level hierarchy increments all levels",
    setup: (d) => setMetrics(d, [{ name: "hits" }, { name: "mid", parent: "hits" }, { name: "leaf", parent: "mid" }]),
    steps: [{ method: "POST", path: "/transactions.xml", body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][leaf]=1", status: 202 }],
    after: async (sim) => {
      await sim.flushReports();
      expect(["hits", "mid", "leaf"].map((m) => sim.usage("1001", "A", m, "day"))).toEqual([1, 1, 1]);
    },
  },
  {
    n: "#52b with flat_usage=1 only the bottom metric is incremented",
    setup: (d) => setMetrics(d, [{ name: "hits" }, { name: "mid", parent: "hits" }, { name: "leaf", parent: "mid" }]),
    steps: [{ method: "POST", path: "/transactions.xml", headers: { "3scale-options": "flat_usage=1" }, body: "provider_key=pk&transactions[0][app_id]=A&transactions[0][usage][leaf]=1", status: 202 }],
    after: async (sim) => {
      await sim.flushReports();
      expect(["hits", "mid", "leaf"].map((m) => sim.usage("1001", "A", m, "day"))).toEqual([0, 0, 1]);
    },
  },
];

describe("backend simulator: apisonator test vectors (reference)", () => {
  let sim: BackendSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it.each(vectors)("$n", async (v) => {
    const doc = providerFixtures();
    v.setup?.(doc);
    const started = await startBackend(doc, v.now);
    sim = started.sim;
    v.prepare?.(sim, started.clock);
    for (const [i, step] of v.steps.entries()) {
      const method = step.method ?? "GET";
      const headers = { ...(step.headers ?? {}) };
      if (step.body !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
      const r = await send(sim.url, method, step.path, headers, step.body);
      const where = `step ${i}: ${method} ${step.path}`;
      expect(r.status, where).toBe(step.status);
      if (step.exact !== undefined) expect(r.body, where).toBe(step.exact);
      for (const c of step.contains ?? []) expect(r.body, where).toContain(c);
      for (const [k, val] of Object.entries(step.header ?? {})) expect(r.headers[k], `${where} header ${k}`).toBe(val ?? undefined);
      if (r.status !== 204 && r.status !== 500) expect(r.headers["content-type"], where).toBe(CT);
    }
    await v.after?.(sim);
  });
});

describe("backend simulator: invariants", () => {
  let sim: BackendSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it.each([
    ["authorize allowed", `${AZ}provider_key=pk&app_id=A&usage[hits]=1`, 200],
    ["authrep allowed", `${AR}provider_key=pk&app_id=A&usage[hits]=1`, 200],
    ["authrep over the limit", `${AR}provider_key=pk&app_id=A&usage[hits]=9`, 409],
  ])("no_body keeps the status and empties the body: %s", async (_n, path, status) => {
    const doc = providerFixtures();
    hitsDay(5)(doc);
    ({ sim } = await startBackend(doc));
    const plain = await get(sim, path);
    sim.reset();
    const empty = await get(sim, path, NO_BODY);
    expect([plain.status, empty.status]).toEqual([status, status]);
    expect(plain.body.startsWith(XML)).toBe(true);
    expect(empty.body).toBe("");
  });

  it.each([
    ["raw brackets", "usage[hits]=2"],
    ["encoded brackets", "usage%5Bhits%5D=2"],
    ["lower-case encoded brackets", "usage%5bhits%5d=2"],
    ["mixed", "usage%5Bhits]=2"],
  ])("%s in usage are equivalent", async (_n, usage) => {
    const doc = providerFixtures();
    hitsDay(100)(doc);
    ({ sim } = await startBackend(doc));
    const r = await get(sim, `${AR}provider_key=pk&app_id=A&${usage}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(dayReport(100, 2));
    expect(sim.usage("1001", "A", "hits", "day")).toBe(2);
  });

  it.each([
    ["+", "my+metric"],
    ["%20", "my%20metric"],
    ["surrounding whitespace is stripped", "%20my%20metric%20"],
  ])("a space in a metric name can be written %s", async (_n, name) => {
    const doc = providerFixtures();
    setMetrics(doc, [{ name: "hits" }, { name: "my metric", parent: "hits" }]);
    ({ sim } = await startBackend(doc));
    const r = await get(sim, `${AR}provider_key=pk&app_id=A&usage[${name}]=3`);
    expect(r.status).toBe(200);
    expect(sim.usage("1001", "A", "my metric", "day")).toBe(3);
    expect(sim.usage("1001", "A", "hits", "day")).toBe(3);
  });

  it.each([
    ["an error reply", `${AR}provider_key=pk&app_id=boo`, 404],
    ["a 403 credential error", `${AR}provider_key=nope&app_id=A`, 403],
    ["a 409 other than limits", `${AR}provider_key=pk&app_id=A&app_key=x`, 409],
  ])("3scale-rejection-reason never appears on %s unless it is a 409 (%s)", async (_n, path, status) => {
    const doc = providerFixtures();
    keys("right")(doc);
    ({ sim } = await startBackend(doc));
    const r = await get(sim, path, RRH);
    expect(r.status).toBe(status);
    expect(r.headers["3scale-rejection-reason"]).toBe(status === 409 ? "application_key_invalid" : undefined);
  });

  it("listener replies carry the CORS and CSP headers; error replies only CORS", async () => {
    ({ sim } = await startBackend(providerFixtures()));
    const ok = await get(sim, `${AZ}provider_key=pk&app_id=A`);
    expect(ok.headers["access-control-allow-origin"]).toBe("*");
    expect(ok.headers["access-control-expose-headers"]).toBe("ETag, Link, 3scale-rejection-reason");
    expect(ok.headers["content-security-policy"]).toBe("default-src 'self'");
    const bad = await get(sim, `${AZ}provider_key=pk&app_id=boo`);
    expect(bad.headers["access-control-allow-origin"]).toBe("*");
    expect(bad.headers["content-security-policy"]).toBeUndefined();
  });
});
