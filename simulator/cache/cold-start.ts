import type { ScheduleEvent } from '../model/schedule.ts';
import { cheLruHitRatio, hitRatioAt, zipfNormaliser, type ZipfCatalogue } from './che-approximation.ts';

/**
 * The hit ratio of an LRU cache that starts empty (a restart, a new memcached node), from Che's
 * approximation: under independent requests, an item is cached after N requests iff it was
 * requested in the last min(N, T_C) of them (before the cache is full nothing is evicted, and it
 * fills exactly when the expected number of distinct items requested, Σ(1 − e^{−p_i N}), reaches
 * C, that is at N = T_C). So h(N) = Σ_i p_i (1 − e^{−p_i · min(N, T_C)}), rising from 0 to the
 * steady-state hit ratio.
 */
export function coldStartHitRatio(catalogue: ZipfCatalogue, capacityItems: number, requestsSinceStart: number): number {
  const che = cheLruHitRatio(catalogue, capacityItems);
  return hitRatioAt(catalogue, zipfNormaliser(catalogue).sum, Math.min(requestsSinceStart, che.characteristicTimeRequests)).sum;
}

export interface CacheWarmupScheduleOptions {
  catalogue: ZipfCatalogue;
  capacityItems: number;
  /** Lookups per second reaching the cache (all classes that use it). */
  lookupRateRps: number;
  /** The branch whose arms are [hit, miss] in this order, per class that looks the cache up. */
  branches: readonly { classId: string; branchId: string }[];
  /** When the cache restarts empty. */
  startS: number;
  /** Width of each piecewise-constant step. */
  stepS: number;
  /** Steps to emit; the last one sets the steady-state hit ratio. */
  steps: number;
}

/**
 * A schedule (set-branch events) that replays a cold cache warming up: for each step of stepS
 * seconds after startS, the branch probabilities [h, 1 − h] with h the mean of coldStartHitRatio
 * over the step (Simpson's rule on the request count λ·t).
 */
export function cacheWarmupSchedule(options: CacheWarmupScheduleOptions): ScheduleEvent[] {
  const { catalogue, capacityItems, lookupRateRps, stepS } = options;
  const che = cheLruHitRatio(catalogue, capacityItems);
  const normaliser = zipfNormaliser(catalogue).sum;
  const at = (tS: number) => hitRatioAt(catalogue, normaliser, Math.min(lookupRateRps * tS, che.characteristicTimeRequests)).sum;
  const events: ScheduleEvent[] = [];
  for (let k = 0; k < options.steps; k++) {
    const from = k * stepS;
    const last = k === options.steps - 1;
    const hit = last ? che.hitRatio : (at(from) + 4 * at(from + stepS / 2) + at(from + stepS)) / 6;
    for (const b of options.branches) {
      events.push({ atS: options.startS + from, kind: 'set-branch', classId: b.classId, branchId: b.branchId, probabilities: [hit, 1 - hit] });
    }
  }
  return events;
}
