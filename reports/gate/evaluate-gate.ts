import { ExitCode, FeedscaleError, type ExitCodeValue } from '../../lib/errors.ts';
import type { Interval, Report } from '../report-schema.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import { bootstrapDifference, bootstrapOne, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES } from '../stats/bootstrap.ts';
import { measurementsOf, metricLabel, statisticOf, type Measured, type Metric } from '../stats/endpoint-statistic.ts';
import { parseThreshold, satisfies, type Threshold } from './threshold.ts';

export type ThresholdStatus = 'passed' | 'failed' | 'inconclusive';

/** One threshold applied to one endpoint ('*' expands to one evaluation per endpoint). */
export interface ThresholdEvaluation {
  expression: string;
  endpoint: string;
  /** "p(99)", "error_rate", "throughput". */
  metric: string;
  kind: 'absolute' | 'relative';
  status: ThresholdStatus;
  /** Absolute: the candidate's value. Relative: candidate / baseline. null when not computable. */
  observed: number | null;
  /** Absolute: the limit in `unit`. Relative: the limit on candidate / baseline (1.10 for +10%). */
  limit: number;
  /** ms, rps, fraction (error_rate) or ratio (relative thresholds). */
  unit: 'ms' | 'rps' | 'fraction' | 'ratio';
  /** CI of `observed` over repeats; null with fewer than 2 repeats (see reason). */
  ci: Interval | null;
  baselineValue: number | null;
  candidateValue: number | null;
  repeatsBaseline: number;
  repeatsCandidate: number;
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
  confidence: number;
  seed: number;
}

export interface EvaluateGateInput {
  /** Needed by relative thresholds only. */
  baseline?: Report;
  candidate: Report;
  thresholds: ReadonlyArray<string | Threshold>;
  seed: number;
  /** Which configuration of each report to judge; defaults described at pickConfigurations. */
  baselineConfiguration?: string;
  candidateConfiguration?: string;
  confidence?: number;
  resamples?: number;
}

/**
 * Judges a candidate report against thresholds (and, for relative ones, a baseline report).
 * Pure and deterministic for a given seed.
 *
 * - absolute thresholds compare the candidate's observed value (merged over repeats), as k6 does;
 *   the CI over repeats is reported alongside;
 * - relative thresholds compare candidate / baseline through its bootstrap CI: passed only when
 *   the whole CI is within the tolerance, failed when the whole CI is beyond it, inconclusive
 *   when it straddles the limit (noise wider than the tolerance) or when no CI exists (1 repeat);
 * - latency and throughput thresholds are inconclusive when an involved run had a saturated
 *   generator (generator.valid false); latency ones also when it ran closed-loop.
 *
 * Overall: failed if any evaluation failed, else inconclusive if any was, else passed.
 *
 * @example
 * const gate = evaluateGate({ baseline, candidate, thresholds: ['feed.read:p(99)<=+10%'], seed: 42 });
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
  const context: Context = {
    baseline: input.baseline && baselineConfiguration !== null ? { report: input.baseline, configuration: baselineConfiguration } : null,
    candidate: { report: input.candidate, configuration: candidateConfiguration },
    // Same report: repeats were interleaved (A B A B), so repeat i of both shares its time slot.
    paired: input.baseline === input.candidate,
    seed: input.seed,
    confidence: input.confidence ?? DEFAULT_CONFIDENCE,
    resamples: input.resamples ?? DEFAULT_RESAMPLES,
  };
  const evaluations = thresholds.flatMap((t) => endpointsFor(t, context).map((endpoint) => evaluateOne(t, endpoint, context)));
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
    baseline: context.baseline ? sideOf(context.baseline) : null,
    candidate: sideOf(context.candidate),
    confidence: context.confidence,
    seed: input.seed,
  };
}

interface Side {
  report: Report;
  configuration: string;
}

interface Context {
  baseline: Side | null;
  candidate: Side;
  paired: boolean;
  seed: number;
  confidence: number;
  resamples: number;
}

function sideOf(side: Side): GateSide {
  const out: GateSide = { configuration: side.configuration, plan: side.report.metadata.plan };
  if (side.report.metadata.gitCommit) out.gitCommit = side.report.metadata.gitCommit;
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
  if (input.candidateConfiguration) return { baselineConfiguration, candidateConfiguration: check(candidate, input.candidateConfiguration, 'candidate') };
  if (baseline === candidate) {
    const others = names(candidate).filter((n) => n !== baselineConfiguration);
    if (others.length === 1) return { baselineConfiguration, candidateConfiguration: others[0]! };
  }
  return { baselineConfiguration, candidateConfiguration: only(candidate, 'candidate', 'candidateConfiguration') };
}

function endpointsMeasured(side: Side): string[] {
  const out: string[] = [];
  for (const run of side.report.runs) {
    if (run.configuration !== side.configuration) continue;
    for (const e of run.endpoints) if (!out.includes(e.endpoint)) out.push(e.endpoint);
  }
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

function unitOf(metric: Metric): ThresholdEvaluation['unit'] {
  return metric.kind === 'latency' ? 'ms' : metric.kind === 'throughput' ? 'rps' : 'fraction';
}

/** Why runs of this side cannot give a verdict on `metric`; [] when they can. */
function untrustworthy(metric: Metric, measured: readonly Measured[], side: Side): string[] {
  if (metric.kind === 'error_rate') return [];
  const reasons: string[] = [];
  const runs: RunResult[] = measured.map((m) => m.run);
  for (const run of runs) {
    if (!run.generator.valid) {
      const why = run.generator.reasons.length > 0 ? ` (${run.generator.reasons.join('; ')})` : '';
      reasons.push(`"${side.configuration}" repeat ${run.repeat}: load generator saturated${why}`);
    }
  }
  if (metric.kind === 'latency' && runs.some((r) => r.loadModel === 'closed')) {
    reasons.push(`"${side.configuration}" ran closed-loop: its latency excludes queueing before send`);
  }
  return reasons;
}

function evaluateOne(threshold: Threshold, endpoint: string, context: Context): ThresholdEvaluation {
  const { metric, operator, limit } = threshold;
  const candidateMeasured = measurementsOf(context.candidate.report.runs, context.candidate.configuration, endpoint);
  const baselineMeasured = context.baseline ? measurementsOf(context.baseline.report.runs, context.baseline.configuration, endpoint) : [];
  const base: ThresholdEvaluation = {
    expression: threshold.expression,
    endpoint,
    metric: metricLabel(metric),
    kind: limit.kind,
    status: 'inconclusive',
    observed: null,
    limit: limit.kind === 'absolute' ? limit.value : 1 + limit.percent / 100,
    unit: limit.kind === 'absolute' ? unitOf(metric) : 'ratio',
    ci: null,
    baselineValue: null,
    candidateValue: null,
    repeatsBaseline: baselineMeasured.length,
    repeatsCandidate: candidateMeasured.length,
    reason: '',
  };
  const inconclusive = (reason: string): ThresholdEvaluation => ({ ...base, status: 'inconclusive', reason });
  const label = `gate/${threshold.expression}/${endpoint}`;
  const options = { seed: context.seed, label, resamples: context.resamples, confidence: context.confidence };

  const candidate = statisticOf(candidateMeasured, metric);
  if (candidateMeasured.length === 0) return inconclusive(`the candidate ("${context.candidate.configuration}") did not measure ${endpoint}`);
  if (!candidate.ok) return inconclusive(`candidate: ${candidate.reason}`);
  const candidateValue = candidate.statistic.value();

  if (limit.kind === 'absolute') {
    const one = bootstrapOne(candidate.statistic, options);
    const filled = { ...base, observed: candidateValue, candidateValue, ci: one.ci };
    const distrust = untrustworthy(metric, candidateMeasured, context.candidate);
    if (distrust.length > 0) return { ...filled, status: 'inconclusive', reason: `no verdict: ${distrust.join('; ')}` };
    if (metric.kind === 'latency' && sampleCount(candidateMeasured) === 0) return { ...filled, status: 'inconclusive', reason: 'no successful responses to measure latency on' };
    if (metric.kind === 'error_rate' && candidateMeasured.every((m) => m.result.sent === 0)) return { ...filled, status: 'inconclusive', reason: 'nothing was sent' };
    const ok = satisfies(candidateValue, operator, limit.value);
    const shown = `${formatValue(candidateValue, base.unit)} ${ok ? 'meets' : 'breaks'} ${operator} ${formatValue(limit.value, base.unit)}`;
    return { ...filled, status: ok ? 'passed' : 'failed', reason: shown };
  }

  // Relative: candidate / baseline, judged on its CI.
  const baselineSide = context.baseline!;
  if (baselineMeasured.length === 0) return { ...inconclusive(`the baseline ("${baselineSide.configuration}") did not measure ${endpoint}`), candidateValue };
  const baseline = statisticOf(baselineMeasured, metric);
  if (!baseline.ok) return { ...inconclusive(`baseline: ${baseline.reason}`), candidateValue };
  const baselineValue = baseline.statistic.value();
  const diff = bootstrapDifference(baseline.statistic, candidate.statistic, { ...options, paired: context.paired });
  const filled = { ...base, observed: diff.ratio, ci: diff.ratioCi, baselineValue, candidateValue };
  const distrust = [...untrustworthy(metric, baselineMeasured, baselineSide), ...untrustworthy(metric, candidateMeasured, context.candidate)];
  if (distrust.length > 0) return { ...filled, status: 'inconclusive', reason: `no verdict: ${distrust.join('; ')}` };
  if (metric.kind === 'latency' && (sampleCount(baselineMeasured) === 0 || sampleCount(candidateMeasured) === 0)) {
    return { ...filled, status: 'inconclusive', reason: 'no successful responses to measure latency on' };
  }
  if (diff.ratio === null) return { ...filled, status: 'inconclusive', reason: `the baseline ${metricLabel(metric)} is 0: no ratio` };
  if (!diff.ratioCi) return { ...filled, status: 'inconclusive', reason: `no CI (${diff.unavailableReason}); a relative threshold needs one` };
  const { low, high } = diff.ratioCi;
  const lowOk = satisfies(low, operator, base.limit);
  const highOk = satisfies(high, operator, base.limit);
  const pct = `${Math.round(context.confidence * 100)}% CI of candidate/baseline [${formatRatio(low)}, ${formatRatio(high)}]`;
  if (lowOk && highOk) return { ...filled, status: 'passed', reason: `${pct} is within ${operator} ${formatRatio(base.limit)}` };
  if (!lowOk && !highOk) return { ...filled, status: 'failed', reason: `${pct} is beyond ${operator} ${formatRatio(base.limit)} (observed ${formatRatio(diff.ratio)})` };
  return { ...filled, status: 'inconclusive', reason: `${pct} straddles the limit ${formatRatio(base.limit)}: noise is wider than the tolerance; add repeats` };
}

function sampleCount(measured: readonly Measured[]): number {
  return measured.reduce((acc, m) => acc + m.result.fromIntended.percentiles.count, 0);
}

export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(3)}x`;
}

export function formatValue(value: number, unit: ThresholdEvaluation['unit']): string {
  switch (unit) {
    case 'ms':
      return `${Number(value.toPrecision(4))} ms`;
    case 'rps':
      return `${Number(value.toPrecision(4))} rps`;
    case 'fraction':
      return `${Number((value * 100).toPrecision(3))}%`;
    case 'ratio':
      return formatRatio(value);
  }
}
