import { ExitCode, FeedscaleError, type ExitCodeValue } from '../../lib/errors.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import type { Interval, IntervalMethod, Report } from '../report-schema.ts';
import { compareRepeats, DEFAULT_CONFIDENCE, logMeanInterval, methodLabel, rateInterval, type RateCounts } from '../stats/intervals.ts';
import { describeUnhealthy, selectRepeats, type RepeatSelection } from '../stats/repeat-selection.ts';
import { isCost, isRate, measureRun, metricLabel, unitOf, type Metric, type MetricUnit } from '../stats/run-metric.ts';
import { parseThreshold, satisfies, type Threshold, type ThresholdOperator } from './threshold.ts';

export type ThresholdStatus = 'passed' | 'failed' | 'inconclusive';

/**
 * How the two sides' repeats relate. paired: one interleaved job ran repeat i of both back to
 * back, so they share its drift; unpaired: separate jobs (two report files), independent samples.
 */
export type Pairing = 'paired' | 'unpaired';

/** One threshold applied to one endpoint ('*' expands to one evaluation per endpoint). */
export interface ThresholdEvaluation {
  expression: string;
  endpoint: string;
  /** "p(99)", "send_p(99)", "failure_rate", "pg_queries_per_req", "cpu_us_per_req.app", ... */
  metric: string;
  kind: 'absolute' | 'relative';
  status: ThresholdStatus;
  /** The interval's point estimate: relative, candidate / baseline; absolute, the candidate's value. null when not computable. */
  observed: number | null;
  /** Absolute: the limit in `unit`. Relative: the limit on candidate / baseline (1.10 for +10%). */
  limit: number;
  /** Unit of observed, limit and ci: the metric's unit, or ratio for relative thresholds. */
  unit: MetricUnit | 'ratio';
  /** Interval of `observed` over healthy repeats; null below MIN_REPEATS_FOR_VERDICT or without values (see reason). */
  ci: Interval | null;
  method: IntervalMethod;
  /** "paired t, 5 pairs", ...; '' without an interval. */
  methodText: string;
  /** Geometric mean (rates: pooled rate) of each side over the repeats used, in `valueUnit`. */
  baselineValue: number | null;
  candidateValue: number | null;
  valueUnit: MetricUnit;
  /** Healthy repeats with a value, per side; pairs when paired. */
  repeatsBaseline: number;
  repeatsCandidate: number;
  pairs: number;
  /** Repeats left out and why (generator unhealthy in every attempt, no value). */
  excluded: string[];
  /** Why the status is what it is, in one sentence. */
  reason: string;
}

export interface GateSide {
  configuration: string;
  plan: string;
  gitCommit?: string;
}

export interface GateResult {
  verdict: ThresholdStatus;
  /** 0 pass, 3 regression (RPT_ERR_GATE_FAILED), 4 inconclusive (RPT_ERR_INCONCLUSIVE). */
  exitCode: ExitCodeValue;
  errorCode: 'RPT_ERR_GATE_FAILED' | 'RPT_ERR_INCONCLUSIVE' | null;
  evaluations: ThresholdEvaluation[];
  baseline: GateSide | null;
  candidate: GateSide;
  /** null without a baseline (absolute thresholds only). */
  pairing: Pairing | null;
  confidence: number;
}

export interface EvaluateGateInput {
  /** Needed by relative thresholds only. */
  baseline?: Report;
  candidate: Report;
  thresholds: ReadonlyArray<string | Threshold>;
  /** Which configuration of each report to judge; defaults described at pickConfigurations. */
  baselineConfiguration?: string;
  candidateConfiguration?: string;
  confidence?: number;
  /** Default: paired when baseline and candidate are the same report (one interleaved job), else unpaired. */
  pairing?: Pairing;
}

/** The runs of one side of a gate: every attempt of one configuration. */
export interface GateRuns {
  side: GateSide;
  runs: readonly RunResult[];
}

export interface JudgeRunsInput {
  baseline: GateRuns | null;
  candidate: GateRuns;
  thresholds: readonly Threshold[];
  pairing: Pairing;
  confidence?: number;
}

/**
 * Judges a candidate report against thresholds (and, for relative ones, a baseline report).
 * Pure and deterministic.
 *
 * Every threshold is judged on an interval over healthy repeats (docs/statistics.md): passed when
 * the whole interval meets the limit, failed when none of it does, inconclusive when it straddles
 * the limit (noise wider than the tolerance), when fewer than MIN_REPEATS_FOR_VERDICT healthy
 * repeats have a value, or when the metric cannot be judged (latency timed from send only,
 * closed loop, no histogram). A repeat whose generator was unhealthy in every attempt is left
 * out; a repeat with several attempts counts its last healthy one.
 *
 * Overall: failed if any evaluation failed, else inconclusive if any was, else passed.
 *
 * @example
 * const gate = evaluateGate({ baseline: report, candidate: report, baselineConfiguration: 'main', candidateConfiguration: 'pr', thresholds: ['feed.read:p(99)<=+10%'] });
 * process.exitCode = gate.exitCode;
 */
export function evaluateGate(input: EvaluateGateInput): GateResult {
  const thresholds = input.thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : t));
  if (thresholds.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'a gate needs at least one threshold');
  const needsBaseline = thresholds.filter((t) => t.limit.kind === 'relative');
  if (needsBaseline.length > 0 && !input.baseline) {
    throw new FeedscaleError('CFG_ERR_INVALID', `threshold "${needsBaseline[0]!.expression}" is relative and needs a baseline report`);
  }
  const { baselineConfiguration, candidateConfiguration } = pickConfigurations(input);
  const sideRuns = (report: Report, configuration: string): GateRuns => ({
    side: sideOf(report, configuration),
    runs: report.runs.filter((r) => r.configuration === configuration),
  });
  return judgeRuns({
    baseline: input.baseline && baselineConfiguration !== null ? sideRuns(input.baseline, baselineConfiguration) : null,
    candidate: sideRuns(input.candidate, candidateConfiguration),
    thresholds,
    pairing: input.pairing ?? (input.baseline === input.candidate ? 'paired' : 'unpaired'),
    confidence: input.confidence,
  });
}

/** The gate on runs rather than reports: what A/A and power judge, split after split. */
export function judgeRuns(input: JudgeRunsInput): GateResult {
  const context: Context = {
    baseline: input.baseline ? { ...input.baseline, selection: selectRepeats(input.baseline.runs, input.baseline.side.configuration) } : null,
    candidate: { ...input.candidate, selection: selectRepeats(input.candidate.runs, input.candidate.side.configuration) },
    pairing: input.pairing,
    confidence: input.confidence ?? DEFAULT_CONFIDENCE,
  };
  const evaluations = input.thresholds.flatMap((t) =>
    t.metric.kind === 'audit' ? evaluateAuditThreshold(t, context.candidate.runs) : endpointsFor(t, context).map((endpoint) => evaluateOne(t, endpoint, context)),
  );
  const verdict: ThresholdStatus = evaluations.some((e) => e.status === 'failed')
    ? 'failed'
    : evaluations.some((e) => e.status === 'inconclusive')
      ? 'inconclusive'
      : 'passed';
  return {
    verdict,
    exitCode: verdict === 'failed' ? ExitCode.GATE_FAILED : verdict === 'inconclusive' ? ExitCode.INCONCLUSIVE : ExitCode.OK,
    errorCode: verdict === 'failed' ? 'RPT_ERR_GATE_FAILED' : verdict === 'inconclusive' ? 'RPT_ERR_INCONCLUSIVE' : null,
    evaluations,
    baseline: context.baseline?.side ?? null,
    candidate: context.candidate.side,
    pairing: context.baseline ? context.pairing : null,
    confidence: context.confidence,
  };
}

interface Side extends GateRuns {
  selection: RepeatSelection;
}

interface Context {
  baseline: Side | null;
  candidate: Side;
  pairing: Pairing;
  confidence: number;
}

function sideOf(report: Report, configuration: string): GateSide {
  const out: GateSide = { configuration, plan: report.metadata.plan };
  if (report.metadata.gitCommit) out.gitCommit = report.metadata.gitCommit;
  return out;
}

/**
 * A report with one configuration: that one. The same report on both sides: its baseline
 * configuration against the other one (named when there are more than two). Otherwise the
 * configuration must be named.
 */
function pickConfigurations(input: EvaluateGateInput): { baselineConfiguration: string | null; candidateConfiguration: string } {
  const names = (r: Report) => r.configurations.map((c) => c.name);
  const check = (report: Report, name: string, side: string) => {
    if (!names(report).includes(name)) {
      throw new FeedscaleError('CFG_ERR_INVALID', `${side} configuration "${name}" is not in the ${side} report (${names(report).join(', ')})`);
    }
    return name;
  };
  const only = (report: Report, side: string, option: string): string => {
    if (report.configurations.length === 1) return report.configurations[0]!.name;
    throw new FeedscaleError('CFG_ERR_INVALID', `the ${side} report has ${report.configurations.length} configurations (${names(report).join(', ')}); name one with ${option}`);
  };
  const { baseline, candidate } = input;
  let baselineConfiguration: string | null = null;
  if (baseline) {
    baselineConfiguration = input.baselineConfiguration
      ? check(baseline, input.baselineConfiguration, 'baseline')
      : baseline === candidate
        ? baseline.comparison.baseline
        : only(baseline, 'baseline', 'baselineConfiguration');
  }
  let candidateConfiguration: string;
  if (input.candidateConfiguration) candidateConfiguration = check(candidate, input.candidateConfiguration, 'candidate');
  else {
    const others = baseline === candidate ? names(candidate).filter((n) => n !== baselineConfiguration) : [];
    candidateConfiguration = others.length === 1 ? others[0]! : only(candidate, 'candidate', 'candidateConfiguration');
  }
  if (baseline === candidate && baselineConfiguration === candidateConfiguration) {
    throw new FeedscaleError('CFG_ERR_INVALID', `baseline and candidate are the same configuration "${candidateConfiguration}" of one report`);
  }
  return { baselineConfiguration, candidateConfiguration };
}

function endpointsMeasured(side: GateRuns): string[] {
  const out: string[] = [];
  for (const run of side.runs) for (const e of run.endpoints) if (!out.includes(e.endpoint)) out.push(e.endpoint);
  return out;
}

function endpointsFor(threshold: Threshold, context: Context): string[] {
  if (threshold.endpoint !== '*') return [threshold.endpoint];
  const candidate = endpointsMeasured(context.candidate);
  if (threshold.limit.kind === 'absolute' || !context.baseline) return candidate;
  const baseline = endpointsMeasured(context.baseline);
  // An endpoint on one side only is still judged: it comes out inconclusive, never silently dropped.
  return [...candidate, ...baseline.filter((e) => !candidate.includes(e))];
}

/** One side's per-repeat values of a metric, over its healthy repeats. */
interface SideValues {
  values: Map<number, number>;
  counts: RateCounts[];
  /** Why this side cannot be judged on the metric at all; null when it can. */
  blocking: string | null;
  /** Repeats left out, and why. */
  excluded: string[];
}

function valuesOf(side: Side, endpoint: string, metric: Metric): SideValues {
  const out: SideValues = { values: new Map(), counts: [], blocking: null, excluded: side.selection.unhealthy.map(describeUnhealthy) };
  for (const run of side.selection.healthy) {
    const measured = measureRun(run, endpoint, metric);
    if (!measured.ok) {
      if (measured.blocking) out.blocking ??= measured.reason;
      else out.excluded.push(measured.reason);
      continue;
    }
    out.values.set(run.repeat, measured.value);
    if (measured.counts) out.counts.push(measured.counts);
  }
  return out;
}

function measures(side: GateRuns, endpoint: string, metric: Metric): boolean {
  return isCost(metric) || side.runs.some((r) => r.endpoints.some((e) => e.endpoint === endpoint));
}

/** Why a side gives no interval: every repeat unhealthy, or no repeat had the value, else the interval's own reason. */
function noIntervalReason(name: string, side: Side, values: SideValues, metric: Metric, fallback: string): string {
  if (side.selection.healthy.length === 0 && side.selection.unhealthy.length > 0) {
    return `no verdict: the load generator of ${name} ("${side.side.configuration}") was unhealthy in every attempt of every repeat`;
  }
  if (values.values.size === 0 && values.excluded.length > 0) return `${name} ("${side.side.configuration}") has no ${metricLabel(metric)} in any healthy repeat`;
  return fallback;
}

function evaluateOne(threshold: Threshold, endpoint: string, context: Context): ThresholdEvaluation {
  const { metric, operator, limit } = threshold;
  const relative = limit.kind === 'relative';
  const base: ThresholdEvaluation = {
    expression: threshold.expression,
    endpoint,
    metric: metricLabel(metric),
    kind: limit.kind,
    status: 'inconclusive',
    observed: null,
    limit: limit.kind === 'absolute' ? limit.value : 1 + limit.percent / 100,
    unit: relative ? 'ratio' : unitOf(metric),
    ci: null,
    method: 'none',
    methodText: '',
    baselineValue: null,
    candidateValue: null,
    valueUnit: unitOf(metric),
    repeatsBaseline: 0,
    repeatsCandidate: 0,
    pairs: 0,
    excluded: [],
    reason: '',
  };
  const candidateSide = context.candidate;
  if (!measures(candidateSide, endpoint, metric)) return { ...base, reason: `the candidate ("${candidateSide.side.configuration}") did not measure ${endpoint}` };
  const candidate = valuesOf(candidateSide, endpoint, metric);
  const confidence = context.confidence;

  if (limit.kind === 'absolute') {
    const estimate = isRate(metric) ? rateInterval(candidate.counts, { confidence }) : logMeanInterval([...candidate.values.values()], { confidence });
    const filled: ThresholdEvaluation = {
      ...base,
      observed: estimate.estimate,
      candidateValue: estimate.estimate,
      ci: estimate.ci,
      method: estimate.method,
      methodText: methodLabel(estimate.method, { repeats: estimate.repeats }),
      repeatsCandidate: estimate.repeats,
      excluded: candidate.excluded,
    };
    if (candidate.blocking) return { ...filled, ci: null, method: 'none', methodText: '', reason: `no verdict: ${candidate.blocking}` };
    if (!estimate.ci) return { ...filled, reason: withExclusions(noIntervalReason('the candidate', candidateSide, candidate, metric, estimate.unavailableReason), candidate.excluded) };
    const what = `${pct(confidence)} CI of the candidate's ${metricLabel(metric)} ${formatInterval(estimate.ci, base.unit)} (${filled.methodText})`;
    return decide(filled, estimate.ci, operator, base.limit, what);
  }

  // Relative: candidate / baseline, on the ratio interval.
  const baselineSide = context.baseline!;
  if (!measures(baselineSide, endpoint, metric)) return { ...base, reason: `the baseline ("${baselineSide.side.configuration}") did not measure ${endpoint}` };
  const baselineValues = valuesOf(baselineSide, endpoint, metric);
  const ratio = compareRepeats(baselineValues.values, candidate.values, { paired: context.pairing === 'paired', confidence });
  const excluded = [...baselineValues.excluded, ...candidate.excluded];
  const filled: ThresholdEvaluation = {
    ...base,
    observed: ratio.ratio,
    ci: ratio.ci,
    method: ratio.method,
    methodText: methodLabel(ratio.method, ratio),
    baselineValue: ratio.baselineValue,
    candidateValue: ratio.candidateValue,
    repeatsBaseline: ratio.repeatsBaseline,
    repeatsCandidate: ratio.repeatsCandidate,
    pairs: ratio.pairs,
    excluded,
  };
  const blocking = [baselineValues.blocking, candidate.blocking].filter((b): b is string => b !== null);
  if (blocking.length > 0) return { ...filled, ci: null, method: 'none', methodText: '', reason: `no verdict: ${blocking.join('; ')}` };
  if (!ratio.ci) {
    const why =
      noIntervalReason('the baseline', baselineSide, baselineValues, metric, '') ||
      noIntervalReason('the candidate', candidateSide, candidate, metric, '') ||
      ratio.unavailableReason;
    return { ...filled, reason: withExclusions(why, excluded) };
  }
  const what = `${pct(confidence)} CI of candidate/baseline ${formatInterval(ratio.ci, 'ratio')} (${filled.methodText})`;
  return decide(filled, ratio.ci, operator, base.limit, what);
}

function decide(filled: ThresholdEvaluation, ci: Interval, operator: ThresholdOperator, limit: number, what: string): ThresholdEvaluation {
  const lowOk = satisfies(ci.low, operator, limit);
  const highOk = satisfies(ci.high, operator, limit);
  const shownLimit = formatValue(limit, filled.unit);
  if (lowOk && highOk) return { ...filled, status: 'passed', reason: withExclusions(`${what} is within ${operator} ${shownLimit}`, filled.excluded) };
  if (!lowOk && !highOk) {
    const estimate = filled.observed === null ? '' : ` (estimate ${formatValue(filled.observed, filled.unit)})`;
    return { ...filled, status: 'failed', reason: withExclusions(`${what} is beyond ${operator} ${shownLimit}${estimate}`, filled.excluded) };
  }
  return { ...filled, status: 'inconclusive', reason: withExclusions(`${what} straddles the limit ${shownLimit}: noise is wider than the tolerance; add repeats`, filled.excluded) };
}

function withExclusions(reason: string, excluded: readonly string[]): string {
  return excluded.length === 0 ? reason : `${reason}; left out: ${excluded.join('; ')}`;
}

function pct(confidence: number): string {
  return `${Number((confidence * 100).toPrecision(3))}%`;
}

function formatInterval(ci: Interval, unit: ThresholdEvaluation['unit']): string {
  return `[${formatValue(ci.low, unit)}, ${formatValue(ci.high, unit)}]`;
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(3)}x`;
}

export function formatValue(value: number, unit: ThresholdEvaluation['unit']): string {
  const significant = (v: number) => String(Number(v.toPrecision(4)));
  switch (unit) {
    case 'ms':
      return `${significant(value)} ms`;
    case 'rps':
      return `${significant(value)} rps`;
    case 'fraction':
      return `${Number((value * 100).toPrecision(3))}%`;
    case 'bytes':
      return `${significant(value)} B`;
    case 'us_per_req':
      return `${significant(value)} µs/req`;
    case 'per_req':
      return `${significant(value)}/req`;
    case 'count':
      return String(value);
    case 'ratio':
      return formatRatio(value);
  }
}

/**
 * An audit threshold (`*:lost==0`, `feed.fan-out:duplicated==0`): judged exactly on every run of
 * the candidate, every attempt included (a lost write is lost whatever the load generator did),
 * with no interval: passed when every audited run meets it, failed when one does not,
 * inconclusive when no run audited writes of that type. `*` expands to every audited type, so
 * on runs that wrote nothing it judges nothing (as `*` does for endpoints), and a default gate
 * can carry `*:lost==0` for every plan.
 */
export function evaluateAuditThreshold(threshold: Threshold, runs: readonly RunResult[]): ThresholdEvaluation[] {
  if (threshold.metric.kind !== 'audit' || threshold.limit.kind !== 'absolute') throw new Error(`${threshold.expression} is not an audit threshold`);
  const { count } = threshold.metric;
  const limit = threshold.limit.value;
  const types = threshold.endpoint === '*' ? [...new Set(runs.flatMap((r) => r.audit?.writes.map((w) => w.type) ?? []))] : [threshold.endpoint];
  return types.map((type) => {
    const values = runs.flatMap((r) => {
      const line = r.audit?.writes.find((w) => w.type === type);
      return line ? [{ run: r, value: line[count] }] : [];
    });
    const base: ThresholdEvaluation = {
      expression: threshold.expression,
      endpoint: type,
      metric: metricLabel(threshold.metric),
      kind: 'absolute',
      status: 'inconclusive',
      observed: null,
      limit,
      unit: 'count',
      ci: null,
      method: 'none',
      methodText: values.length > 0 ? `exact, every run (${values.length})` : '',
      baselineValue: null,
      candidateValue: null,
      valueUnit: 'count',
      repeatsBaseline: 0,
      repeatsCandidate: values.length,
      pairs: 0,
      excluded: [],
      reason: '',
    };
    if (values.length === 0) return { ...base, reason: `no verdict: no run of the candidate audited ${type} writes` };
    const worst = Math.max(...values.map((v) => v.value));
    const total = values.reduce((a, v) => a + v.value, 0);
    const failing = values.filter((v) => !satisfies(v.value, threshold.operator, limit));
    const filled = { ...base, observed: worst, candidateValue: total };
    if (failing.length === 0) return { ...filled, status: 'passed', reason: `every audited run has ${type} ${count} ${threshold.operator} ${limit} (worst ${worst})` };
    const which = failing.map((v) => `"${v.run.configuration}" repeat ${v.run.repeat} attempt ${v.run.attempt}: ${v.value}`).join('; ');
    return { ...filled, status: 'failed', reason: `${type} ${count} breaks ${threshold.operator} ${limit} in ${failing.length} of ${values.length} run(s) (${which})` };
  });
}
