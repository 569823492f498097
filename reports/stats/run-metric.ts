import { decodeHistogram } from '../../lib/histogram.ts';
import type { Percentiles } from '../../lib/percentiles-schema.ts';
import type { EndpointResult, Latency, RunCosts, RunResult } from '../../lib/result-schema.ts';
import type { RateCounts } from './intervals.ts';

/** The pseudo-endpoint of run-level cost metrics in thresholds: `server:pg_queries_per_req<=+10%`. */
export const SERVER_ENDPOINT = 'server';

/** Run-level costs per request (RunResult.costs), by their threshold names. */
export const COST_METRICS = {
  /** CPU microseconds per request: of one service kind with `.kind` (cpu_us_per_req.app), else summed over all kinds. */
  cpu_us_per_req: 'CPU µs per request',
  pg_queries_per_req: 'Postgres queries per request',
  pg_rows_per_req: 'Postgres rows per request',
  redis_commands_per_req: 'Redis commands per request',
  memcached_gets_per_req: 'memcached gets per request',
} as const;
export type CostName = keyof typeof COST_METRICS;

/** What a threshold measures of one configuration x endpoint (or of the whole run, for costs). */
export type Metric =
  /** A latency percentile of one repeat; from the intended start (default) or, written send_p(N), from the send. */
  | { kind: 'latency'; percentile: number; from: 'intended' | 'send' }
  /** errors / sent. */
  | { kind: 'error_rate' }
  /** (errors + unserved) / intended: every scheduled request that did not get a good answer. */
  | { kind: 'failure_rate' }
  /** unserved / intended: demand the in-flight cap turned away. */
  | { kind: 'unserved_rate' }
  | { kind: 'throughput' }
  /** Mean bytes per response: responseBytes / (ok + responses with an error status). */
  | { kind: 'response_bytes' }
  | { kind: 'cost'; cost: CostName; service?: string }
  /** Acknowledged writes of one type (the endpoint is the write type) that the run's audit found lost or duplicated: a count, judged exactly (audit-threshold.ts). */
  | { kind: 'audit'; count: 'lost' | 'duplicated' };

export type MetricUnit = 'ms' | 'rps' | 'fraction' | 'bytes' | 'us_per_req' | 'per_req' | 'count';

export function metricLabel(metric: Metric): string {
  switch (metric.kind) {
    case 'latency':
      return `${metric.from === 'send' ? 'send_' : ''}p(${metric.percentile})`;
    case 'cost':
      return metric.service ? `${metric.cost}.${metric.service}` : metric.cost;
    case 'audit':
      return metric.count;
    default:
      return metric.kind;
  }
}

export function unitOf(metric: Metric): MetricUnit {
  switch (metric.kind) {
    case 'latency':
      return 'ms';
    case 'throughput':
      return 'rps';
    case 'error_rate':
    case 'failure_rate':
    case 'unserved_rate':
      return 'fraction';
    case 'response_bytes':
      return 'bytes';
    case 'cost':
      return metric.cost === 'cpu_us_per_req' ? 'us_per_req' : 'per_req';
    case 'audit':
      return 'count';
  }
}

/** Rates are judged on counts (rateInterval); everything else on the log scale (ratios). */
export function isRate(metric: Metric): boolean {
  return metric.kind === 'error_rate' || metric.kind === 'failure_rate' || metric.kind === 'unserved_rate';
}

export function isCost(metric: Metric): metric is Extract<Metric, { kind: 'cost' }> {
  return metric.kind === 'cost';
}

/**
 * One repeat's value of a metric. `blocking` failures say the metric cannot be judged on this
 * side at all (no histogram for that percentile, latency timed from send, closed loop); the
 * others only that this repeat has no value (the endpoint did not run, the collector had no data).
 */
export type RunMeasure = { ok: true; value: number; counts?: RateCounts } | { ok: false; reason: string; blocking: boolean };

/** Percentiles every run carries even without a histogram. */
const STORED_PERCENTILES: ReadonlyMap<number, keyof Percentiles> = new Map([
  [50, 'p50Ms'],
  [90, 'p90Ms'],
  [99, 'p99Ms'],
  [99.9, 'p999Ms'],
]);

/** Percentiles of decoded histograms, by the Latency object that holds the encoding (A/A judges the same runs many times). */
const decoded = new WeakMap<Latency, Map<number, number>>();

function percentileOf(latency: Latency, percentile: number): number | null {
  const stored = STORED_PERCENTILES.get(percentile);
  if (stored) return latency.percentiles[stored];
  if (latency.histogram === '') return null;
  let cache = decoded.get(latency);
  if (!cache) {
    cache = new Map();
    decoded.set(latency, cache);
  }
  let value = cache.get(percentile);
  if (value === undefined) {
    value = decodeHistogram(latency.histogram).getValueAtPercentile(percentile) / 1000;
    cache.set(percentile, value);
  }
  return value;
}

function errorsOf(result: EndpointResult): number {
  return Object.values(result.errors).reduce((a, b) => a + b, 0);
}

/** Responses that came back with a status: ok ones and errors named status_NNN (timeouts and connection errors have no body). */
function responsesOf(result: EndpointResult): number {
  return result.ok + Object.entries(result.errors).reduce((acc, [kind, count]) => acc + (kind.startsWith('status_') ? count : 0), 0);
}

function rate(events: number, trials: number, nothing: string): RunMeasure {
  if (trials === 0) return { ok: false, reason: nothing, blocking: false };
  return { ok: true, value: events / trials, counts: { events, trials } };
}

function costOf(costs: RunCosts, metric: Extract<Metric, { kind: 'cost' }>): number | null {
  switch (metric.cost) {
    case 'cpu_us_per_req': {
      if (metric.service) return costs.cpuUsPerRequest[metric.service] ?? null;
      const all = Object.values(costs.cpuUsPerRequest);
      return all.length === 0 ? null : all.reduce((a, b) => a + b, 0);
    }
    case 'pg_queries_per_req':
      return costs.pgQueriesPerRequest;
    case 'pg_rows_per_req':
      return costs.pgRowsPerRequest;
    case 'redis_commands_per_req':
      return costs.redisCommandsPerRequest;
    case 'memcached_gets_per_req':
      return costs.memcachedGetsPerRequest;
  }
}

/**
 * The value of `metric` in one run: of `endpoint`, or of the run's costs for cost metrics (their
 * endpoint is SERVER_ENDPOINT). Latency is a percentile of that run alone (its stored percentile,
 * or its decoded histogram for others); rates carry their counts.
 */
export function measureRun(run: RunResult, endpoint: string, metric: Metric): RunMeasure {
  const where = `"${run.configuration}" repeat ${run.repeat}`;
  if (metric.kind === 'cost') {
    if (!run.costs) return { ok: false, reason: `${where} has no costs (no collector data)`, blocking: false };
    const value = costOf(run.costs, metric);
    if (value === null) {
      const detail = metric.service ? ` (kinds measured: ${Object.keys(run.costs.cpuUsPerRequest).join(', ') || 'none'})` : '';
      return { ok: false, reason: `${where} has no ${metricLabel(metric)}${detail}`, blocking: false };
    }
    return { ok: true, value };
  }
  if (metric.kind === 'audit') {
    const audited = run.audit?.writes.find((w) => w.type === endpoint);
    return audited ? { ok: true, value: audited[metric.count] } : { ok: false, reason: `${where} has no audit of ${endpoint} writes`, blocking: false };
  }
  const result = run.endpoints.find((e) => e.endpoint === endpoint);
  if (!result) return { ok: false, reason: `${where} did not measure ${endpoint}`, blocking: false };
  switch (metric.kind) {
    case 'error_rate':
      return rate(errorsOf(result), result.sent, `${where} sent no ${endpoint} request`);
    case 'failure_rate':
      return rate(errorsOf(result) + result.unserved, result.intended, `${where} scheduled no ${endpoint} request`);
    case 'unserved_rate':
      return rate(result.unserved, result.intended, `${where} scheduled no ${endpoint} request`);
    case 'throughput':
      return { ok: true, value: result.throughputRps };
    case 'response_bytes': {
      if (result.responseBytes === undefined) return { ok: false, reason: `${where}: the ${run.driver} driver did not count response bytes`, blocking: false };
      const responses = responsesOf(result);
      if (responses === 0) return { ok: false, reason: `${where} got no ${endpoint} response`, blocking: false };
      return { ok: true, value: result.responseBytes / responses };
    }
    case 'latency': {
      if (run.loadModel === 'closed') return { ok: false, reason: `${where} ran closed-loop: its latency excludes queueing before send`, blocking: true };
      if (metric.from === 'intended' && result.latencyFrom === 'send') {
        return { ok: false, reason: `${where} timed ${endpoint} from send only (${run.driver} could not time from the schedule); write send_p(${metric.percentile}) to judge latency from send`, blocking: true };
      }
      const latency = metric.from === 'send' ? result.fromSend : result.fromIntended;
      if (latency.percentiles.count === 0) return { ok: false, reason: `${where} has no ${endpoint} latency samples`, blocking: false };
      const value = percentileOf(latency, metric.percentile);
      if (value === null) {
        return { ok: false, reason: `p(${metric.percentile}) needs histograms and the ${run.driver} runs exported none (only p50, p90, p99 and p99.9 are stored)`, blocking: true };
      }
      return { ok: true, value };
    }
  }
}
