import { FeedscaleError } from '../../lib/errors.ts';
import type { Metric } from '../stats/endpoint-statistic.ts';

/**
 * Thresholds as code, in the spirit of k6: `<endpoint>:<metric><operator><limit>`.
 *
 *   feed.read:p(99)<250          p99 of feed.read below 250 ms (absolute; "250ms" works too)
 *   *:p(99.9)<1000               every endpoint's p99.9 below 1 s
 *   feed.read:error_rate<0.01    under 1% of sent requests failed
 *   *:throughput>=50rps          absolute throughput
 *   feed.read:p(99)<=+10%        candidate p99 at most 10% above the baseline's (relative)
 *   *:throughput>=-5%            candidate throughput at most 5% below the baseline's
 *
 * Relative limits always carry a sign, so "1%" can never be mistaken for an absolute 0.01.
 * Latency is from each request's intended start (coordinated-omission free).
 */
export type ThresholdOperator = '<' | '<=' | '>' | '>=';

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

const SHAPE = /^(?<metric>p\s*\([^)]*\)|[A-Za-z_][A-Za-z0-9_.]*)\s*(?<operator><=|>=|<|>)\s*(?<limit>.*)$/;
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
    throw invalid(expression, 'expected a metric (p(N), error_rate or throughput), an operator (<, <=, > or >=) and a limit after the colon');
  }
  const metric = parseMetric(expression, shape.groups.metric!);
  const operator = shape.groups.operator as ThresholdOperator;
  const limit = parseLimit(expression, metric, shape.groups.limit!.trim());
  return { expression, endpoint, metric, operator, limit };
}

function parseMetric(expression: string, text: string): Metric {
  const percentile = /^p\s*\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(text);
  if (percentile) {
    const value = Number(percentile[1]);
    if (!(value > 0 && value <= 100)) throw invalid(expression, `percentile must be in (0, 100], got ${percentile[1]}`);
    return { kind: 'latency', percentile: value };
  }
  if (text.startsWith('p')) throw invalid(expression, `percentile must be written p(N) with N a number, got "${text}"`);
  if (text === 'error_rate') return { kind: 'error_rate' };
  if (text === 'throughput') return { kind: 'throughput' };
  throw invalid(expression, `unknown metric "${text}"; use p(N), error_rate or throughput`);
}

function parseLimit(expression: string, metric: Metric, text: string): ThresholdLimit {
  const match = LIMIT.exec(text);
  if (!match?.groups) throw invalid(expression, `limit "${text}" is not a number, a number with ms/rps, or a signed percentage like +10%`);
  const { sign, unit } = match.groups;
  const number = Number(match.groups.number);
  if (unit === '%') {
    if (!sign) throw invalid(expression, `a relative limit needs a sign: +${number}% or -${number}% (for an absolute rate write ${number / 100})`);
    if (metric.kind === 'error_rate') throw invalid(expression, 'error_rate takes an absolute limit such as 0.01; a ratio of error rates is undefined when the baseline has none');
    const percent = sign === '-' ? -number : number;
    if (percent <= -100) throw invalid(expression, `a relative limit must be above -100%, got ${percent}%`);
    return { kind: 'relative', percent };
  }
  if (sign) throw invalid(expression, `an absolute limit has no sign; for a relative one write ${sign}${number}%`);
  if (unit === 'ms' && metric.kind !== 'latency') throw invalid(expression, `ms applies to latency percentiles only, not ${metric.kind}`);
  if (unit === 'rps' && metric.kind !== 'throughput') throw invalid(expression, `rps applies to throughput only, not ${metric.kind === 'latency' ? 'latency' : metric.kind}`);
  if (metric.kind === 'error_rate' && number > 1) throw invalid(expression, `error_rate is a fraction in [0, 1], got ${number}`);
  return { kind: 'absolute', value: number };
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
  }
}
