import { DEFAULT_EXACT_RANKS, IDENTITY, sumOverRanks } from './zipf-rank-sum.ts';

/**
 * Che's approximation for an LRU cache under the independent reference model with Zipf
 * popularity p_i = i^−α / Σ_j j^−α (Che, Tung & Wang, IEEE JSAC 2002; Fricker, Robert & Roberts,
 * "A versatile and accurate approximation for LRU cache performance", ITC 2012; MODELLING.md
 * "Caches"): the characteristic time T_C (in requests) solves Σ_i (1 − e^{−p_i T_C}) = C, item i
 * hits with probability 1 − e^{−p_i T_C}, and the hit ratio is Σ_i p_i (1 − e^{−p_i T_C}).
 * Sums run through sumOverRanks (exact head, integral tail with an error bound), so a catalogue
 * of 10^9 items costs the same as one of 10^5.
 */
export interface ZipfCatalogue {
  /** Distinct items (media, feeds, sessions). */
  items: number;
  /** α >= 0; 0 is uniform. */
  exponent: number;
}

export interface CheResult {
  /** T_C in requests: an item stays cached for about this many requests after its last hit. */
  characteristicTimeRequests: number;
  hitRatio: number;
  /** Bound on the error of hitRatio from the sum approximation (not of Che's approximation itself). */
  hitRatioErrorBound: number;
}

export interface CheOptions {
  /** Ranks summed term by term before the integral tail; default 16,384. */
  exactRanks?: number;
}

/** Solves T_C by Newton's method from the left (S(T) is increasing and concave, so the iterates climb monotonically to the root). */
export function cheLruHitRatio(catalogue: ZipfCatalogue, capacityItems: number, options: CheOptions = {}): CheResult {
  const { items, exponent } = catalogue;
  if (!Number.isInteger(items) || items < 1) throw new RangeError(`items must be a positive integer, got ${items}`);
  if (!(exponent >= 0)) throw new RangeError(`exponent must be >= 0, got ${exponent}`);
  if (!(capacityItems >= 0)) throw new RangeError(`capacityItems must be >= 0, got ${capacityItems}`);
  if (capacityItems >= items) return { characteristicTimeRequests: Infinity, hitRatio: 1, hitRatioErrorBound: 0 };
  if (capacityItems === 0) return { characteristicTimeRequests: 0, hitRatio: 0, hitRatioErrorBound: 0 };
  const exactRanks = options.exactRanks ?? DEFAULT_EXACT_RANKS;
  const normaliser = zipfNormaliser(catalogue, exactRanks);
  const sums = (timeRequests: number) => {
    // u = p_i · T = (T / Z) · i^−α.
    const scale = timeRequests / normaliser.sum;
    const inCache = sumOverRanks(items, exponent, scale, { value: (u) => -Math.expm1(-u), derivative: (u) => Math.exp(-u) }, exactRanks);
    const slope = sumOverRanks(items, exponent, scale, { value: (u) => (u / timeRequests) * Math.exp(-u), derivative: (u) => ((1 - u) * Math.exp(-u)) / timeRequests }, exactRanks);
    return { inCache, slope };
  };
  let time = capacityItems;
  for (let iteration = 0; iteration < 500; iteration++) {
    const { inCache, slope } = sums(time);
    const step = (capacityItems - inCache.sum) / slope.sum;
    const next = time + Math.max(0, step);
    if (!(next > time) || (next - time) / next < 1e-13) break;
    time = next;
  }
  const { inCache, slope } = sums(time);
  const hit = hitRatioAt(catalogue, normaliser.sum, time, exactRanks);
  // First order: the item-count error moves T by err / S'(T), which moves the hit ratio by H'(T) · that.
  const hitSlope = sumOverRanks(items, exponent, time / normaliser.sum, { value: (u) => (u * u * Math.exp(-u)) / (time * time), derivative: (u) => ((2 * u - u * u) * Math.exp(-u)) / (time * time) }, exactRanks);
  const relativeNormaliserError = normaliser.errorBound / normaliser.sum;
  return {
    characteristicTimeRequests: time,
    hitRatio: hit.sum,
    hitRatioErrorBound: hit.errorBound + (hitSlope.sum / slope.sum) * inCache.errorBound + relativeNormaliserError,
  };
}

/**
 * Σ_i p_i (1 − e^{−p_i T}) for a given window of T requests: the LRU hit ratio at characteristic
 * time T, and also the hit ratio of a cold cache after T requests while it is still filling
 * (cold-start.ts).
 */
export function hitRatioAt(catalogue: ZipfCatalogue, normaliser: number, timeRequests: number, exactRanks = DEFAULT_EXACT_RANKS): { sum: number; errorBound: number } {
  if (timeRequests <= 0) return { sum: 0, errorBound: 0 };
  const scale = timeRequests / normaliser;
  return sumOverRanks(
    catalogue.items,
    catalogue.exponent,
    scale,
    {
      value: (u) => (u / timeRequests) * -Math.expm1(-u),
      derivative: (u) => (-Math.expm1(-u) + u * Math.exp(-u)) / timeRequests,
    },
    exactRanks,
  );
}

/** Σ_{i=1..n} i^−α, the Zipf normaliser, with its error bound. */
export function zipfNormaliser(catalogue: ZipfCatalogue, exactRanks = DEFAULT_EXACT_RANKS): { sum: number; errorBound: number } {
  return sumOverRanks(catalogue.items, catalogue.exponent, 1, IDENTITY, exactRanks);
}
