import { request } from 'undici';
import type { Collector, Timed } from './collector.ts';
import { type Bucket, type PromSample, histogramQuantile, parsePrometheusText, parseValue } from './prometheus-text.ts';
import { counterDelta, counterTotal, mapIntervals, maxOf, meanOf, ratePerS, ratio, round3, round3OrNull } from './rates.ts';
import type { AppInstanceMetrics, AppRouteSummary } from '../../lib/server-metrics-schema.ts';

/** The metric names system/app/plugins/metrics.ts registers (plus prom-client's process metrics). */
const REQUESTS = 'feedscale_http_requests_total';
const DURATION = 'feedscale_http_request_duration_seconds';
const CACHE = 'feedscale_cache_lookups_total';
const PG_QUERIES = 'feedscale_pg_queries_total';
/** The collector's own scrapes are not the workload. */
const OWN_ROUTE = '/metrics';

/** What one scrape keeps; keys join labels with a tab ("GET\t/users/:userId/feed\t200"). */
export interface AppSample {
  requests: Record<string, number>;
  /** By "method\troute": cumulative bucket counts by `le`, summed over status codes. */
  durationBuckets: Record<string, Record<string, number>>;
  durationSumS: Record<string, number>;
  durationCount: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
  pgQueriesByShard: Record<string, number>;
  cpuSeconds: number;
  residentMemoryBytes: number;
  eventLoopLagP99S: number | null;
}

const add = (record: Record<string, number>, key: string, value: number) => {
  record[key] = (record[key] ?? 0) + value;
};

export function toAppSample(samples: readonly PromSample[]): AppSample {
  const out: AppSample = {
    requests: {},
    durationBuckets: {},
    durationSumS: {},
    durationCount: {},
    cacheHits: 0,
    cacheMisses: 0,
    pgQueriesByShard: {},
    cpuSeconds: 0,
    residentMemoryBytes: 0,
    eventLoopLagP99S: null,
  };
  let sawFeedscale = false;
  for (const { name, labels, value } of samples) {
    if (name.startsWith('feedscale_')) sawFeedscale = true;
    const route = `${labels.method ?? ''}\t${labels.route ?? ''}`;
    switch (name) {
      case REQUESTS:
        if (labels.route !== OWN_ROUTE) add(out.requests, `${route}\t${labels.status_code ?? ''}`, value);
        break;
      case `${DURATION}_bucket`:
        if (labels.route !== OWN_ROUTE) add((out.durationBuckets[route] ??= {}), labels.le ?? '+Inf', value);
        break;
      case `${DURATION}_sum`:
        if (labels.route !== OWN_ROUTE) add(out.durationSumS, route, value);
        break;
      case `${DURATION}_count`:
        if (labels.route !== OWN_ROUTE) add(out.durationCount, route, value);
        break;
      case CACHE:
        if (labels.result === 'hit') out.cacheHits += value;
        else if (labels.result === 'miss') out.cacheMisses += value;
        break;
      case PG_QUERIES:
        add(out.pgQueriesByShard, labels.physical_shard ?? '?', value);
        break;
      case 'process_cpu_seconds_total':
        out.cpuSeconds = value;
        break;
      case 'process_resident_memory_bytes':
        out.residentMemoryBytes = value;
        break;
      case 'nodejs_eventloop_lag_p99_seconds':
        out.eventLoopLagP99S = value;
        break;
    }
  }
  // The cache and query counters print on every scrape; without them this is not our app.
  if (!sawFeedscale) throw new Error('no feedscale_ metrics in the scrape');
  return out;
}

const sumValues = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

/** Growth of every key of a record of counters over the run; a key missing from a sample counts as 0. */
export function recordTotals(samples: readonly Timed<Record<string, number>>[]): Record<string, number> {
  const keys = new Set(samples.flatMap((s) => Object.keys(s.value)));
  const totals: Record<string, number> = {};
  for (const key of keys) totals[key] = counterTotal(samples, (s) => s[key] ?? 0);
  return totals;
}

function routeSummaries(samples: readonly Timed<AppSample>[]): AppRouteSummary[] {
  const pick = <T>(read: (s: AppSample) => T) => samples.map((s) => ({ tS: s.tS, value: read(s.value) }));
  const requests = recordTotals(pick((s) => s.requests));
  const sums = recordTotals(pick((s) => s.durationSumS));
  const counts = recordTotals(pick((s) => s.durationCount));
  const routes = new Map<string, AppRouteSummary>();
  for (const [key, count] of Object.entries(requests)) {
    const [method = '', route = '', status = ''] = key.split('\t');
    const routeKey = `${method}\t${route}`;
    let summary = routes.get(routeKey);
    if (!summary) {
      const buckets: Bucket[] = Object.entries(recordTotals(pick((s) => s.durationBuckets[routeKey] ?? {}))).map(([le, c]) => ({ le: parseValue(le), count: c }));
      const toMs = (q: number) => round3OrNull(((v) => (v === null ? null : v * 1000))(histogramQuantile(q, buckets)));
      const durationCount = counts[routeKey] ?? 0;
      summary = {
        method,
        route,
        requests: 0,
        byStatus: {},
        meanMs: round3OrNull(((m) => (m === null ? null : m * 1000))(ratio(sums[routeKey] ?? 0, durationCount))),
        p50Ms: toMs(0.5),
        p99Ms: toMs(0.99),
      };
      routes.set(routeKey, summary);
    }
    summary.requests += count;
    summary.byStatus[status] = (summary.byStatus[status] ?? 0) + count;
  }
  return [...routes.values()].filter((r) => r.requests > 0).sort((a, b) => b.requests - a.requests);
}

export function summarizeApp(instance: string, url: string, samples: readonly Timed<AppSample>[]): AppInstanceMetrics {
  const series = mapIntervals(samples, (a, b, elapsedS, tS) => ({
    tS: round3(tS),
    requestsPerS: round3(ratePerS(sumValues(a.requests), sumValues(b.requests), elapsedS)),
    cacheHitsPerS: round3(ratePerS(a.cacheHits, b.cacheHits, elapsedS)),
    cacheMissesPerS: round3(ratePerS(a.cacheMisses, b.cacheMisses, elapsedS)),
    pgQueriesPerS: round3(ratePerS(sumValues(a.pgQueriesByShard), sumValues(b.pgQueriesByShard), elapsedS)),
    cpuCoreFraction: round3(elapsedS > 0 ? counterDelta(a.cpuSeconds, b.cpuSeconds) / elapsedS : 0),
    residentMemoryBytes: b.residentMemoryBytes,
    eventLoopLagP99Ms: round3OrNull(b.eventLoopLagP99S === null ? null : b.eventLoopLagP99S * 1000),
  }));
  const cacheHits = counterTotal(samples, (s) => s.cacheHits);
  const cacheMisses = counterTotal(samples, (s) => s.cacheMisses);
  const routes = routeSummaries(samples);
  return {
    instance,
    url,
    series,
    summary: {
      requests: routes.reduce((total, r) => total + r.requests, 0),
      routes,
      cacheHits,
      cacheMisses,
      cacheHitRatio: round3OrNull(ratio(cacheHits, cacheHits + cacheMisses)),
      pgQueriesByShard: recordTotals(samples.map((s) => ({ tS: s.tS, value: s.value.pgQueriesByShard }))),
      cpuCoreFractionMean: round3(meanOf(series.map((p) => p.cpuCoreFraction))),
      residentMemoryBytesMax: maxOf(samples.map((s) => s.value.residentMemoryBytes)),
    },
  };
}

/** Scrapes one app instance's GET /metrics (prom-client text) directly, not through nginx. */
export function createAppMetricsCollector(instance: string, url: string): Collector<AppSample, AppInstanceMetrics> {
  return {
    name: instance,
    sample: async (signal) => {
      const res = await request(`${url}/metrics`, { method: 'GET', signal });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`GET ${url}/metrics answered ${res.statusCode}`);
      return toAppSample(parsePrometheusText(text));
    },
    summarize: async (samples) => summarizeApp(instance, url, samples),
    close: async () => {},
  };
}
