import { FeedscaleError } from '../../lib/errors.ts';
import { COST_METRICS, SERVER_ENDPOINT, isRate, type CostName, type Metric } from '../stats/run-metric.ts';

/**
 * Thresholds as code, in the spirit of k6: `<endpoint>:<metric><operator><limit>`.
 *
 *   feed.read:p(99)<250              p99 of feed.read below 250 ms (absolute; "250ms" works too)
 *   *:p(99.9)<1000                   every endpoint's p99.9 below 1 s
 *   feed.read:p(99)<=+10%            candidate p99 at most 10% above the baseline's (relative)
 *   feed.read:send_p(99)<=+10%       the same on latency from the actual send (k6 rows that could
 *                                    not time from the schedule give no verdict on p(N))
 *   *:throughput>=-5%                candidate throughput at most 5% below the baseline's
 *   *:throughput>=50rps              absolute throughput
 *   feed.read:response_bytes<=+5%    mean bytes per response (responseBytes / responses with a status)
 *
 * Rates, absolute only (a ratio of rates is undefined when the baseline has none):
 *
 *   *:error_rate<0.01                errors / sent: requests that were sent and failed
 *   *:failure_rate<0.01              (errors + unserved) / intended: every scheduled request without
 *                                    a good answer, including demand the in-flight cap turned away
 *   *:unserved_rate<=0.001           unserved / intended
 *
 * Run-level costs per request, under the pseudo-endpoint `server` (RunResult.costs):
 *
 *   server:cpu_us_per_req<=+10%        CPU µs per request summed over every service kind
 *   server:cpu_us_per_req.app<=+10%    of one service kind (app, pg, pgbouncer, redis, memcached, nginx, worker, ...)
 *   server:pg_queries_per_req<=+10%    Postgres queries per request
 *   server:pg_rows_per_req<=+10%       Postgres rows per request
 *   server:redis_commands_per_req<=+10%
 *   server:memcached_gets_per_req<=+10%
 *
 * Acknowledged writes the run's audit (RunResult.audit) found lost or duplicated, per write type
 * (user.create, follow.create, media.like, upload.complete, feed.fan-out) or '*' for every type;
 * absolute counts, judged on every run as it is (no interval: one lost write is a failure):
 *
 *   *:lost==0                        no acknowledged write lost, of any type
 *   feed.fan-out:duplicated==0       no media twice in a feed
 *
 * Relative limits always carry a sign, so "1%" can never be mistaken for an absolute 0.01.
 * Every verdict is on an interval over healthy repeats (docs/statistics.md): pass when all of it
 * meets the limit, fail when none of it does, inconclusive otherwise.
 */
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==';

export type ThresholdLimit = { kind: 'absolute'; value: number } | { kind: 'relative'; percent: number };

export interface Threshold {
  /** The expression as written (trimmed). */
  expression: string;
  /** An endpoint label, or '*' for every endpoint. */
  endpoint: string;
  metric: Metric;
  operator: ThresholdOperator;
  limit: ThresholdLimit;
}

const SHAPE = /^(?<metric>(?:send_)?p\s*\([^)]*\)|[A-Za-z_][A-Za-z0-9_.-]*)\s*(?<operator><=|>=|==|<|>)\s*(?<limit>.*)$/;
const METRIC_NAMES = `p(N), send_p(N), error_rate, failure_rate, unserved_rate, throughput, response_bytes, lost, duplicated, or on ${SERVER_ENDPOINT}: ${Object.keys(COST_METRICS).join(', ')}`;
const LIMIT = /^(?<sign>[+-])?(?<number>\d+(?:\.\d+)?|\.\d+)\s*(?<unit>%|ms|rps)?$/;

function invalid(expression: string, rule: string): FeedscaleError {
  return new FeedscaleError('CFG_ERR_INVALID', `threshold "${expression}": ${rule}`);
}

/**
 * Parses one threshold; throws CFG_ERR_INVALID naming the expression and the rule it breaks.
 *
 * @example
 * parseThreshold('feed.read:p(99)<=+10%');
 * // { endpoint: 'feed.read', metric: { kind: 'latency', percentile: 99 }, operator: '<=', limit: { kind: 'relative', percent: 10 }, ... }
 */
export function parseThreshold(input: string): Threshold {
  const expression = input.trim();
  const colon = expression.lastIndexOf(':');
  if (colon <= 0) throw invalid(expression, 'expected <endpoint>:<metric><operator><limit>, e.g. feed.read:p(99)<250');
  const endpoint = expression.slice(0, colon).trim();
  const shape = SHAPE.exec(expression.slice(colon + 1).trim());
  if (!shape?.groups) {
    throw invalid(expression, `expected a metric (${METRIC_NAMES}), an operator (<, <=, >, >= or ==) and a limit after the colon`);
  }
  const metric = parseMetric(expression, shape.groups.metric!);
  if (metric.kind === 'cost' && endpoint !== SERVER_ENDPOINT) {
    throw invalid(expression, `${shape.groups.metric} is a run-level cost: write ${SERVER_ENDPOINT}:${shape.groups.metric}...`);
  }
  if (metric.kind !== 'cost' && endpoint === SERVER_ENDPOINT) {
    throw invalid(expression, `${SERVER_ENDPOINT} has only run-level costs: ${Object.keys(COST_METRICS).join(', ')}`);
  }
  const operator = shape.groups.operator as ThresholdOperator;
  if (operator === '==' && metric.kind !== 'audit') throw invalid(expression, `== applies to the audit counts (lost, duplicated) only; ${shape.groups.metric} is measured, use <, <=, > or >=`);
  const limit = parseLimit(expression, metric, shape.groups.limit!.trim());
  return { expression, endpoint, metric, operator, limit };
}

function parseMetric(expression: string, text: string): Metric {
  const percentile = /^(send_)?p\s*\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(text);
  if (percentile) {
    const value = Number(percentile[2]);
    if (!(value > 0 && value <= 100)) throw invalid(expression, `percentile must be in (0, 100], got ${percentile[2]}`);
    return { kind: 'latency', percentile: value, from: percentile[1] ? 'send' : 'intended' };
  }
  if (/^(send_)?p/.test(text) && !text.startsWith('pg_')) throw invalid(expression, `percentile must be written p(N) or send_p(N) with N a number, got "${text}"`);
  switch (text) {
    case 'error_rate':
    case 'failure_rate':
    case 'unserved_rate':
    case 'throughput':
    case 'response_bytes':
      return { kind: text };
    case 'lost':
    case 'duplicated':
      return { kind: 'audit', count: text };
  }
  const [cost, service, ...rest] = text.split('.');
  if (cost !== undefined && cost in COST_METRICS && rest.length === 0) {
    if (service !== undefined && cost !== 'cpu_us_per_req') throw invalid(expression, `only cpu_us_per_req takes a service kind (cpu_us_per_req.app), not ${cost}`);
    if (service === '') throw invalid(expression, 'cpu_us_per_req. needs a service kind after the dot, e.g. cpu_us_per_req.app');
    return service === undefined ? { kind: 'cost', cost: cost as CostName } : { kind: 'cost', cost: cost as CostName, service };
  }
  throw invalid(expression, `unknown metric "${text}"; use ${METRIC_NAMES}`);
}

function parseLimit(expression: string, metric: Metric, text: string): ThresholdLimit {
  const match = LIMIT.exec(text);
  if (!match?.groups) throw invalid(expression, `limit "${text}" is not a number, a number with ms/rps, or a signed percentage like +10%`);
  const { sign, unit } = match.groups;
  const number = Number(match.groups.number);
  if (metric.kind === 'audit' && (sign || unit || !Number.isInteger(number))) throw invalid(expression, `${metric.count} is a count of writes: write a whole number, e.g. ${metric.count}==0`);
  if (unit === '%') {
    if (!sign) throw invalid(expression, `a relative limit needs a sign: +${number}% or -${number}% (for an absolute rate write ${number / 100})`);
    if (isRate(metric)) throw invalid(expression, `${metric.kind} takes an absolute limit such as 0.01; a ratio of rates is undefined when the baseline has none`);
    const percent = sign === '-' ? -number : number;
    if (percent <= -100) throw invalid(expression, `a relative limit must be above -100%, got ${percent}%`);
    return { kind: 'relative', percent };
  }
  if (sign) throw invalid(expression, `an absolute limit has no sign; for a relative one write ${sign}${number}%`);
  if (unit === 'ms' && metric.kind !== 'latency') throw invalid(expression, `ms applies to latency percentiles only, not ${metricName(metric)}`);
  if (unit === 'rps' && metric.kind !== 'throughput') throw invalid(expression, `rps applies to throughput only, not ${metric.kind === 'latency' ? 'latency' : metricName(metric)}`);
  if (isRate(metric) && number > 1) throw invalid(expression, `${metric.kind} is a fraction in [0, 1], got ${number}`);
  return { kind: 'absolute', value: number };
}

function metricName(metric: Metric): string {
  return metric.kind === 'cost' ? metric.cost : metric.kind;
}

/** Parses every expression and reports all bad ones at once (CFG_ERR_INVALID, one detail each). */
export function parseThresholds(expressions: readonly string[]): Threshold[] {
  const parsed: Threshold[] = [];
  const problems: string[] = [];
  for (const expression of expressions) {
    try {
      parsed.push(parseThreshold(expression));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length === 1) throw new FeedscaleError('CFG_ERR_INVALID', problems[0]!, { details: problems });
  if (problems.length > 1) throw new FeedscaleError('CFG_ERR_INVALID', `${problems.length} invalid thresholds:\n  ${problems.join('\n  ')}`, { details: problems });
  if (parsed.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'a gate needs at least one threshold');
  return parsed;
}

export function satisfies(value: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
  }
}
