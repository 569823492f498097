/**
 * Test data: a handleSummary `data` object shaped as k6 documents it (results-output/
 * end-of-test/custom-summary: root_group, options, state, metrics with type, contains,
 * values and thresholds; counter values {count, rate}, rate values {rate, passes, fails},
 * gauge values {value, min, max}, trend values keyed by summaryTrendStats), filled with
 * the metrics a feedscale script registers. Used by the converter and runner tests.
 */
import type { K6SummaryData, K6SummaryMetric } from './summary-to-result.ts';
import { errorMetricName, intendedLatencyMetricName, latencyMetricName, okMetricName, sentMetricName, type ErrorKind, type RecordedEndpoint } from './metric-names.ts';
import { SUMMARY_TREND_STATS } from './plan-to-options.ts';

export interface FixtureEndpoint {
  endpoint: RecordedEndpoint;
  sent: number;
  ok: number;
  errors?: Partial<Record<ErrorKind, number>>;
  /** Latency stats in ms. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  minMs: number;
  maxMs: number;
  avgMs: number;
  /** Threshold results on this endpoint's Trend, e.g. { 'p(99)<250': true }. */
  thresholds?: Record<string, boolean>;
  /** Latency from the intended start, added to every stat of the from-send Trend; absent: no intended Trend. */
  intendedExtraMs?: number;
}

export interface FixtureOptions {
  endpoints: FixtureEndpoint[];
  testRunDurationMs: number;
  droppedIterations?: number;
  /** Threshold results on http_req_failed{phase:measure}. */
  failedThreshold?: Record<string, boolean>;
}

function counter(count: number, runS: number): K6SummaryMetric {
  return { type: 'counter', contains: 'default', values: { count, rate: count / runS } };
}

function thresholds(results: Record<string, boolean> | undefined): Pick<K6SummaryMetric, 'thresholds'> {
  if (!results) return {};
  return { thresholds: Object.fromEntries(Object.entries(results).map(([name, ok]) => [name, { ok }])) };
}

export function buildK6Summary(options: FixtureOptions): K6SummaryData {
  const runS = options.testRunDurationMs / 1000;
  const metrics: Record<string, K6SummaryMetric> = {};
  let requests = 0;
  let failed = 0;
  for (const e of options.endpoints) {
    requests += e.sent;
    failed += e.sent - e.ok;
    metrics[sentMetricName(e.endpoint)] = counter(e.sent, runS);
    if (e.ok > 0) metrics[okMetricName(e.endpoint)] = counter(e.ok, runS);
    for (const [kind, n] of Object.entries(e.errors ?? {})) metrics[errorMetricName(e.endpoint, kind as ErrorKind)] = counter(n, runS);
    const values: Record<string, number> = {
      avg: e.avgMs,
      min: e.minMs,
      med: e.p50Ms,
      max: e.maxMs,
      'p(50)': e.p50Ms,
      'p(90)': e.p90Ms,
      'p(99)': e.p99Ms,
      'p(99.9)': e.p999Ms,
      count: e.sent,
    };
    metrics[latencyMetricName(e.endpoint)] = { type: 'trend', contains: 'time', values, ...thresholds(e.thresholds) };
    if (e.intendedExtraMs !== undefined) {
      const extra = e.intendedExtraMs;
      const shifted = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, k === 'count' ? v : v + extra]));
      metrics[intendedLatencyMetricName(e.endpoint)] = { type: 'trend', contains: 'time', values: shifted };
    }
  }
  metrics.http_reqs = counter(requests, runS);
  metrics.iterations = counter(requests, runS);
  metrics.http_req_duration = {
    type: 'trend',
    contains: 'time',
    values: { avg: 4.2, min: 0.8, med: 3.1, max: 80.5, 'p(50)': 3.1, 'p(90)': 7.9, 'p(99)': 25.0, 'p(99.9)': 70.2, count: requests },
  };
  metrics['http_req_failed{phase:measure}'] = {
    type: 'rate',
    contains: 'default',
    values: { rate: requests > 0 ? failed / requests : 0, passes: failed, fails: requests - failed },
    ...thresholds(options.failedThreshold),
  };
  metrics.vus = { type: 'gauge', contains: 'default', values: { value: 2, min: 1, max: 9 } };
  metrics.vus_max = { type: 'gauge', contains: 'default', values: { value: 300, min: 75, max: 300 } };
  const dropped = options.droppedIterations ?? 0;
  metrics.dropped_iterations = { ...counter(dropped, runS), thresholds: { 'count==0': { ok: dropped === 0 } } };
  return {
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: { summaryTrendStats: [...SUMMARY_TREND_STATS], summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: options.testRunDurationMs },
    metrics,
  };
}
