import { createRng, type Rng } from '../../lib/random/prng.ts';
import type { Interval } from '../report-schema.ts';
import { compareRepeats, logMeanInterval, rateInterval, type RateCounts } from './intervals.ts';

/**
 * Simulated repeats from known distributions, to measure how often the intervals of intervals.ts
 * cover the true value (coverage.test.ts asserts it; docs/statistics.md quotes the figures).
 *
 * The model of one run: every latency of repeat i is S_i x J x L, where L is drawn from a latency
 * distribution fixed for the configuration, S_i is the machine drift of time slot i (lognormal,
 * shared by the two runs of a pair when they ran back to back) and J is the run's own jitter
 * (lognormal, never shared). The candidate draws c x L: every percentile of it is exactly c times
 * the baseline's, so the true ratio is c. A percentile is scale-equivariant, so a run's p-th
 * percentile is S_i x J x (the p-th percentile of its raw draws), taken exactly from them; and
 * the ratio intervals are scale-equivariant too, so one set of simulated jobs is judged at every
 * c asked for (the coverage is the same at every c unless the interval code is wrong).
 */
export type LatencyModelName = 'lognormal' | 'heavy-tail' | 'heavy-tail-stalls';

type Normal = () => number;

export interface LatencyModel {
  name: LatencyModelName;
  /** One latency at drift 1, ms. */
  draw(rng: Rng, normal: Normal): number;
  /** A stall (a GC storm, a noisy neighbour) that hits a whole run with some probability and moves its tail. */
  stall?: { probability: number; fraction: number; extraMs: (rng: Rng) => number };
}

/** Standard normal draws (Box-Muller, both values of each pair used; 1 - u keeps the log away from 0). */
function normalSource(rng: Rng): Normal {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - rng.nextFloat()));
    const angle = 2 * Math.PI * rng.nextFloat();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

const MEDIAN_MS = 8;
const BODY_SIGMA = 0.5;

/** The latency models: a lognormal body; plus a Pareto tail; plus run-level stalls. */
export function latencyModel(name: LatencyModelName): LatencyModel {
  const lognormal = (_: Rng, normal: Normal) => MEDIAN_MS * Math.exp(BODY_SIGMA * normal());
  if (name === 'lognormal') return { name, draw: lognormal };
  // 3% of requests from a Pareto tail (alpha 1.5: infinite variance) starting at 3x the median.
  const heavy = (rng: Rng, normal: Normal) => (rng.nextFloat() < 0.03 ? 3 * MEDIAN_MS * (1 - rng.nextFloat()) ** (-1 / 1.5) : lognormal(rng, normal));
  if (name === 'heavy-tail') return { name, draw: heavy };
  // 15% of runs have a stall that adds 5-20x the median to 2% of their requests.
  return { name, draw: heavy, stall: { probability: 0.15, fraction: 0.02, extraMs: (rng) => MEDIAN_MS * (5 + 15 * rng.nextFloat()) } };
}

/** Rank of the p-th percentile among n values, 1-based: the HDR rule (smallest value whose cumulative count reaches ceil(p/100 x n)). */
function rankOf(percentile: number, n: number): number {
  return Math.max(1, Math.ceil((percentile / 100) * n));
}

/** The k-th smallest (0-based) of values, in place (Hoare's selection, expected linear time). */
function select(values: Float64Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >>> 1]!;
    let i = low;
    let j = high;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) high = j;
    else if (k >= i) low = i;
    else return values[k]!;
  }
  return values[k]!;
}

/** The model's percentile at drift 1, from a large seeded sample. */
export function modelPercentile(model: LatencyModel, percentile: number, seed: number, count = 400_000): number {
  if (model.stall) throw new Error('internal: a model with run-level stalls has no single-run percentile');
  const rng = createRng(seed).fork(`truth:${model.name}`);
  const normal = normalSource(rng);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = model.draw(rng, normal);
  return select(values, rankOf(percentile, count) - 1);
}

/**
 * exp(E[ln p-th percentile of one run of `samplesPerRun`]) at drift 1, over `runs` seeded runs:
 * what an absolute interval estimates (the typical value a run of this length reports). It sits
 * a little below modelPercentile for short runs: the HDR rule takes the ceil(p n)-th of n values.
 */
export function perRunPercentile(model: LatencyModel, percentile: number, samplesPerRun: number, seed: number, runs = 5000): number {
  const rng = createRng(seed).fork(`per-run-truth:${model.name}:${samplesPerRun}`);
  const normal = normalSource(rng);
  const buffer = new Float64Array(samplesPerRun);
  let sumLog = 0;
  for (let i = 0; i < runs; i++) sumLog += Math.log(runPercentile(model, rng, normal, buffer, percentile));
  return Math.exp(sumLog / runs);
}

/** The percentile of one run's raw draws (before drift and jitter). */
function runPercentile(model: LatencyModel, rng: Rng, normal: Normal, values: Float64Array, percentile: number): number {
  for (let i = 0; i < values.length; i++) values[i] = model.draw(rng, normal);
  if (model.stall && rng.nextFloat() < model.stall.probability) {
    for (let i = 0; i < values.length; i++) if (rng.nextFloat() < model.stall.fraction) values[i]! += model.stall.extraMs(rng);
  }
  return select(values, rankOf(percentile, values.length) - 1);
}

export interface LatencyCoverageCase {
  model: LatencyModelName;
  /** True candidate / baseline ratios of every percentile to judge the simulated jobs at. */
  ratios: readonly number[];
  /** Repeats per configuration (pairs, when paired). */
  repeats: number;
  percentile: number;
  trials: number;
  seed: number;
  /** Latencies per run (a 20 s run at 150 req/s measures 3000). */
  samplesPerRun: number;
  /**
   * What the one-sample (absolute) interval must cover: the typical per-run percentile (default;
   * what it estimates), the distribution's percentile (which short runs underestimate), or none
   * (skip the one-sample interval).
   */
  absoluteTruth?: 'per-run' | 'distribution' | 'none';
  /** Standard deviation of ln(machine drift) per time slot (default 0.15). */
  driftSigma?: number;
  /** Standard deviation of ln(a run's own jitter) (default 0.05). */
  runSigma?: number;
  confidence?: number;
}

export interface LatencyCoverage {
  ratio: number;
  trials: number;
  /** Fraction of trials whose interval held the truth: both configurations in one interleaved job. */
  paired: number;
  /** Candidate and baseline in separate jobs (drift not shared), Welch. */
  unpaired: number;
  /** The candidate's own percentile (absolute thresholds); null when skipped, or for a distribution truth of a model with run-level stalls. */
  oneSample: number | null;
}

function covers(ci: Interval | null, truth: number): boolean {
  // A zero-width interval at exactly the truth covers it; allow for rounding.
  return ci !== null && ci.low <= truth * (1 + 1e-12) && ci.high >= truth * (1 - 1e-12);
}

/**
 * How often the paired, the unpaired and the one-sample intervals cover the truth over `trials`
 * simulated jobs of `repeats` repeats per configuration, at each ratio. Deterministic for a seed.
 */
export function latencyCoverage(c: LatencyCoverageCase): LatencyCoverage[] {
  const model = latencyModel(c.model);
  const driftSigma = c.driftSigma ?? 0.15;
  const runSigma = c.runSigma ?? 0.05;
  const absolute = c.absoluteTruth ?? 'per-run';
  const truth =
    absolute === 'per-run'
      ? perRunPercentile(model, c.percentile, c.samplesPerRun, c.seed)
      : absolute === 'none' || model.stall
        ? null
        : modelPercentile(model, c.percentile, c.seed);
  const rng = createRng(c.seed).fork(`coverage:${c.model}:${c.repeats}:${c.percentile}`);
  const normal = normalSource(rng);
  const buffer = new Float64Array(c.samplesPerRun);
  const counts = c.ratios.map(() => ({ paired: 0, unpaired: 0, oneSample: 0 }));
  for (let t = 0; t < c.trials; t++) {
    // Raw percentiles with their drift and jitter; the candidate's are scaled by each ratio below.
    const base = new Map<number, number>();
    const cand = new Map<number, number>();
    const candElsewhere = new Map<number, number>();
    for (let i = 0; i < c.repeats; i++) {
      const drift = Math.exp(driftSigma * normal());
      const otherDrift = Math.exp(driftSigma * normal());
      const b = runPercentile(model, rng, normal, buffer, c.percentile) * Math.exp(runSigma * normal());
      const x = runPercentile(model, rng, normal, buffer, c.percentile) * Math.exp(runSigma * normal());
      base.set(i, drift * b);
      cand.set(i, drift * x);
      candElsewhere.set(i, otherDrift * x);
    }
    c.ratios.forEach((ratio, r) => {
      const scaled = (m: Map<number, number>) => new Map([...m].map(([k, v]) => [k, v * ratio]));
      if (covers(compareRepeats(base, scaled(cand), { paired: true, confidence: c.confidence }).ci, ratio)) counts[r]!.paired++;
      if (covers(compareRepeats(base, scaled(candElsewhere), { paired: false, confidence: c.confidence }).ci, ratio)) counts[r]!.unpaired++;
      if (truth !== null && covers(logMeanInterval([...scaled(cand).values()], { confidence: c.confidence }).ci, truth * ratio)) counts[r]!.oneSample++;
    });
  }
  return c.ratios.map((ratio, r) => ({
    ratio,
    trials: c.trials,
    paired: counts[r]!.paired / c.trials,
    unpaired: counts[r]!.unpaired / c.trials,
    oneSample: truth === null ? null : counts[r]!.oneSample / c.trials,
  }));
}

export interface RateCoverageCase {
  /** True mean failure rate. */
  rate: number;
  /** Requests per run. */
  requestsPerRun: number;
  repeats: number;
  /** Shape of the Gamma factor of each run's rate: 1/shape is the squared coefficient of variation between runs. */
  clusteringShape: number;
  trials: number;
  seed: number;
  confidence?: number;
}

/** Poisson by inversion; above a mean of 500 (exp underflows past 745) its normal approximation. */
function poisson(rng: Rng, normal: Normal, mean: number): number {
  if (mean > 500) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
  let k = 0;
  let p = Math.exp(-mean);
  let cumulative = p;
  const u = rng.nextFloat();
  while (u > cumulative) {
    k += 1;
    p *= mean / k;
    cumulative += p;
  }
  return k;
}

/** Gamma(shape, 1/shape) (mean 1) by Marsaglia and Tsang; shape >= 1. */
function gammaMeanOne(rng: Rng, normal: Normal, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal();
    const v = (1 + c * x) ** 3;
    if (v > 0 && Math.log(1 - rng.nextFloat()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / shape;
  }
}

/**
 * Coverage of rateInterval when failures cluster: each run's rate is the true rate times a
 * Gamma(shape, 1/shape) factor, and its failures are Poisson around that.
 */
export function rateCoverage(c: RateCoverageCase): number {
  if (!(c.clusteringShape >= 1)) throw new RangeError(`clusteringShape must be >= 1, got ${c.clusteringShape}`);
  const rng = createRng(c.seed).fork(`rate-coverage:${c.rate}:${c.repeats}:${c.clusteringShape}`);
  const normal = normalSource(rng);
  let covered = 0;
  for (let t = 0; t < c.trials; t++) {
    const counts: RateCounts[] = [];
    for (let i = 0; i < c.repeats; i++) {
      counts.push({ events: poisson(rng, normal, c.rate * gammaMeanOne(rng, normal, c.clusteringShape) * c.requestsPerRun), trials: c.requestsPerRun });
    }
    if (covers(rateInterval(counts, { confidence: c.confidence }).ci, c.rate)) covered++;
  }
  return covered / c.trials;
}
