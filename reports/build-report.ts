import { FeedscaleError } from '../lib/errors.ts';
import { mergeEncoded, percentilesOf } from './histogram.ts';
import type { EndpointResult, RunResult } from './result-schema.ts';
import {
  REPORT_SCHEMA_VERSION,
  type Comparison,
  type ComparisonEntry,
  type Configuration,
  type EndpointComparison,
  type Report,
  type ReportMetadata,
  type SummaryRow,
} from './report-schema.ts';

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
 * Repeats of one configuration are merged by merging their HDR histograms, so the
 * percentiles are those of all samples, not averages of per-repeat percentiles.
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
  const summary = summarize(runs, names);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    metadata: input.metadata,
    configurations,
    runs,
    summary,
    comparison: compare(summary, runs, names, baseline),
  };
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
    const key = `${run.configuration}\u0000${run.repeat}`;
    if (seen.has(key)) throw invalid(`runs[${i}]: configuration "${run.configuration}" repeat ${run.repeat} appears twice`);
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

/** Configuration order, then repeat: makes the report independent of the order results arrived in. */
function orderRuns(runs: readonly RunResult[], names: readonly string[]): RunResult[] {
  return [...runs].sort((a, b) => names.indexOf(a.configuration) - names.indexOf(b.configuration) || a.repeat - b.repeat);
}

/** Endpoints in order of first appearance over the ordered runs. */
function endpointsOf(runs: readonly RunResult[]): string[] {
  const out: string[] = [];
  for (const run of runs) for (const e of run.endpoints) if (!out.includes(e.endpoint)) out.push(e.endpoint);
  return out;
}

interface Measured {
  run: RunResult;
  result: EndpointResult;
}

function measurementsOf(runs: readonly RunResult[], configuration: string, endpoint: string): Measured[] {
  const out: Measured[] = [];
  for (const run of runs) {
    if (run.configuration !== configuration) continue;
    const result = run.endpoints.find((e) => e.endpoint === endpoint);
    if (result) out.push({ run, result });
  }
  return out;
}

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
  const sortedErrors = Object.fromEntries(Object.entries(errorsByKind).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    configuration,
    endpoint,
    loadModel: measured[0]!.run.loadModel,
    repeats: measured.length,
    fromIntended: percentilesOf(mergeEncoded(measured.map((m) => m.result.fromIntended.histogram))),
    fromSend: percentilesOf(mergeEncoded(measured.map((m) => m.result.fromSend.histogram))),
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

function ratio(valueMs: number, baselineMs: number | undefined): number | null {
  if (baselineMs === undefined || baselineMs <= 0) return null;
  return valueMs / baselineMs;
}

function compare(summary: readonly SummaryRow[], runs: readonly RunResult[], names: readonly string[], baseline: string): Comparison {
  const endpoints: EndpointComparison[] = [];
  for (const endpoint of endpointsOf(runs)) {
    const rows = names.flatMap((name) => summary.filter((r) => r.endpoint === endpoint && r.configuration === name));
    const base = rows.find((r) => r.configuration === baseline);
    const entries: ComparisonEntry[] = rows.map((row) => ({
      configuration: row.configuration,
      p50Ms: row.fromIntended.p50Ms,
      p99Ms: row.fromIntended.p99Ms,
      p50RatioToBaseline: ratio(row.fromIntended.p50Ms, base?.fromIntended.p50Ms),
      p99RatioToBaseline: ratio(row.fromIntended.p99Ms, base?.fromIntended.p99Ms),
    }));
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
    const involved = measurementsOf(runs, row.configuration, endpoint).map((m) => m.run);
    if (row.loadModel === 'closed') reasons.push(`"${row.configuration}" ran closed-loop (latency labelled, not for verdicts)`);
    for (const run of involved) {
      if (!run.generator.valid) {
        const why = run.generator.reasons.length > 0 ? `: ${run.generator.reasons.join('; ')}` : '';
        reasons.push(`"${row.configuration}" repeat ${run.repeat}: load generator saturated${why}`);
      }
    }
  }
  return reasons;
}
