/**
 * k6's end-of-test summary (the `data` handleSummary receives) -> our RunResult
 * (reports/result-schema.ts). Pure, no k6 import: the scripts call it in handleSummary and the
 * Node tests call it on summaries shaped like k6's documented data.
 *
 * What k6 cannot give, and what stands in for it:
 * - Histograms: k6 keeps Trends as raw samples internally and exports only the stats in
 *   summaryTrendStats, not an HDR histogram, so `histogram` is '' ("not available") and such
 *   runs cannot be merged histogram-wise, only compared by percentiles.
 * - fromIntended: k6 measures each request from its own send (http_req_duration: sending +
 *   waiting + receiving; connection setup excluded). With an arrival-rate executor and enough
 *   VUs every iteration starts on schedule, and a late one is dropped and counted, never sent
 *   late; so fromIntended = fromSend = the per-endpoint Trend, and drops invalidate the run.
 * - Generator CPU and event-loop delay: k6 does not report them (0); send lag is 0 because
 *   k6 starts iterations on schedule or drops them.
 * - Unserved per endpoint: k6 counts dropped_iterations for the whole scenario (warm-up
 *   included) and never knows which request a dropped slot would have been; they are spread
 *   over the plan's endpoints by mix weight (largest remainder). Any drop marks the run invalid.
 */
import type { Plan } from '../../plans/plan-schema.ts';
import type { Endpoint } from '../../requests/endpoints.ts';
import type { EndpointResult, GeneratorHealth, Latency, RunResult } from '../../../lib/result-schema.ts';
import type { Percentiles } from '../../../lib/percentiles-schema.ts';
import { RESULT_SCHEMA_VERSION } from '../../../lib/result-schema-version.ts';
import { inFlightCapOf } from '../../plans/in-flight-cap.ts';
import { ERROR_KINDS, errorMetricName, intendedLatencyMetricName, latencyMetricName, okMetricName, recordedEndpoints, sentMetricName, type RecordedEndpoint } from './metric-names.ts';
import { createIterationClock } from './plan-to-options.ts';

/** One metric of k6's summary data (docs: results-output/end-of-test/custom-summary, "Metric schema"). */
export interface K6SummaryMetric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains: 'default' | 'time' | 'data';
  /** counter: count, rate; rate: rate, passes, fails; gauge: value, min, max; trend: the summaryTrendStats keys. */
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** The `data` argument of handleSummary, as documented (fields this converter does not read are left open). */
export interface K6SummaryData {
  metrics: Record<string, K6SummaryMetric>;
  state?: { testRunDurationMs?: number; isStdOutTTY?: boolean; isStdErrTTY?: boolean };
  options?: { summaryTrendStats?: string[]; summaryTimeUnit?: string; noColor?: boolean };
  root_group?: unknown;
}

export interface SummaryContext {
  /** The plan the run executed, defaults filled. */
  plan: Plan;
  /** Seed recorded in the result (the run's seed; the stream seed may be derived from it). */
  seed: number;
  configuration: string;
  repeat: number;
  /** Wall-clock ms when handleSummary runs; the start is this minus the test's run time. */
  nowMs: number;
}

export interface ThresholdOutcome {
  metric: string;
  threshold: string;
  ok: boolean;
}

/** Same bar as the open-loop engine (scenarios/engines/generator-health.ts MIN_ACHIEVED_RATE_FRACTION; not importable into k6). */
export const MIN_ACHIEVED_RATE_FRACTION = 0.95;

const NO_HISTOGRAM = '';

function finite(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function counterCount(data: K6SummaryData, name: string): number {
  return Math.round(finite(data.metrics[name]?.values.count));
}

/** The largest value a gauge took (k6 keeps min, max and the last value). */
function gaugeMax(data: K6SummaryData, name: string): number {
  return Math.round(finite(data.metrics[name]?.values.max ?? data.metrics[name]?.values.value));
}

function percentilesOf(metric: K6SummaryMetric | undefined): Percentiles {
  const v = metric?.values ?? {};
  const count = Math.round(finite(v.count));
  if (count === 0) return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  return {
    count,
    minMs: finite(v.min),
    meanMs: finite(v.avg),
    p50Ms: finite(v['p(50)'] ?? v.med),
    p90Ms: finite(v['p(90)']),
    p99Ms: finite(v['p(99)']),
    p999Ms: finite(v['p(99.9)']),
    maxMs: finite(v.max),
  };
}

/** Splits `total` over `weights` in proportion, in whole numbers that add up to `total` (largest remainder, ties to the earlier). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i]!++;
    left--;
  }
  return shares;
}

export function thresholdOutcomes(data: K6SummaryData): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = [];
  for (const name of Object.keys(data.metrics).sort()) {
    for (const [threshold, { ok }] of Object.entries(data.metrics[name]!.thresholds ?? {})) outcomes.push({ metric: name, threshold, ok });
  }
  return outcomes;
}

export function summaryToRunResult(data: K6SummaryData, ctx: SummaryContext): RunResult {
  const { plan } = ctx;
  const durationS = plan.durationS;
  const clock = createIterationClock(plan);
  const dropped = counterCount(data, 'dropped_iterations');

  const endpoints = recordedEndpoints(plan.mix);
  const scheduled = endpoints.filter((e): e is Endpoint => plan.mix[e as Endpoint] !== undefined);
  const unservedShares = apportion(dropped, scheduled.map((e) => plan.mix[e] ?? 0));
  const unservedOf = new Map<RecordedEndpoint, number>(scheduled.map((e, i) => [e, unservedShares[i]!]));

  const rows: EndpointResult[] = [];
  let scheduledSent = 0;
  for (const endpoint of endpoints) {
    const sent = counterCount(data, sentMetricName(endpoint));
    const unserved = unservedOf.get(endpoint) ?? 0;
    if (unservedOf.has(endpoint)) scheduledSent += sent;
    if (sent === 0 && unserved === 0) continue;
    const ok = counterCount(data, okMetricName(endpoint));
    const errors: Record<string, number> = {};
    for (const kind of ERROR_KINDS) {
      const n = counterCount(data, errorMetricName(endpoint, kind));
      if (n > 0) errors[kind] = n;
    }
    const fromSend: Latency = { percentiles: percentilesOf(data.metrics[latencyMetricName(endpoint)]), histogram: NO_HISTOGRAM };
    // From the intended start where the script could time it (arrival-rate executors); else the
    // row says its latency is from the send only, in every format.
    const intendedTrend = data.metrics[intendedLatencyMetricName(endpoint)];
    const hasIntended = (intendedTrend?.values?.count ?? 0) > 0;
    const fromIntended: Latency = hasIntended ? { percentiles: percentilesOf(intendedTrend), histogram: NO_HISTOGRAM } : { percentiles: { ...fromSend.percentiles }, histogram: NO_HISTOGRAM };
    rows.push({
      endpoint,
      intended: sent + unserved,
      sent,
      ok,
      errors,
      unserved,
      throughputRps: durationS > 0 ? ok / durationS : 0,
      fromIntended,
      latencyFrom: hasIntended ? 'intended' : 'send',
      fromSend,
    });
  }
  rows.sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));

  const intendedRateRps = clock.measuredIterations / durationS;
  const achievedRateRps = scheduledSent / durationS;
  const reasons: string[] = [];
  if (dropped > 0) {
    reasons.push(`k6 dropped ${dropped} iteration(s): no VU was free to start them, so planned demand went unsent; latency from this run gives no verdict`);
  }
  const expectedRps = Math.max(0, intendedRateRps - dropped / durationS);
  if (expectedRps > 0 && achievedRateRps < MIN_ACHIEVED_RATE_FRACTION * expectedRps) {
    reasons.push(`achieved ${fmt(achievedRateRps)} rps < ${MIN_ACHIEVED_RATE_FRACTION * 100}% of the ${fmt(expectedRps)} rps intended (dropped excluded)`);
  }
  const vusMax = gaugeMax(data, 'vus_max');
  const vusAllowed = inFlightCapOf(plan);
  const generator: GeneratorHealth = {
    cpuCoreFraction: 0,
    eventLoopDelayP99Ms: 0,
    eventLoopDelayMaxMs: 0,
    intendedRateRps,
    achievedRateRps,
    completedRateRps: achievedRateRps,
    sendLagP99Ms: 0,
    sendLagP999Ms: 0,
    k6: { droppedIterations: dropped, vusMax, vusAllowed },
    valid: reasons.length === 0,
    reasons,
  };

  const runMs = finite(data.state?.testRunDurationMs);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    configuration: ctx.configuration,
    plan: plan.name,
    repeat: ctx.repeat,
    attempt: 0,
    driver: 'k6',
    loadModel: 'open',
    seed: ctx.seed,
    startedAt: new Date(ctx.nowMs - runMs).toISOString(),
    durationS,
    warmupS: plan.warmupS,
    timeoutMs: plan.timeoutMs,
    generator,
    endpoints: rows,
  };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The stdout summary: what ran, per-endpoint numbers, thresholds, validity, notes. Plain text, no colours. */
export function renderTextSummary(result: RunResult, outcomes: readonly ThresholdOutcome[], notes: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`feedscale k6 run: plan ${result.plan}, configuration ${result.configuration}, repeat ${result.repeat}, seed ${result.seed}`);
  lines.push(`  measured ${fmt(result.durationS)} s after ${fmt(result.warmupS)} s warm-up; intended ${fmt(result.generator.intendedRateRps)} rps, achieved ${fmt(result.generator.achievedRateRps)} rps`);
  lines.push('');
  lines.push(`  ${pad('endpoint', 16)}${pad('sent', 8)}${pad('ok', 8)}${pad('errors', 8)}${pad('unserved', 10)}${pad('p50 ms', 10)}${pad('p90 ms', 10)}${pad('p99 ms', 10)}max ms`);
  for (const e of result.endpoints) {
    const p = e.fromSend.percentiles;
    const errors = Object.values(e.errors).reduce((a, b) => a + b, 0);
    lines.push(
      `  ${pad(e.endpoint, 16)}${pad(String(e.sent), 8)}${pad(String(e.ok), 8)}${pad(String(errors), 8)}${pad(String(e.unserved), 10)}` +
        `${pad(p.p50Ms.toFixed(2), 10)}${pad(p.p90Ms.toFixed(2), 10)}${pad(p.p99Ms.toFixed(2), 10)}${p.maxMs.toFixed(2)}`,
    );
    for (const [kind, n] of Object.entries(e.errors)) lines.push(`      ${kind}: ${n}`);
  }
  lines.push('');
  lines.push('  thresholds');
  for (const t of outcomes) lines.push(`    ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric}: ${t.threshold}`);
  lines.push('');
  lines.push(result.generator.valid ? '  run valid for latency verdicts' : '  run INVALID for latency verdicts:');
  for (const reason of result.generator.reasons) lines.push(`    - ${reason}`);
  if (notes.length > 0) {
    lines.push('  notes');
    for (const note of notes) lines.push(`    - ${note}`);
  }
  const fromSendOnly = result.endpoints.filter((e) => e.latencyFrom === 'send').map((e) => e.endpoint);
  lines.push(
    fromSendOnly.length === 0
      ? '  latency: p50..max above from k6\'s send (http_req_duration); fromIntended from each iteration\'s scheduled start; no HDR histogram exported'
      : `  latency: from k6's send only for ${fromSendOnly.join(', ')} (no scheduled start known); no HDR histogram exported`,
  );
  return `${lines.join('\n')}\n`;
}
