import type { Metric } from '../server-summary-schema.ts';

/**
 * When a server-side difference is notable. A difference is listed when it reaches its
 * threshold; its score is the difference in multiples of that threshold (for relative changes: in
 * compounding steps of it, so 2x at a 25% threshold scores ln 2 / ln 1.25 = 3.1), which is what
 * ranks unlike metrics.
 */

/** Cache hit ratio: 5 percentage points moves the Postgres read load by a tenth at a 50% ratio. */
export const HIT_RATIO_NOTABLE_POINTS = 0.05;
/** pgbouncer clients waiting at a sample: one waiting client is common jitter at a pool edge; two is queueing. */
export const POOL_WAITING_NOTABLE_CLIENTS = 2;
/** max/mean skew across shards or instances: 1.1x vs 1.3x is where one shard starts to lead. */
export const SKEW_NOTABLE_DELTA = 0.2;
/** Rates, CPU, memory and times: a quarter more or less. */
export const RELATIVE_NOTABLE_CHANGE = 0.25;
/** Waits and lags are noisier than rates: half more or less. */
export const WAIT_RELATIVE_NOTABLE_CHANGE = 0.5;
/** Job queue depth: jobs waiting at a sample. */
export const QUEUE_DEPTH_NOTABLE_JOBS = 10;

/** Floors below which a relative change is noise, whatever its size. */
export const FLOOR = Object.freeze({
  ratePerS: 10,
  tuplesPerS: 100,
  waitMs: 0.5,
  maxWaitMs: 10,
  upstreamMs: 1,
  eventLoopLagMs: 5,
  cpuCores: 0.05,
  /** docker stats: 100 = one core. */
  cpuPercent: 5,
  memoryBytes: 16 * 1024 * 1024,
  queueLagMs: 100,
});

export type Rule =
  /** Absolute difference against `step` (hit ratios as fractions, skews, counts). */
  | { kind: 'absolute'; step: number }
  /** Relative difference against `change`, ignored below an absolute `floor`. */
  | { kind: 'relative'; change: number; floor: number };

/** How many thresholds the difference spans (relative: compounding steps); 0 below the rule's floor. */
export function scoreOf(rule: Rule, candidate: number, baseline: number): number {
  const delta = Math.abs(candidate - baseline);
  if (rule.kind === 'absolute') return delta / rule.step;
  if (delta < rule.floor) return 0;
  const low = Math.min(Math.abs(candidate), Math.abs(baseline));
  const high = Math.max(Math.abs(candidate), Math.abs(baseline));
  // From (or to) zero there is no ratio: count floors instead. Otherwise count compounding steps
  // of the threshold (log scale), so a 20x change of a tiny wait does not dwarf everything else.
  return low === 0 ? delta / rule.floor : Math.log(high / low) / Math.log(1 + rule.change);
}

/**
 * Repeat noise: with at least two repeats on each side, a difference whose per-repeat ranges
 * overlap is not attributed (one side's repeats do not all sit above the other's).
 */
export function withinRepeatNoise(candidate: Metric, baseline: Metric): boolean {
  const c = candidate.perRepeat.filter((v): v is number => v !== null);
  const b = baseline.perRepeat.filter((v): v is number => v !== null);
  if (c.length < 2 || b.length < 2) return false;
  return Math.min(...c) <= Math.max(...b) && Math.min(...b) <= Math.max(...c);
}
