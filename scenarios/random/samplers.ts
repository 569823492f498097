import type { Rng } from '../../lib/random/prng.ts';

/**
 * Samplers over a seeded {@link Rng}. Pure TypeScript with no imports beyond ./prng.ts,
 * so k6 scripts can use them too.
 */

export interface ZipfSampler {
  readonly n: number;
  readonly exponent: number;
  /** A rank in 1..n; rank r is drawn with probability proportional to r^-exponent. */
  sample(rng: Rng): number;
  /** Exact probability of one rank under this distribution. */
  probability(rank: number): number;
}

/**
 * Zipf over ranks 1..n with exponent s >= 0 (s = 0 is uniform). Precomputes the CDF once
 * (8 bytes per rank) and draws by binary search: O(log n) per sample, exact for any s.
 *
 * @example
 * const popularity = createZipfSampler(140_000, 1.1);
 * const rank = popularity.sample(rng); // 1 is the most popular
 */
export function createZipfSampler(n: number, exponent: number): ZipfSampler {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isFinite(exponent) || exponent < 0) throw new RangeError(`exponent must be a finite number >= 0, got ${exponent}`);
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank++) {
    total += Math.pow(rank, -exponent);
    cdf[rank - 1] = total;
  }
  return {
    n,
    exponent,
    sample(rng: Rng): number {
      const target = rng.nextFloat() * total;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cdf[mid] as number) > target) hi = mid;
        else lo = mid + 1;
      }
      return lo + 1;
    },
    probability(rank: number): number {
      if (!Number.isInteger(rank) || rank < 1 || rank > n) return 0;
      return Math.pow(rank, -exponent) / total;
    },
  };
}

export interface WeightedChoice<T> {
  readonly items: readonly T[];
  /** Normalised weights, same order as `items`, summing to 1. */
  readonly probabilities: readonly number[];
  sample(rng: Rng): T;
}

/**
 * Chooses among items with the given non-negative weights (they need not sum to 1).
 * Items with weight 0 are never chosen.
 *
 * @example
 * const op = createWeightedChoice([['feed.read', 0.95], ['media.like', 0.05]]);
 * op.sample(rng); // 'feed.read' about 95% of the time
 */
export function createWeightedChoice<T>(entries: ReadonlyArray<readonly [T, number]>): WeightedChoice<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  const weights: number[] = [];
  let total = 0;
  for (const [item, weight] of entries) {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`weight of ${String(item)} must be a finite number >= 0, got ${weight}`);
    if (weight === 0) continue;
    total += weight;
    items.push(item);
    weights.push(weight);
    cumulative.push(total);
  }
  if (items.length === 0) throw new RangeError('weighted choice needs at least one positive weight');
  const probabilities = weights.map((w) => w / total);
  return {
    items,
    probabilities,
    sample(rng: Rng): T {
      const target = rng.nextFloat() * total;
      for (let i = 0; i < cumulative.length; i++) {
        if ((cumulative[i] as number) > target) return items[i] as T;
      }
      return items[items.length - 1] as T;
    },
  };
}

/**
 * Gap to the next arrival of a Poisson process with the given rate: exponential with mean
 * 1/rateRps, in seconds. Open-loop drivers use it for `arrival.kind = 'poisson'`.
 */
export function sampleExponentialS(rng: Rng, rateRps: number): number {
  if (!Number.isFinite(rateRps) || rateRps <= 0) throw new RangeError(`rateRps must be a positive number, got ${rateRps}`);
  // 1 - u is in (0, 1], so the log is finite.
  return -Math.log(1 - rng.nextFloat()) / rateRps;
}

/** Standard normal variate (Box-Muller; one of the pair is discarded to keep the sampler stateless). */
export function sampleStandardNormal(rng: Rng): number {
  const u1 = 1 - rng.nextFloat();
  const u2 = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Log-normal variate with the given arithmetic mean and log-space spread sigma (sigma = 0 always
 * returns `mean`). Used for skewed per-user counts whose mean must stay a published ratio.
 */
export function sampleLogNormal(rng: Rng, mean: number, sigma: number): number {
  if (!Number.isFinite(mean) || mean < 0) throw new RangeError(`mean must be a finite number >= 0, got ${mean}`);
  if (!Number.isFinite(sigma) || sigma < 0) throw new RangeError(`sigma must be a finite number >= 0, got ${sigma}`);
  if (mean === 0) return 0;
  if (sigma === 0) return mean;
  const mu = Math.log(mean) - (sigma * sigma) / 2;
  return Math.exp(mu + sigma * sampleStandardNormal(rng));
}

/** Rounds x down or up at random so that the expected result equals x (keeps means exact for counts). */
export function roundStochastic(rng: Rng, x: number): number {
  const floor = Math.floor(x);
  return rng.nextFloat() < x - floor ? floor + 1 : floor;
}

/** In-place Fisher-Yates shuffle. */
export function shuffleInPlace<T extends Uint32Array | Int32Array | number[]>(rng: Rng, array: T): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = array[i] as number;
    array[i] = array[j] as number;
    array[j] = tmp;
  }
  return array;
}
