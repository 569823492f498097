import type { Timed } from './collector.ts';

/**
 * Growth of a monotonic counter between two reads. A smaller second read means the counter
 * was reset (the process restarted): then, as Prometheus's rate() does, all of the new value
 * counts as growth since the reset.
 */
export function counterDelta(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/** Per-second rate of a counter between two reads `elapsedS` apart (0 when no time passed). */
export function ratePerS(previous: number, current: number, elapsedS: number): number {
  return elapsedS > 0 ? counterDelta(previous, current) / elapsedS : 0;
}

/** part / whole, or null when whole is 0 (a ratio of nothing is unknown, not 0). */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Calls `fn` for each pair of consecutive samples with the seconds between them. */
export function mapIntervals<T, R>(samples: readonly Timed<T>[], fn: (previous: T, current: T, elapsedS: number, tS: number) => R): R[] {
  const out: R[] = [];
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1]!;
    const current = samples[i]!;
    out.push(fn(previous.value, current.value, current.tS - previous.tS, current.tS));
  }
  return out;
}

/**
 * Total growth of a counter over the run, summed interval by interval so that a reset in the
 * middle does not lose what came before it.
 */
export function counterTotal<T>(samples: readonly Timed<T>[], read: (sample: T) => number): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) total += counterDelta(read(samples[i - 1]!.value), read(samples[i]!.value));
  return total;
}

export function meanOf(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function maxOf(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}

/** Rounds for the stored result: rates and times to 3 decimals keep the JSON small and readable. */
export function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function round3OrNull(value: number | null): number | null {
  return value === null ? null : round3(value);
}
