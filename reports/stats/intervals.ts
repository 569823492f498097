import type { Interval, IntervalMethod } from '../report-schema.ts';
import { normalQuantile, studentTQuantile } from './distributions.ts';

/**
 * Confidence intervals over repeats, on one value per healthy repeat (docs/statistics.md).
 *
 * Why one value per repeat: latencies inside one run are not independent (one GC pause, one cold
 * cache or one noisy neighbour moves thousands of them together), so the run-to-run spread is the
 * noise a gate must see, and a repeat's own p99 (or cost per request, or rate) is the unit.
 *
 * Why t-intervals on logs: latency, throughput and cost noise is multiplicative (a slower machine
 * scales every latency), so ln(value) is close to symmetric and a regression is a ratio. With
 * interleaved runs (A B A B), repeat i of both configurations shares the drift of its time slot;
 * ln(candidate_i / baseline_i) cancels it, and under "candidate = baseline x c" the per-pair log
 * ratios are ln c plus a difference of two identically distributed noises: symmetric, which is
 * what the t-interval needs to hold its coverage even when the noise has heavy tails. The
 * percentile bootstrap this replaces covered about 48%, 74% and 81% at 2, 3 and 4 repeats; the
 * ratio intervals here cover 95% to within the simulation's error from 3 repeats, and
 * docs/statistics.md gives every figure, including where the absolute ones fall short
 * (coverage.test.ts asserts them).
 */
export const DEFAULT_CONFIDENCE = 0.95;

/**
 * Fewer healthy repeats (or pairs) than this: no interval and no verdict, only "needs ≥ 3".
 * Why 3: the t-interval is valid from 2, but with 1 degree of freedom its multiplier is 12.7
 * (4.3 at 3 pairs, 3.2 at 4) and one standard deviation from two values is almost no information:
 * the expected half-width is 7.2 sigma at 2 pairs against 2.2 sigma at 3, so a 2-repeat gate
 * could never pass a tolerance the machine's noise allows. 3 is the smallest count at which the
 * interval is both honest and narrow enough to decide.
 */
export const MIN_REPEATS_FOR_VERDICT = 3;

/** Repeat number -> the value of one repeat (its p99, its queries per request, ...). */
export type RepeatValues = ReadonlyMap<number, number>;

/** candidate / baseline over repeats, with its interval. */
export interface RatioEstimate {
  /** The interval's centre: exp(mean log ratio); null when it cannot be computed. */
  ratio: number | null;
  ci: Interval | null;
  method: IntervalMethod;
  /** Repeats paired by number (0 unless method is paired-t). */
  pairs: number;
  repeatsBaseline: number;
  repeatsCandidate: number;
  /** Degrees of freedom of the t quantile used; null without an interval. */
  df: number | null;
  /** Geometric mean of each side over the repeats used; null when some value is 0. */
  baselineValue: number | null;
  candidateValue: number | null;
  /** '' when ci is present. */
  unavailableReason: string;
}

/** One configuration's value over repeats, with its interval. */
export interface ValueEstimate {
  /** Geometric mean (log-scale metrics) or pooled rate (rates); null when it cannot be computed. */
  estimate: number | null;
  ci: Interval | null;
  method: IntervalMethod;
  repeats: number;
  df: number | null;
  unavailableReason: string;
}

function checkConfidence(confidence: number | undefined): number {
  const c = confidence ?? DEFAULT_CONFIDENCE;
  if (!(c > 0 && c < 1)) throw new RangeError(`confidence must be in (0, 1), got ${c}`);
  return c;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample variance (n - 1 denominator). */
function variance(values: readonly number[]): number {
  const m = mean(values);
  return values.reduce((acc, v) => acc + (v - m) ** 2, 0) / (values.length - 1);
}

function geometricMean(values: readonly number[]): number | null {
  if (values.length === 1 && values[0]! > 0) return values[0]!;
  return values.every((v) => v > 0) ? Math.exp(mean(values.map(Math.log))) : null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "needs ≥ 3 healthy repeats ..." : the reason every caller shows below the minimum. */
export function needsRepeatsReason(counts: { baseline?: number; candidate: number }): string {
  const needs = `needs ≥ ${MIN_REPEATS_FOR_VERDICT} healthy repeats`;
  if (counts.baseline === undefined) return `${needs} (has ${counts.candidate})`;
  return `${needs} per side (baseline ${counts.baseline}, candidate ${counts.candidate})`;
}

/** Values that are not positive, named by repeat: a log ratio needs positive values. */
function nonPositive(values: RepeatValues, repeats: readonly number[]): number[] {
  return repeats.filter((r) => !(values.get(r)! > 0));
}

function sortedRepeats(values: RepeatValues): number[] {
  return [...values.keys()].sort((a, b) => a - b);
}

/**
 * candidate / baseline over repeats. `paired`: repeats with the same number ran back to back
 * (one interleaved job); the interval is then the t-interval of the mean per-pair log ratio over
 * the repeats both sides have (n - 1 df). Unpaired, or with fewer than MIN_REPEATS_FOR_VERDICT
 * common repeats: Welch's t-interval on the difference of mean logs (Welch-Satterthwaite df).
 * Fewer than the minimum on a side: no interval. 0 in every repeat of both sides: ratio 1 exactly.
 *
 * @example
 * compareRepeats(new Map([[0, 50], [1, 52], [2, 49]]), new Map([[0, 60], [1, 63], [2, 58]]), { paired: true });
 * // { ratio: 1.198, ci: { low: 1.164, high: 1.234 }, method: 'paired-t', pairs: 3, ... }
 */
export function compareRepeats(baseline: RepeatValues, candidate: RepeatValues, options: { paired: boolean; confidence?: number }): RatioEstimate {
  const confidence = checkConfidence(options.confidence);
  const common = options.paired ? sortedRepeats(baseline).filter((r) => candidate.has(r)) : [];
  const usePairs = common.length >= MIN_REPEATS_FOR_VERDICT;
  const baseRepeats = usePairs ? common : sortedRepeats(baseline);
  const candRepeats = usePairs ? common : sortedRepeats(candidate);
  const b = baseRepeats.map((r) => baseline.get(r)!);
  const c = candRepeats.map((r) => candidate.get(r)!);
  const baselineValue = b.length > 0 ? geometricMean(b) : null;
  const candidateValue = c.length > 0 ? geometricMean(c) : null;
  const result: RatioEstimate = {
    ratio: baselineValue !== null && candidateValue !== null && baselineValue > 0 ? candidateValue / baselineValue : null,
    ci: null,
    method: 'none',
    pairs: 0,
    repeatsBaseline: b.length,
    repeatsCandidate: c.length,
    df: null,
    baselineValue,
    candidateValue,
    unavailableReason: '',
  };
  if (!usePairs && (b.length < MIN_REPEATS_FOR_VERDICT || c.length < MIN_REPEATS_FOR_VERDICT)) {
    return { ...result, unavailableReason: needsRepeatsReason({ baseline: b.length, candidate: c.length }) };
  }
  const method: IntervalMethod = usePairs ? 'paired-t' : 'welch-t';
  const pairs = usePairs ? common.length : 0;
  if ([...b, ...c].every((v) => v === 0)) {
    return { ...result, ratio: 1, ci: { low: 1, high: 1 }, method, pairs, unavailableReason: '' };
  }
  const zeroBase = nonPositive(baseline, baseRepeats);
  const zeroCand = nonPositive(candidate, candRepeats);
  if (zeroBase.length > 0 || zeroCand.length > 0) {
    const where = [
      zeroBase.length > 0 ? `baseline ${plural(zeroBase.length, 'repeat')} (${zeroBase.join(', ')})` : '',
      zeroCand.length > 0 ? `candidate ${plural(zeroCand.length, 'repeat')} (${zeroCand.join(', ')})` : '',
    ].filter(Boolean);
    return { ...result, method: 'none', unavailableReason: `0 in ${where.join(' and ')}: a ratio interval needs positive values` };
  }
  const alpha = 1 - confidence;
  if (usePairs) {
    const d = common.map((r) => Math.log(candidate.get(r)! / baseline.get(r)!));
    const df = d.length - 1;
    const centre = mean(d);
    const half = studentTQuantile(1 - alpha / 2, df) * Math.sqrt(variance(d) / d.length);
    return { ...result, ratio: Math.exp(centre), ci: { low: Math.exp(centre - half), high: Math.exp(centre + half) }, method, pairs, df };
  }
  const lb = b.map(Math.log);
  const lc = c.map(Math.log);
  const centre = mean(lc) - mean(lb);
  const vb = variance(lb) / lb.length;
  const vc = variance(lc) / lc.length;
  const se2 = vb + vc;
  if (se2 === 0) return { ...result, ratio: Math.exp(centre), ci: { low: Math.exp(centre), high: Math.exp(centre) }, method, df: lb.length + lc.length - 2 };
  const df = se2 ** 2 / (vb ** 2 / (lb.length - 1) + vc ** 2 / (lc.length - 1));
  const half = studentTQuantile(1 - alpha / 2, df) * Math.sqrt(se2);
  return { ...result, ratio: Math.exp(centre), ci: { low: Math.exp(centre - half), high: Math.exp(centre + half) }, method, df };
}

/**
 * One configuration's value over repeats (an absolute threshold on latency, throughput, bytes or
 * a cost): the one-sample t-interval on ln of the per-repeat values, exponentiated; its centre is
 * their geometric mean. 0 in every repeat gives 0 exactly.
 */
export function logMeanInterval(values: readonly number[], options: { confidence?: number } = {}): ValueEstimate {
  const confidence = checkConfidence(options.confidence);
  const n = values.length;
  const base: ValueEstimate = { estimate: n > 0 ? geometricMean(values) : null, ci: null, method: 'none', repeats: n, df: null, unavailableReason: '' };
  if (n > 0 && values.every((v) => v === 0)) base.estimate = 0;
  if (n < MIN_REPEATS_FOR_VERDICT) return { ...base, unavailableReason: needsRepeatsReason({ candidate: n }) };
  if (base.estimate === 0) return { ...base, ci: { low: 0, high: 0 }, method: 'one-sample-t', df: n - 1 };
  if (base.estimate === null) return { ...base, unavailableReason: '0 in some repeats and not in others: a log-scale interval needs positive values' };
  const logs = values.map(Math.log);
  const centre = mean(logs);
  const half = studentTQuantile(1 - (1 - confidence) / 2, n - 1) * Math.sqrt(variance(logs) / n);
  return { ...base, ci: { low: Math.exp(centre - half), high: Math.exp(centre + half) }, method: 'one-sample-t', df: n - 1 };
}

/** Events out of trials in one repeat: errors of requests sent, unserved of requests intended. */
export interface RateCounts {
  events: number;
  trials: number;
}

/**
 * A rate over repeats (error_rate, failure_rate, unserved_rate). Failures cluster inside a run
 * (one stall fails hundreds of requests), so a binomial interval on the pooled counts alone is far
 * too narrow; and the per-repeat rates are skewed (most runs few, some many), where a plain
 * t-interval on them undercovers (88-93% at 3-8 repeats in the simulation). The interval is the
 * union of Cox's interval for a lognormal mean on the per-repeat rates (each shifted by half an
 * event so that a run without failures still has a logarithm) and the Wilson interval on the
 * pooled counts (right when events are too few for the per-repeat rates to say anything); the
 * union covers at least as often as the better of the two. Clipped to [0, 1]; its centre is the
 * pooled rate. Repeats with no trials are skipped.
 */
export function rateInterval(counts: readonly RateCounts[], options: { confidence?: number } = {}): ValueEstimate {
  const confidence = checkConfidence(options.confidence);
  const used = counts.filter((c) => c.trials > 0);
  const n = used.length;
  const events = used.reduce((acc, c) => acc + c.events, 0);
  const trials = used.reduce((acc, c) => acc + c.trials, 0);
  const base: ValueEstimate = { estimate: trials > 0 ? events / trials : null, ci: null, method: 'none', repeats: n, df: null, unavailableReason: '' };
  if (n < MIN_REPEATS_FOR_VERDICT) return { ...base, unavailableReason: needsRepeatsReason({ candidate: n }) };
  const alpha = 1 - confidence;
  const logs = used.map((c) => Math.log((c.events + 0.5) / c.trials));
  const s2 = variance(logs);
  const centre = mean(logs) + s2 / 2;
  const half = studentTQuantile(1 - alpha / 2, n - 1) * Math.sqrt(s2 / n + s2 ** 2 / (2 * (n - 1)));
  const wilson = wilsonInterval(events, trials, normalQuantile(1 - alpha / 2));
  const ci = { low: Math.max(0, Math.min(Math.exp(centre - half), wilson.low)), high: Math.min(1, Math.max(Math.exp(centre + half), wilson.high)) };
  return { ...base, ci, method: 'rate-cox-wilson', df: n - 1 };
}

/** Wilson score interval of a binomial proportion. */
function wilsonInterval(events: number, trials: number, z: number): Interval {
  const p = events / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt(p * (1 - p) / trials + z2n / (4 * trials));
  // At 0 or all events the bounds are 0 and 1 exactly; the formula leaves rounding dust.
  return { low: events === 0 ? 0 : Math.max(0, centre - half), high: events === trials ? 1 : Math.min(1, centre + half) };
}

/**
 * How an interval was made, for tables and reasons: "paired t, 5 pairs", "unpaired Welch t,
 * 5 + 4 repeats", "t on logs, 5 repeats", "Cox + Wilson, 5 repeats"; '' for none.
 */
export function methodLabel(method: IntervalMethod, counts: { pairs?: number; repeats?: number; repeatsBaseline?: number; repeatsCandidate?: number }): string {
  switch (method) {
    case 'paired-t':
      return `paired t, ${plural(counts.pairs ?? 0, 'pair')}`;
    case 'welch-t':
      return `unpaired Welch t, ${counts.repeatsBaseline ?? 0} + ${counts.repeatsCandidate ?? 0} repeats`;
    case 'one-sample-t':
      return `t on logs, ${plural(counts.repeats ?? 0, 'repeat')}`;
    case 'rate-cox-wilson':
      return `Cox + Wilson, ${plural(counts.repeats ?? 0, 'repeat')}`;
    case 'none':
      return '';
  }
}
