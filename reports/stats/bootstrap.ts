import { createRng, fnv1a32, type Rng } from '../../lib/random/prng.ts';
import type { BootstrapMethod, Interval } from '../report-schema.ts';
import type { RepeatStatistic } from './endpoint-statistic.ts';

/**
 * Percentile-bootstrap confidence intervals over repeats.
 *
 * Why repeats and not single latencies: latencies inside one run are not independent (one GC
 * pause, one cold cache or one noisy neighbour moves thousands of them together), and the
 * run-to-run spread is the noise a regression gate must see. Resampling millions of latencies
 * gives intervals far narrower than the difference between two runs of the same build, i.e.
 * false alarms. So the unit resampled is the repeat (a cluster bootstrap); each resample
 * recomputes the statistic of the merged repeats (RepeatLatencies), the same estimator as the
 * headline number. With interleaved A B A B runs, repeat i of both sides shares the drift of
 * its time slot, so when both sides have the same repeats they are resampled in pairs.
 *
 * Caveat: with 2-3 repeats the bootstrap distribution has few distinct values and the interval
 * is coarse (and, like any percentile bootstrap on tiny samples, somewhat too narrow); more
 * repeats make it both finer and more honest. With 1 repeat there is no interval at all.
 */
export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_CONFIDENCE = 0.95;
/** Fewer repeats than this on a side: no interval. */
export const MIN_REPEATS_FOR_CI = 2;

export interface BootstrapOptions {
  seed: number;
  /** Names the stream (e.g. "feed.read/p(99)/memcached-off"), so results do not depend on call order. */
  label: string;
  resamples?: number;
  confidence?: number;
}

export interface DifferenceInterval {
  /** candidate - baseline at the observed data. */
  delta: number;
  /** candidate / baseline; null when the baseline is 0. */
  ratio: number | null;
  deltaCi: Interval | null;
  ratioCi: Interval | null;
  method: BootstrapMethod;
  resamples: number;
  confidence: number;
  /** '' when the intervals are present. */
  unavailableReason: string;
}

export interface OneSampleInterval {
  value: number;
  ci: Interval | null;
  resamples: number;
  unavailableReason: string;
}

/** A seeded stream for one named interval. */
export function rngFor(seed: number, label: string): Rng {
  return createRng(seed).fork(`bootstrap:${label}:${fnv1a32(label)}`);
}

/** Counts of each of n indexes in n draws with replacement. */
function drawMultiplicities(rng: Rng, n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) counts[rng.nextInt(n)]! += 1;
  return counts;
}

/** Linear-interpolation quantile (R type 7) of sorted values, q in [0, 1]. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('internal: quantile of no values');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

function intervalOf(values: number[], confidence: number): Interval {
  values.sort((a, b) => a - b);
  const tail = (1 - confidence) / 2;
  return { low: quantileSorted(values, tail), high: quantileSorted(values, 1 - tail) };
}

function checkOptions(options: BootstrapOptions): { resamples: number; confidence: number } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const confidence = options.confidence ?? DEFAULT_CONFIDENCE;
  if (!Number.isInteger(resamples) || resamples < 100) throw new RangeError(`resamples must be an integer >= 100, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { resamples, confidence };
}

function sameRepeats(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * CI of the statistic of one configuration (e.g. its p99, for whiskers or an absolute threshold).
 * Pure and deterministic for a given seed and label.
 */
export function bootstrapOne(statistic: RepeatStatistic, options: BootstrapOptions): OneSampleInterval {
  const { resamples, confidence } = checkOptions(options);
  const value = statistic.value();
  const n = statistic.repeats.length;
  if (n < MIN_REPEATS_FOR_CI) {
    return { value, ci: null, resamples: 0, unavailableReason: `${n} repeat${n === 1 ? '' : 's'}: a CI needs at least ${MIN_REPEATS_FOR_CI}` };
  }
  const rng = rngFor(options.seed, options.label);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) values.push(statistic.value(drawMultiplicities(rng, n)));
  return { value, ci: intervalOf(values, confidence), resamples, unavailableReason: '' };
}

/**
 * CIs of candidate - baseline and candidate / baseline. `paired` resamples repeat i of both sides
 * together; it needs the same repeat numbers on both sides and falls back to independent
 * resampling otherwise. Pure and deterministic for a given seed and label.
 *
 * @example
 * const d = bootstrapDifference(p99Of(on), p99Of(off), { seed: 42, label: 'feed.read/p99', paired: true });
 * d.ratioCi; // { low: 1.7, high: 2.3 }: off is 1.7x to 2.3x slower at p99, 95% CI
 */
export function bootstrapDifference(
  baseline: RepeatStatistic,
  candidate: RepeatStatistic,
  options: BootstrapOptions & { paired?: boolean },
): DifferenceInterval {
  const { resamples, confidence } = checkOptions(options);
  const base = baseline.value();
  const cand = candidate.value();
  const observed = { delta: cand - base, ratio: base > 0 ? cand / base : null, confidence };
  const nb = baseline.repeats.length;
  const nc = candidate.repeats.length;
  if (nb < MIN_REPEATS_FOR_CI || nc < MIN_REPEATS_FOR_CI) {
    const reason = `${Math.min(nb, nc)} repeat${Math.min(nb, nc) === 1 ? '' : 's'} on the ${nb <= nc ? 'baseline' : 'candidate'} side: a CI needs at least ${MIN_REPEATS_FOR_CI} repeats per side`;
    return { ...observed, deltaCi: null, ratioCi: null, method: 'none', resamples: 0, unavailableReason: reason };
  }
  const paired = (options.paired ?? false) && sameRepeats(baseline.repeats, candidate.repeats);
  const rng = rngFor(options.seed, options.label);
  const deltas: number[] = [];
  const ratios: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const mb = drawMultiplicities(rng, nb);
    const mc = paired ? mb : drawMultiplicities(rng, nc);
    const vb = baseline.value(mb);
    const vc = candidate.value(mc);
    deltas.push(vc - vb);
    if (vb > 0) ratios.push(vc / vb);
  }
  // A ratio CI from a biased subset of resamples would mislead: require nearly all of them.
  const ratioCi = ratios.length >= resamples * 0.99 ? intervalOf(ratios, confidence) : null;
  return {
    ...observed,
    deltaCi: intervalOf(deltas, confidence),
    ratioCi,
    method: paired ? 'paired-repeats' : 'repeats',
    resamples,
    unavailableReason: ratioCi ? '' : 'baseline statistic is 0 in some resamples: no ratio CI',
  };
}
