import { FeedscaleError } from '../../lib/errors.ts';
import { createRng } from '../../lib/random/prng.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import { normalCdf } from '../../lib/stats/normal.ts';
import { lnGamma } from '../../lib/stats/student-t.ts';
import { normalQuantile, studentTQuantile } from '../stats/distributions.ts';
import { MIN_REPEATS_FOR_VERDICT } from '../stats/intervals.ts';
import { isRate, measureRun, metricLabel } from '../stats/run-metric.ts';
import { judgeRuns, type GateResult, type GateSide, type ThresholdStatus } from './evaluate-gate.ts';
import type { Threshold } from './threshold.ts';

/**
 * Many gate judgements on sub-jobs cut from one real job: the machinery of A/A (how often the
 * gate fails, or cannot decide, when nothing changed) and of power (how often it detects a known
 * regression). A trial is a set of repeat pairs, each pair two healthy runs that ran back to back,
 * renumbered 0..k-1 so that the gate pairs them as one interleaved job of k repeats would.
 */

/** Two healthy runs that ran back to back, first and second in run order. */
export interface RunPair {
  first: RunResult;
  second: RunResult;
}

export interface GateTrial {
  baseline: GateSide;
  candidate: GateSide;
  baselineRuns: RunResult[];
  candidateRuns: RunResult[];
}

/** Which pairs a trial takes, and for each whether its second run is the baseline. */
export interface TrialDesign {
  pairs: readonly number[];
  secondIsBaseline: readonly boolean[];
}

/** The runs of a trial, renumbered: pair j of the trial is repeat j of both sides. */
export function buildTrial(pairs: readonly RunPair[], design: TrialDesign, sides: { baseline: GateSide; candidate: GateSide }): GateTrial {
  const baselineRuns: RunResult[] = [];
  const candidateRuns: RunResult[] = [];
  design.pairs.forEach((index, repeat) => {
    const pair = pairs[index]!;
    const flip = design.secondIsBaseline[repeat] ?? false;
    baselineRuns.push({ ...(flip ? pair.second : pair.first), configuration: sides.baseline.configuration, repeat, attempt: 0 });
    candidateRuns.push({ ...(flip ? pair.first : pair.second), configuration: sides.candidate.configuration, repeat, attempt: 0 });
  });
  return { ...sides, baselineRuns, candidateRuns };
}

/** n choose k, exact for the sizes here (n up to 50). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= Math.min(k, n - k); i++) result = (result * (n - i + 1)) / i;
  return Math.round(result);
}

/** The combination of rank `rank` (0-based, lexicographic) of k out of 0..n-1. */
export function unrankCombination(n: number, k: number, rank: number): number[] {
  const out: number[] = [];
  let remaining = rank;
  let next = 0;
  for (let slot = 0; slot < k; slot++) {
    for (let candidate = next; candidate < n; candidate++) {
      const after = binomial(n - candidate - 1, k - slot - 1);
      if (remaining < after) {
        out.push(candidate);
        next = candidate + 1;
        break;
      }
      remaining -= after;
    }
  }
  return out;
}

/**
 * Trial indices in [0, total): all of them when there are at most `max`, else `max` distinct ones
 * drawn with a seeded stream (sorted, so the order does not depend on the draw). `sampled` says which.
 */
export function trialIndices(total: number, max: number, seed: number): { indices: number[]; sampled: boolean } {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a non-negative safe integer, got ${total}`);
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
  if (total <= max) return { indices: Array.from({ length: total }, (_, i) => i), sampled: false };
  const rng = createRng(seed).fork('gate-trials');
  const chosen = new Set<number>();
  // Floyd's algorithm: max distinct values without a shuffle of the whole range.
  for (let j = total - max; j < total; j++) {
    const t = Math.floor(rng.nextFloat() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return { indices: [...chosen].sort((a, b) => a - b), sampled: true };
}

export interface StatusCounts {
  total: number;
  passed: number;
  failed: number;
  inconclusive: number;
  passRate: number;
  failRate: number;
  inconclusiveRate: number;
}

function countsOf(statuses: readonly ThresholdStatus[]): StatusCounts {
  const n = statuses.length;
  const count = (s: ThresholdStatus) => statuses.filter((x) => x === s).length;
  const rate = (c: number) => (n === 0 ? 0 : c / n);
  const passed = count('passed');
  const failed = count('failed');
  const inconclusive = count('inconclusive');
  return { total: n, passed, failed, inconclusive, passRate: rate(passed), failRate: rate(failed), inconclusiveRate: rate(inconclusive) };
}

export interface ThresholdTrials extends StatusCounts {
  expression: string;
  endpoint: string;
  /** Inconclusive evaluations by cause: the interval straddled the limit, too few healthy repeats, no verdict possible. */
  inconclusiveBy: { straddles: number; tooFewRepeats: number; noVerdict: number; other: number };
}

export interface TrialsSummary {
  /** Gate verdicts over the trials (a trial fails when any of its thresholds fails). */
  verdicts: StatusCounts;
  /** Per threshold and endpoint. */
  byThreshold: ThresholdTrials[];
}

function causeOf(reason: string): keyof ThresholdTrials['inconclusiveBy'] {
  if (reason.includes('straddles the limit')) return 'straddles';
  if (reason.includes('needs ≥')) return 'tooFewRepeats';
  if (reason.startsWith('no verdict')) return 'noVerdict';
  return 'other';
}

/** Counts of pass, fail and inconclusive over gate results, overall and per threshold x endpoint. */
export function summarizeTrials(results: readonly GateResult[]): TrialsSummary {
  const byKey = new Map<string, { expression: string; endpoint: string; statuses: ThresholdStatus[]; inconclusiveBy: ThresholdTrials['inconclusiveBy'] }>();
  for (const result of results) {
    for (const e of result.evaluations) {
      const key = `${e.expression}\u0000${e.endpoint}`;
      const entry = byKey.get(key) ?? { expression: e.expression, endpoint: e.endpoint, statuses: [], inconclusiveBy: { straddles: 0, tooFewRepeats: 0, noVerdict: 0, other: 0 } };
      entry.statuses.push(e.status);
      if (e.status === 'inconclusive') entry.inconclusiveBy[causeOf(e.reason)] += 1;
      byKey.set(key, entry);
    }
  }
  return {
    verdicts: countsOf(results.map((r) => r.verdict)),
    byThreshold: [...byKey.values()].map((e) => ({ expression: e.expression, endpoint: e.endpoint, ...countsOf(e.statuses), inconclusiveBy: e.inconclusiveBy })),
  };
}

/** Above this many distinct trials, a seeded sample of this many is judged. */
export const DEFAULT_MAX_TRIALS = 1024;

/**
 * Trial `index` of all trials of k out of `pairCount` pairs: the combination of rank
 * index / 2^k (lexicographic) and, with `orientations`, bit j of index mod 2^k saying whether the
 * second run of the trial's j-th pair is the baseline.
 */
export function designAt(index: number, pairCount: number, k: number, orientations: boolean): TrialDesign {
  const perCombination = orientations ? 2 ** k : 1;
  const chosen = unrankCombination(pairCount, k, Math.floor(index / perCombination));
  const mask = index % perCombination;
  return { pairs: chosen, secondIsBaseline: chosen.map((_, bit) => ((mask >> bit) & 1) === 1) };
}

export interface SubsetsInput {
  pairs: readonly RunPair[];
  /** Pairs per trial; default all of them. */
  pairsPerTrial?: number;
  /** Also try both assignments of each pair's runs (A/A); without, the first run is always the baseline (power). */
  orientations: boolean;
  sides: { baseline: GateSide; candidate: GateSide };
  thresholds: readonly Threshold[];
  maxTrials?: number;
  seed: number;
  confidence?: number;
  /** The CFG_ERR_INVALID message when there are fewer than MIN_REPEATS_FOR_VERDICT pairs. */
  tooFewPairs: string;
}

export interface SubsetsJudged {
  pairsPerTrial: number;
  /** How many distinct trials there are: C(pairs, k), times 2^k with orientations. */
  distinct: number;
  /** true when a seeded sample of them was judged. */
  sampled: boolean;
  results: GateResult[];
  summary: TrialsSummary;
  noise: PairNoise[];
}

/** The gate on every trial of k pairs cut from `pairs` (or a seeded sample of them). Pure and deterministic for a seed. */
export function judgeSubsets(input: SubsetsInput): SubsetsJudged {
  const n = input.pairs.length;
  if (n < MIN_REPEATS_FOR_VERDICT) throw new FeedscaleError('CFG_ERR_INVALID', input.tooFewPairs);
  const k = input.pairsPerTrial ?? n;
  if (!Number.isInteger(k) || k < MIN_REPEATS_FOR_VERDICT || k > n) {
    throw new FeedscaleError('CFG_ERR_INVALID', `pairs per gate must be an integer from ${MIN_REPEATS_FOR_VERDICT} to the ${n} healthy pairs, got ${k}`);
  }
  const distinct = binomial(n, k) * (input.orientations ? 2 ** k : 1);
  const { indices, sampled } = trialIndices(distinct, input.maxTrials ?? DEFAULT_MAX_TRIALS, input.seed);
  const results = judgeTrials(
    indices.map((i) => buildTrial(input.pairs, designAt(i, n, k, input.orientations), input.sides)),
    input.thresholds,
    input.confidence,
  );
  const endpoints = [...new Set(input.pairs.flatMap((p) => [...p.first.endpoints, ...p.second.endpoints].map((e) => e.endpoint)))];
  return { pairsPerTrial: k, distinct, sampled, results, summary: summarizeTrials(results), noise: pairNoise(input.pairs, input.thresholds, endpoints, k) };
}

/** Judges every trial with the gate, paired by repeat. Pure. */
export function judgeTrials(trials: readonly GateTrial[], thresholds: readonly Threshold[], confidence?: number): GateResult[] {
  return trials.map((t) =>
    judgeRuns({
      baseline: { side: t.baseline, runs: t.baselineRuns },
      candidate: { side: t.candidate, runs: t.candidateRuns },
      thresholds,
      pairing: 'paired',
      confidence,
    }),
  );
}

/**
 * What the pairs of a job say about one relative threshold's metric: the per-pair log ratios
 * ln(second / first) (A/A) or ln(candidate / baseline) (power), their spread, and what that spread
 * means for a gate of k pairs (docs/statistics.md, "Choosing tolerances"). The probabilities use
 * the Johnson-Welch normal approximation of the noncentral t distribution (within 0.01 of the
 * exact values from 3 pairs up) and treat the spread as known: they are a guide, A/A and power
 * runs are the measurement.
 */
export interface PairNoise {
  expression: string;
  endpoint: string;
  metric: string;
  /** Pairs with a positive value on both sides. */
  pairs: number;
  /** exp(mean per-pair log ratio): the effect the pairs show (about 1 in A/A). */
  meanRatio: number;
  /** Standard deviation of the per-pair log ratios (about the relative noise of one pair). */
  sdLogRatio: number;
  /** Typical 95% half-width of a gate of `pairsPerGate` pairs, as a fraction (0.08 = ±8%). */
  typicalHalfWidth: number;
  /** The smallest relative tolerance a no-change gate of `pairsPerGate` pairs passes 90% of the time, as a fraction (a gate with two noisy thresholds then passes about 80%). */
  toleranceFor90PercentPass: number;
  /** With this threshold's own limit: how often a no-change gate of `pairsPerGate` pairs passes. null when the limit does not allow "no change". */
  expectedPassRate: number | null;
  /** With this threshold's own limit: the change (candidate / baseline) it fails 90% of the time. null as above. */
  detected90AtRatio: number | null;
}

/** c4(n): E[sample standard deviation] / sigma for normal samples of n. */
function c4(n: number): number {
  return Math.sqrt(2 / (n - 1)) * Math.exp(lnGamma(n / 2) - lnGamma((n - 1) / 2));
}

/**
 * The noncentrality δ = (distance to the limit) x √k / σ at which a one-sided check
 * "mean + t s / √k stays on this side of the limit" succeeds with probability `p`
 * (Johnson-Welch: P(T'(ν, δ) > t) ≈ Φ((δ - t (1 - 1/4ν)) / √(1 + t²/2ν))).
 */
function noncentralityFor(p: number, t: number, nu: number): number {
  return t * (1 - 1 / (4 * nu)) + normalQuantile(p) * Math.sqrt(1 + (t * t) / (2 * nu));
}

function successProbability(delta: number, t: number, nu: number): number {
  return normalCdf((delta - t * (1 - 1 / (4 * nu))) / Math.sqrt(1 + (t * t) / (2 * nu)));
}

export function pairNoise(pairs: readonly RunPair[], thresholds: readonly Threshold[], endpoints: readonly string[], pairsPerGate: number): PairNoise[] {
  const k = Math.max(pairsPerGate, MIN_REPEATS_FOR_VERDICT);
  const nu = k - 1;
  const t975 = studentTQuantile(0.975, nu);
  const out: PairNoise[] = [];
  for (const t of thresholds) {
    if (t.limit.kind !== 'relative' || isRate(t.metric)) continue;
    // The side of 1 a no-change job must stay on: below an upper limit above 1, above a lower limit below 1.
    const lnLimit = Math.log(1 + t.limit.percent / 100);
    const upper = t.operator === '<' || t.operator === '<=';
    const room = upper ? lnLimit : -lnLimit;
    for (const endpoint of t.endpoint === '*' ? endpoints : [t.endpoint]) {
      const logs: number[] = [];
      for (const { first, second } of pairs) {
        const a = measureRun(first, endpoint, t.metric);
        const b = measureRun(second, endpoint, t.metric);
        if (a.ok && b.ok && a.value > 0 && b.value > 0) logs.push(Math.log(b.value / a.value));
      }
      if (logs.length < 2) continue;
      const mean = logs.reduce((x, y) => x + y, 0) / logs.length;
      const sd = Math.sqrt(logs.reduce((acc, d) => acc + (d - mean) ** 2, 0) / (logs.length - 1));
      const se = sd / Math.sqrt(k);
      const ownLimit = room > 0 && se > 0;
      out.push({
        expression: t.expression,
        endpoint,
        metric: metricLabel(t.metric),
        pairs: logs.length,
        meanRatio: Math.exp(mean),
        sdLogRatio: sd,
        typicalHalfWidth: Math.exp(t975 * c4(k) * se) - 1,
        toleranceFor90PercentPass: Math.exp(noncentralityFor(0.9, t975, nu) * se) - 1,
        expectedPassRate: ownLimit ? successProbability(room / se, t975, nu) : room > 0 ? 1 : null,
        detected90AtRatio: room > 0 ? Math.exp((upper ? 1 : -1) * (room + noncentralityFor(0.9, t975, nu) * se)) : null,
      });
    }
  }
  return out;
}
