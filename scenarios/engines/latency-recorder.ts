import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, recordUs, toLatency } from '../../reports/histogram.ts';
import type { EndpointResult } from '../../reports/result-schema.ts';

/** Counters and histograms of one endpoint over the measured window. */
export interface EndpointTally {
  intended: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  unserved: number;
  /** Microseconds from the intended start (open loop) to the end of the response body. */
  fromIntended: Histogram;
  /** Microseconds from the send to the end of the response body. */
  fromSend: Histogram;
}

/**
 * Per-endpoint tallies, created on first use. What goes into the histograms is the engines'
 * choice and is documented there; this only keeps the books.
 */
export class LatencyRecorder {
  readonly #byEndpoint = new Map<string, EndpointTally>();

  endpoint(name: string): EndpointTally {
    let tally = this.#byEndpoint.get(name);
    if (!tally) {
      tally = { intended: 0, sent: 0, ok: 0, errors: {}, unserved: 0, fromIntended: createLatencyHistogram(), fromSend: createLatencyHistogram() };
      this.#byEndpoint.set(name, tally);
    }
    return tally;
  }

  recordLatency(tally: EndpointTally, fromIntendedUs: number, fromSendUs: number): void {
    recordUs(tally.fromIntended, fromIntendedUs);
    recordUs(tally.fromSend, fromSendUs);
  }

  countError(tally: EndpointTally, kind: string): void {
    tally.errors[kind] = (tally.errors[kind] ?? 0) + 1;
  }

  totals(): { intended: number; sent: number; ok: number; unserved: number; errors: number } {
    const t = { intended: 0, sent: 0, ok: 0, unserved: 0, errors: 0 };
    for (const tally of this.#byEndpoint.values()) {
      t.intended += tally.intended;
      t.sent += tally.sent;
      t.ok += tally.ok;
      t.unserved += tally.unserved;
      for (const n of Object.values(tally.errors)) t.errors += n;
    }
    return t;
  }

  /** Results sorted by endpoint name so that reports diff cleanly. throughputRps counts ok responses. */
  toEndpointResults(durationS: number): EndpointResult[] {
    return [...this.#byEndpoint.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([endpoint, t]) => ({
        endpoint,
        intended: t.intended,
        sent: t.sent,
        ok: t.ok,
        errors: { ...t.errors },
        unserved: t.unserved,
        throughputRps: durationS > 0 ? t.ok / durationS : 0,
        fromIntended: toLatency(t.fromIntended),
        fromSend: toLatency(t.fromSend),
      }));
  }
}

export function createLatencyRecorder(): LatencyRecorder {
  return new LatencyRecorder();
}
