import { FeedscaleError } from '../../lib/errors.ts';
import type { ArrivalSchedule } from './arrival-schedule.ts';
import type { RequestSource, RequestSpec } from './request-source.ts';

/**
 * One generator's share of a run split over several (generator-pool.ts): generator `index` of
 * `count` takes arrivals i ≡ index (mod count) of the one seeded schedule, and request i of the
 * one request stream for arrival i. Every index goes to exactly one generator, and its intended
 * start is the schedule's own number for i (not recomputed from a thinned rate), so the union
 * of the partitions is the single generator's run, request for request.
 *
 * @example { index: 1, count: 2 } // arrivals and requests 1, 3, 5, ...
 */
export interface Partition {
  index: number;
  count: number;
}

/** Largest number of generators one run may be split over. */
export const MAX_GENERATORS = 64;

export function checkPartition(p: Partition): void {
  if (!Number.isInteger(p.count) || p.count < 1 || p.count > MAX_GENERATORS) {
    throw new FeedscaleError('CFG_ERR_INVALID', `partition.count must be an integer from 1 to ${MAX_GENERATORS} (got ${p.count})`);
  }
  if (!Number.isInteger(p.index) || p.index < 0 || p.index >= p.count) {
    throw new FeedscaleError('CFG_ERR_INVALID', `partition.index must be an integer from 0 to count - 1 = ${p.count - 1} (got ${p.index})`);
  }
}

/** The global index of this generator's k-th arrival. */
export function globalIndexOf(p: Partition, k: number): number {
  return p.index + k * p.count;
}

/** The arrivals i ≡ index (mod count) of `schedule`, with the schedule's own intended starts. */
export function partitionSchedule(schedule: ArrivalSchedule, p: Partition): ArrivalSchedule {
  checkPartition(p);
  if (p.count === 1) return schedule;
  let skip = p.index;
  return {
    next(): number | undefined {
      for (; skip > 0; skip--) if (schedule.next() === undefined) return undefined;
      skip = p.count - 1;
      return schedule.next();
    },
  };
}

/**
 * Requests i ≡ index (mod count) of `source`, in order. A seeded stream can only be stepped, so
 * each generator steps through every request and keeps its own (count - 1 of count are built and
 * dropped): O(N) generator steps per generator, the price of the stream staying one stream.
 */
export function partitionSource(source: RequestSource, p: Partition): RequestSource {
  checkPartition(p);
  if (p.count === 1) return source;
  let skip = p.index;
  return {
    next(): RequestSpec {
      for (; skip > 0; skip--) source.next();
      skip = p.count - 1;
      return source.next();
    },
  };
}
