import { createRequestGenerator } from '../../scenarios/requests/request-generator.ts';
import { cheLruHitRatio } from '../cache/che-approximation.ts';
import { prepareWorkload, type WorkloadSource } from './work-profile.ts';

/**
 * The cache at scales the replay cannot reach (14M users): Che's approximation (MODELLING.md
 * "Caches"; simulator/cache/che-approximation.ts) on a Zipf catalogue whose exponent is measured
 * on the replayed workload. The popularity of a media object in feed reads is not a parameter of
 * the workload model: it follows from who is followed (followerZipfExponent), who reads
 * (userActivityZipfExponent) and how far down a feed a page reaches. So it is measured: replay
 * `feedReads` feed reads, count the gets per object, fit log(count) against log(rank) over the
 * head of the ranking (least squares), where Che's answer is decided.
 */
export interface PopularityFit {
  exponent: number;
  /** Distinct objects the replay touched. */
  objects: number;
  /** Gets replayed. */
  gets: number;
  /** Ranks used in the fit. */
  ranks: number;
}

export function fitFeedPopularity(source: WorkloadSource, options: { feedReads?: number; pageSize?: number; seed?: number } = {}): PopularityFit {
  const { feeds, population } = prepareWorkload(source);
  const pageSize = options.pageSize ?? 20;
  const generator = createRequestGenerator({ seed: options.seed ?? source.seed, mix: { 'feed.read': 1 }, population, feedPageSize: pageSize });
  const counts = new Map<string, number>();
  let gets = 0;
  for (let i = 0; i < (options.feedReads ?? 50_000); i++) {
    const userId = generator.next().path.split('/')[2]!;
    for (const id of (feeds.get(userId) ?? []).slice(0, pageSize)) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      gets++;
    }
  }
  const ranked = [...counts.values()].sort((a, b) => b - a);
  // The head decides an LRU's hit ratio; the tail of a finite replay is flattened by sampling (counts of 1 and 2).
  const ranks = Math.max(2, Math.min(ranked.length, ranked.findIndex((c) => c < 5) > 0 ? ranked.findIndex((c) => c < 5) : ranked.length));
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let r = 1; r <= ranks; r++) {
    const x = Math.log(r);
    const y = Math.log(ranked[r - 1]!);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const slope = (ranks * sxy - sx * sy) / (ranks * sxx - sx * sx);
  return { exponent: Math.max(0, -slope), objects: ranked.length, gets, ranks };
}

/** Steady-state LRU hit ratio of a Zipf catalogue of `items` objects in `capacityItems` (Che). */
export function steadyHitRatio(items: number, exponent: number, capacityItems: number): number {
  return cheLruHitRatio({ items: Math.max(1, Math.round(items)), exponent }, Math.max(0, Math.floor(capacityItems))).hitRatio;
}

/**
 * Expected physical shards holding at least one of `lookups` objects, each missing the cache with
 * probability `missRatio` independently and living on one of `shards` uniformly: the statements a
 * page hydration sends, S·(1 − (1 − m/S)^n).
 */
export function expectedShardsQueried(lookups: number, missRatio: number, shards: number): number {
  return shards * (1 - Math.pow(1 - missRatio / shards, lookups));
}
