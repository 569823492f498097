/**
 * Request i of a k6 run is the i-th output of createRequestGenerator, exactly as in the Node
 * engines (scenarios/requests/request-generator.ts); k6 never re-implements traffic.
 *
 * k6 VUs are isolated JS runtimes that share nothing mutable, and an arrival-rate executor
 * hands iterations to whichever VU is free, so one VU sees scattered indices (3, 17, 18, 40...).
 * Two ways to get request i there:
 * - The scripts build the first N requests once, in a k6 SharedArray (k6/data runs its
 *   callback once per test and shares the read-only result with every VU): O(N) generator
 *   steps and one copy in memory for the whole run, O(1) per iteration (one JSON decode).
 *   N is the schedule's planned iteration count; at ~200 bytes a request, 100k requests are
 *   ~20 MB. Above MAX_SHARED_REQUESTS the table stops there.
 * - Past the table (only when a run asks for more than it holds), createSeekingSource: a
 *   generator per VU stepped forward to the index. A VU's indices only grow, so each VU
 *   pays O(highest index it sees) steps in total; that is O(VUs x N) for the run, which is
 *   why it is the fallback, not the plan.
 */
import { createRequestGenerator, type RequestGeneratorOptions, type RequestSpec } from '../../requests/request-generator.ts';
import type { Plan } from '../../plans/plan-schema.ts';
import type { Population } from '../../workload/population-schema.ts';

/** Largest request table the scripts build (~400 MB at 200 bytes a request). */
export const MAX_SHARED_REQUESTS = 2_000_000;

/** The generator options every driver derives from a plan (runner/main-job.ts does the same). */
export function generatorOptionsFor(plan: Pick<Plan, 'mix' | 'targeting'>, population: Population, seed: number): RequestGeneratorOptions {
  return { ...plan.targeting, seed, mix: plan.mix, population };
}

/** The first `count` requests of the stream, in order. */
export function buildRequestStream(options: RequestGeneratorOptions, count: number): RequestSpec[] {
  const generator = createRequestGenerator(options);
  const requests: RequestSpec[] = new Array(count);
  for (let i = 0; i < count; i++) requests[i] = generator.next();
  return requests;
}

export interface SeekingSource {
  /** Request `index` of the stream (0-based). */
  at(index: number): RequestSpec;
}

/** Random access by stepping a private generator forward; going backwards restarts it from request 0. */
export function createSeekingSource(options: RequestGeneratorOptions): SeekingSource {
  let generator = createRequestGenerator(options);
  let nextIndex = 0;
  return {
    at(index: number): RequestSpec {
      if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`request index must be an integer >= 0 (got ${index})`);
      if (index < nextIndex) {
        generator = createRequestGenerator(options);
        nextIndex = 0;
      }
      let spec = generator.next();
      while (nextIndex < index) {
        spec = generator.next();
        nextIndex++;
      }
      nextIndex++;
      return spec;
    },
  };
}
