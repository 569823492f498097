import { FeedscaleError } from '../lib/errors.ts';
import { mergeEncoded, percentilesOf } from '../lib/histogram.ts';
import type { EndpointResult, RunResult } from '../lib/result-schema.ts';
import type { Percentiles } from '../lib/percentiles-schema.ts';
import {
  REPORT_SCHEMA_VERSION,
  type Comparison,
  type ComparisonEntry,
  type Configuration,
  type Difference,
  type EndpointComparison,
  type Report,
  type ReportMetadata,
  type SummaryRow,
  type VsBaseline,
} from './report-schema.ts';
import { attributeAgainstBaseline } from './server-side/attribute.ts';
import { summarizeServer } from './server-side/summarize-server.ts';
import { compareRepeats, DEFAULT_CONFIDENCE, type RatioEstimate } from './stats/intervals.ts';
import { describeUnhealthy, selectRepeats } from './stats/repeat-selection.ts';
import { measureRun } from './stats/run-metric.ts';

export interface BuildReportInput {
  runs: readonly RunResult[];
  /** In display order; the first is the baseline unless `baseline` names another. */
  configurations: ReadonlyArray<Omit<Configuration, 'description'> & { description?: string }>;
  /** createdAt comes from the caller: building a report reads no clock. */
  metadata: ReportMetadata;
  baseline?: string;
}

/**
 * Builds the report from driver results. Pure: reads no files and no clock.
 * Every attempt of a repeat is kept in `runs`; the summary shows one run per repeat, its last
 * healthy attempt (stats/repeat-selection.ts). Repeats of one configuration are merged by merging
 * their HDR histograms, so the percentiles are those of all samples, not averages of per-repeat
 * percentiles. Runs without a histogram (k6) are summarized from their own percentiles
 * (row.histogramsMerged false when several repeats could not be merged). Each non-baseline
 * comparison entry carries p50/p99 deltas and ratios with t-intervals over healthy repeats,
 * paired by repeat number (stats/intervals.ts, docs/statistics.md).
 * When runs carry server metrics, the report adds a ServerSummary per configuration and, per
 * non-baseline configuration, the notable server-side differences (server-side/).
 *
 * @example
 * const report = buildReport({ runs, configurations: [{ name: 'memcached-on', stack }, { name: 'memcached-off', stack }], metadata });
 * report.comparison.endpoints[0].entries[1].p99RatioToBaseline; // memcached-off p99 / memcached-on p99
 */
export function buildReport(input: BuildReportInput): Report {
  const configurations = checkConfigurations(input.configurations);
  const names = configurations.map((c) => c.name);
  const baseline = input.baseline ?? names[0]!;
  if (!names.includes(baseline)) {
    throw invalid(`baseline "${baseline}" is not among the configurations (${names.join(', ')})`);
  }
  const runs = orderRuns(checkRuns(input.runs, names, input.metadata.plan), names);
  const shown = names.flatMap((name) => selectRepeats(runs, name).shown);
  const summary = summarize(shown, names);
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    metadata: input.metadata,
    configurations,
    runs,
    summary,
    comparison: compare(summary, runs, names, baseline),
  };
  // Server side: only when some run carried collector output, so reports of older results keep their shape.
  if (runs.some((r) => r.server !== undefined)) {
    report.serverSummary = names.map((name) => summarizeServer(name, shown));
    report.attribution = attributeAgainstBaseline(report.serverSummary, baseline);
  }
  return report;
}

function invalid(message: string): FeedscaleError {
  return new FeedscaleError('CFG_ERR_INVALID', message);
}

function checkConfigurations(input: BuildReportInput['configurations']): Configuration[] {
  if (input.length === 0) throw invalid('configurations must list at least one configuration');
  const seen = new Set<string>();
  return input.map((c, i) => {
    if (seen.has(c.name)) throw invalid(`configurations[${i}].name "${c.name}" appears twice`);
    seen.add(c.name);
    return { name: c.name, description: c.description ?? '', stack: c.stack === undefined ? null : c.stack };
  });
}

function checkRuns(runs: readonly RunResult[], names: readonly string[], plan: string): readonly RunResult[] {
  const seen = new Set<string>();
  runs.forEach((run, i) => {
    if (!names.includes(run.configuration)) {
      throw invalid(`runs[${i}].configuration "${run.configuration}" is not among the configurations (${names.join(', ')})`);
    }
    if (run.plan !== plan) throw invalid(`runs[${i}].plan "${run.plan}" differs from metadata.plan "${plan}"`);
    const key = `${run.configuration}\u0000${run.repeat}\u0000${run.attempt}`;
    if (seen.has(key)) throw invalid(`runs[${i}]: configuration "${run.configuration}" repeat ${run.repeat} attempt ${run.attempt} appears twice`);
    seen.add(key);
  });
  for (const name of names) {
    const own = runs.filter((r) => r.configuration === name);
    if (own.length === 0) throw invalid(`configuration "${name}" has no runs`);
    // Merging open- and closed-loop histograms would mix two different latency definitions.
    if (new Set(own.map((r) => r.loadModel)).size > 1) throw invalid(`configuration "${name}" mixes open- and closed-loop runs`);
  }
  return runs;
}

/** Configuration order, then repeat, then attempt: makes the report independent of the order results arrived in. */
function orderRuns(runs: readonly RunResult[], names: readonly string[]): RunResult[] {
  return [...runs].sort((a, b) => names.indexOf(a.configuration) - names.indexOf(b.configuration) || a.repeat - b.repeat || a.attempt - b.attempt);
}

interface Measured {
  run: RunResult;
  result: EndpointResult;
}

/** The runs of `configuration` (one per repeat, in repeat order) that measured `endpoint`. */
function measurementsOf(runs: readonly RunResult[], configuration: string, endpoint: string): Measured[] {
  return runs.flatMap((run) => {
    const result = run.configuration === configuration ? run.endpoints.find((e) => e.endpoint === endpoint) : undefined;
    return result ? [{ run, result }] : [];
  });
}

/** Endpoints in order of first appearance over the ordered runs. */
function endpointsOf(runs: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const run of runs) for (const e of run.endpoints) if (!out.includes(e.endpoint)) out.push(e.endpoint);
  return out;
}

/** `runs`: one per repeat (RepeatSelection.shown). */
function summarize(runs: readonly RunResult[], names: readonly string[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const endpoint of endpointsOf(runs)) {
    for (const configuration of names) {
      const measured = measurementsOf(runs, configuration, endpoint);
      if (measured.length > 0) rows.push(summarizeRow(configuration, endpoint, measured));
    }
  }
  return rows;
}

function summarizeRow(configuration: string, endpoint: string, measured: readonly Measured[]): SummaryRow {
  const sum = (pick: (r: EndpointResult) => number) => measured.reduce((acc, m) => acc + pick(m.result), 0);
  const errorsByKind: Record<string, number> = {};
  for (const { result } of measured) {
    for (const [kind, count] of Object.entries(result.errors)) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + count;
  }
  const mergeable = measured.every((m) => m.result.fromIntended.histogram !== '' && m.result.fromSend.histogram !== '');
  const sortedErrors = Object.fromEntries(Object.entries(errorsByKind).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    configuration,
    endpoint,
    loadModel: measured[0]!.run.loadModel,
    repeats: measured.length,
    histogramsMerged: measured.length === 1 || mergeable,
    fromIntended: mergeable ? percentilesOf(mergeEncoded(measured.map((m) => m.result.fromIntended.histogram))) : combinePercentiles(measured.map((m) => m.result.fromIntended.percentiles)),
    fromSend: mergeable ? percentilesOf(mergeEncoded(measured.map((m) => m.result.fromSend.histogram))) : combinePercentiles(measured.map((m) => m.result.fromSend.percentiles)),
    throughputMeanRps: sum((r) => r.throughputRps) / measured.length,
    intendedTotal: sum((r) => r.intended),
    sentTotal: sum((r) => r.sent),
    okTotal: sum((r) => r.ok),
    errorsTotal: Object.values(errorsByKind).reduce((a, b) => a + b, 0),
    errorsByKind: sortedErrors,
    unservedTotal: sum((r) => r.unserved),
    generatorValid: measured.every((m) => m.run.generator.valid),
    perRepeat: measured.map(({ run, result }) => ({
      repeat: run.repeat,
      p50Ms: result.fromIntended.percentiles.p50Ms,
      p99Ms: result.fromIntended.percentiles.p99Ms,
      throughputRps: result.throughputRps,
    })),
  };
}

/**
 * Percentiles of several runs that cannot be merged (no histograms): the mean of each percentile
 * over repeats, count-weighted mean, overall min and max. One run gives its own percentiles.
 */
function combinePercentiles(list: readonly Percentiles[]): Percentiles {
  if (list.length === 1) return { ...list[0]! };
  const count = list.reduce((acc, p) => acc + p.count, 0);
  const mean = (pick: (p: Percentiles) => number) => list.reduce((acc, p) => acc + pick(p), 0) / list.length;
  return {
    count,
    minMs: Math.min(...list.map((p) => p.minMs)),
    meanMs: count === 0 ? 0 : list.reduce((acc, p) => acc + p.meanMs * p.count, 0) / count,
    p50Ms: mean((p) => p.p50Ms),
    p90Ms: mean((p) => p.p90Ms),
    p99Ms: mean((p) => p.p99Ms),
    p999Ms: mean((p) => p.p999Ms),
    maxMs: Math.max(...list.map((p) => p.maxMs)),
  };
}

function ratio(valueMs: number, baselineMs: number | undefined): number | null {
  if (baselineMs === undefined || baselineMs <= 0) return null;
  return valueMs / baselineMs;
}

function difference(estimate: RatioEstimate, baselineMs: number, candidateMs: number): Difference {
  return { deltaMs: candidateMs - baselineMs, ratio: estimate.ratio, ratioCi: estimate.ci };
}

/** Per-repeat values of a latency percentile over the healthy repeats; a reason when latency cannot be judged. */
function percentileByRepeat(runs: readonly RunResult[], endpoint: string, percentile: number): { values: Map<number, number>; blocking: string | null } {
  const values = new Map<number, number>();
  let blocking: string | null = null;
  for (const run of runs) {
    const measured = measureRun(run, endpoint, { kind: 'latency', percentile, from: 'intended' });
    if (measured.ok) values.set(run.repeat, measured.value);
    else if (measured.blocking) blocking ??= measured.reason;
  }
  return { values, blocking };
}

/** p50/p99 of `configuration` against the baseline, with t-intervals over healthy repeats paired by number. */
function vsBaselineOf(runs: readonly RunResult[], endpoint: string, baseline: SummaryRow, row: SummaryRow): VsBaseline {
  const healthy = (configuration: string) => selectRepeats(runs, configuration).healthy;
  const diff = (percentile: 50 | 99) => {
    const base = percentileByRepeat(healthy(baseline.configuration), endpoint, percentile);
    const cand = percentileByRepeat(healthy(row.configuration), endpoint, percentile);
    const estimate = compareRepeats(base.values, cand.values, { paired: true });
    const blocking = base.blocking ?? cand.blocking;
    return blocking ? { ...estimate, ci: null, method: 'none' as const, pairs: 0, unavailableReason: blocking } : estimate;
  };
  const p50 = diff(50);
  const p99 = diff(99);
  return {
    confidence: DEFAULT_CONFIDENCE,
    method: p99.method,
    pairs: p99.pairs,
    repeatsBaseline: p99.repeatsBaseline,
    repeatsCandidate: p99.repeatsCandidate,
    ciUnavailableReason: p99.unavailableReason || p50.unavailableReason,
    p50: difference(p50, baseline.fromIntended.p50Ms, row.fromIntended.p50Ms),
    p99: difference(p99, baseline.fromIntended.p99Ms, row.fromIntended.p99Ms),
  };
}

function compare(summary: readonly SummaryRow[], runs: readonly RunResult[], names: readonly string[], baseline: string): Comparison {
  const endpoints: EndpointComparison[] = [];
  for (const endpoint of endpointsOf(runs)) {
    const rows = names.flatMap((name) => summary.filter((r) => r.endpoint === endpoint && r.configuration === name));
    const base = rows.find((r) => r.configuration === baseline);
    const entries: ComparisonEntry[] = rows.map((row) => {
      const entry: ComparisonEntry = {
        configuration: row.configuration,
        p50Ms: row.fromIntended.p50Ms,
        p99Ms: row.fromIntended.p99Ms,
        p50RatioToBaseline: ratio(row.fromIntended.p50Ms, base?.fromIntended.p50Ms),
        p99RatioToBaseline: ratio(row.fromIntended.p99Ms, base?.fromIntended.p99Ms),
      };
      if (base && row.configuration !== baseline) entry.vsBaseline = vsBaselineOf(runs, endpoint, base, row);
      return entry;
    });
    const reasons = unusableReasons(endpoint, rows, runs, baseline, base);
    endpoints.push({ endpoint, verdictUsable: reasons.length === 0, unusableReasons: reasons, entries });
  }
  return { baseline, endpoints };
}

function unusableReasons(
  endpoint: string,
  rows: readonly SummaryRow[],
  runs: readonly RunResult[],
  baseline: string,
  base: SummaryRow | undefined,
): string[] {
  const reasons: string[] = [];
  if (!base) reasons.push(`baseline "${baseline}" did not measure ${endpoint}`);
  else if (base.fromIntended.count === 0) reasons.push(`baseline "${baseline}" has no latency samples for ${endpoint}`);
  if (rows.length < 2) reasons.push(`only one configuration measured ${endpoint}`);
  for (const row of rows) {
    if (row.loadModel === 'closed') reasons.push(`"${row.configuration}" ran closed-loop (latency labelled, not for verdicts)`);
    const selection = selectRepeats(runs, row.configuration);
    for (const u of selection.unhealthy) {
      if (measurementsOf(runs, row.configuration, endpoint).some((m) => m.run.repeat === u.repeat)) reasons.push(describeUnhealthy(u));
    }
    const fromSend = measurementsOf(selection.shown, row.configuration, endpoint).filter((m) => m.result.latencyFrom === 'send');
    if (fromSend.length > 0) reasons.push(`"${row.configuration}" timed latency from send only (${[...new Set(fromSend.map((m) => m.run.driver))].join(', ')}): no latency verdict`);
  }
  return reasons;
}
