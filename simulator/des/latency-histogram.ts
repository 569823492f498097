import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/**
 * Latency histograms of the DES, in microseconds: 1 µs to 1 hour at 3 significant digits (the
 * layout of lib/histogram.ts, so encodings merge with measured runs), 32-bit counters.
 */
export function createLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true });
}
