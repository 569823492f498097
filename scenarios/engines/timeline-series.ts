import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { HISTOGRAM_HIGHEST_US, HISTOGRAM_LOWEST_US } from '../../lib/histogram.ts';
import type { TimelinePoint } from '../../lib/result-schema.ts';

/** Width of one timeline point. */
export const TIMELINE_INTERVAL_S = 1;

/**
 * Two significant digits (1% value error) for the per-second percentiles: a chart needs no
 * more, and the histogram is ~12 KB instead of ~85 KB, so resetting it each second is cheap.
 * The run's full-precision histograms are kept elsewhere (latency-recorder.ts).
 */
const TIMELINE_DIGITS = 2;
const US_PER_MS = 1000;

/**
 * One endpoint's latency over time: requests are bucketed by the second (of the measured
 * window) in which they ENDED, so a stall shows as a gap in throughput followed by a p99 spike.
 * One histogram per endpoint, reset at each second: the cost per request is one recordValue.
 *
 * Callers must record in non-decreasing end time (the engine's clock is monotonic).
 */
export class TimelineSeries {
  readonly #histogram: Histogram;
  readonly #points: TimelinePoint[] = [];
  /** Index of the interval being filled; -1 before the first record. */
  #interval = -1;
  #count = 0;
  #errors = 0;

  constructor() {
    this.#histogram = hdr.build({
      lowestDiscernibleValue: HISTOGRAM_LOWEST_US,
      highestTrackableValue: HISTOGRAM_HIGHEST_US,
      numberOfSignificantValueDigits: TIMELINE_DIGITS,
      bitBucketSize: 32,
      autoResize: true,
    });
  }

  /**
   * @param endS seconds since the start of the measured window when the request ended (>= 0)
   * @param latencyUs latency from intended start, or a negative number when there is none (connection error)
   */
  record(endS: number, latencyUs: number, failed: boolean): void {
    // A late-arriving earlier time (not expected from a monotonic clock) joins the current interval.
    const interval = Math.max(this.#interval, Math.floor(endS / TIMELINE_INTERVAL_S));
    if (interval !== this.#interval) this.#advanceTo(interval);
    this.#count++;
    if (failed) this.#errors++;
    if (latencyUs >= 0) this.#histogram.recordValue(Math.min(HISTOGRAM_HIGHEST_US, Math.max(HISTOGRAM_LOWEST_US, Math.round(latencyUs))));
  }

  /**
   * The points of intervals 0 .. intervals-1 (empty intervals as zero points), plus any later
   * interval a request ended in (the drain after the window). Call once, at the end.
   */
  finish(intervals: number): TimelinePoint[] {
    this.#advanceTo(Math.max(intervals, this.#interval + 1));
    return this.#points;
  }

  #advanceTo(interval: number): void {
    if (this.#interval >= 0) this.#flush();
    for (let i = this.#interval + 1; i < interval; i++) this.#points.push(emptyPoint(i));
    this.#interval = interval;
  }

  #flush(): void {
    const h = this.#histogram;
    const hasLatency = h.totalCount > 0;
    this.#points[this.#interval] = {
      tS: (this.#interval + 1) * TIMELINE_INTERVAL_S,
      p99Ms: hasLatency ? h.getValueAtPercentile(99) / US_PER_MS : 0,
      rps: this.#count / TIMELINE_INTERVAL_S,
      count: this.#count,
      errors: this.#errors,
      p50Ms: hasLatency ? h.getValueAtPercentile(50) / US_PER_MS : 0,
    };
    h.reset();
    this.#count = 0;
    this.#errors = 0;
  }
}

function emptyPoint(interval: number): TimelinePoint {
  return { tS: (interval + 1) * TIMELINE_INTERVAL_S, p99Ms: 0, rps: 0, count: 0, errors: 0, p50Ms: 0 };
}
