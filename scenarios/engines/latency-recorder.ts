import type { Histogram } from 'hdr-histogram-js';
import { createLatencyHistogram, encodeHistogram, recordUs, toLatency } from '../../lib/histogram.ts';
import type { EndpointResult, StepResult } from '../../lib/result-schema.ts';
import { TimelineSeries } from './timeline-series.ts';

/**
 * `scheduled`: sent by the arrival schedule; its counts make the run's intended and achieved
 * rates. `followUp`: sent because of another response (upload.put, upload.complete) or a
 * synthetic row (upload.flow); kept out of the run's rates and of the per-step breakdown, whose
 * `sent` must add up to what the schedule sent (reports/capacity.ts compares it with the rate).
 */
export type EndpointRole = 'scheduled' | 'followUp';

/** Books of one endpoint in one step of a stepped run. */
export interface StepTally {
  sent: number;
  ok: number;
  failed: number;
  /** Starts skipped at the in-flight cap: demand not served, a failure of the step. */
  unserved: number;
  /** Microseconds from intended start; created on the first latency. */
  fromIntended: Histogram | undefined;
}

/** Counters and histograms of one endpoint over the measured window. */
export interface EndpointTally {
  readonly role: EndpointRole;
  intended: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  unserved: number;
  /** Bytes of response bodies received. */
  responseBytes: number;
  /** Microseconds from the intended start (open loop) to the end of the response body. */
  fromIntended: Histogram;
  /** Microseconds from the send to the end of the response body. */
  fromSend: Histogram;
  /** Per second of the measured window, by end time; undefined when the recorder keeps no timeline. */
  readonly timeline: TimelineSeries | undefined;
  /** Indexed like the recorder's steps; undefined for unstepped runs and follow-up endpoints. */
  readonly steps: StepTally[] | undefined;
}

/** A step of the arrival plan as seen from the measured window. */
export interface MeasuredStep {
  rateRps: number;
  /** Seconds since the start of the measured window. */
  startS: number;
  durationS: number;
}

export interface LatencyRecorderOptions {
  /** Keep a per-second timeline per endpoint (recordEnd's endS). Default false. */
  timeline?: boolean;
  /** Keep a per-step breakdown (recordEnd's step index). Default none. */
  steps?: readonly MeasuredStep[];
}

/**
 * Per-endpoint tallies, created on first use. What goes into the histograms is the engines'
 * choice and is documented there; this only keeps the books.
 */
export class LatencyRecorder {
  readonly #byEndpoint = new Map<string, EndpointTally>();
  readonly #timeline: boolean;
  readonly #steps: readonly MeasuredStep[] | undefined;

  constructor(options: LatencyRecorderOptions = {}) {
    this.#timeline = options.timeline ?? false;
    this.#steps = options.steps && options.steps.length > 0 ? options.steps : undefined;
  }

  endpoint(name: string, role: EndpointRole = 'scheduled'): EndpointTally {
    let tally = this.#byEndpoint.get(name);
    if (!tally) {
      const steps = this.#steps;
      tally = {
        role,
        intended: 0,
        sent: 0,
        ok: 0,
        errors: {},
        unserved: 0,
        responseBytes: 0,
        fromIntended: createLatencyHistogram(),
        fromSend: createLatencyHistogram(),
        timeline: this.#timeline ? new TimelineSeries() : undefined,
        steps: steps && role === 'scheduled' ? steps.map(() => ({ sent: 0, ok: 0, failed: 0, unserved: 0, fromIntended: undefined })) : undefined,
      };
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

  /** A request was sent; `step` is the index of the step its intended start fell in, or -1. */
  countSent(tally: EndpointTally, step: number): void {
    tally.sent++;
    const s = step >= 0 ? tally.steps?.[step] : undefined;
    if (s) s.sent++;
  }

  /**
   * A sent request ended. `errorKind` undefined means success; a negative `fromIntendedUs` means
   * it has no latency to record (a connection error). `endS` is seconds since the start of the
   * measured window, non-decreasing from call to call.
   */
  recordEnd(tally: EndpointTally, step: number, endS: number, errorKind: string | undefined, fromIntendedUs: number, fromSendUs: number, bodyBytes = 0): void {
    const hasLatency = fromIntendedUs >= 0;
    tally.responseBytes += bodyBytes;
    if (hasLatency) this.recordLatency(tally, fromIntendedUs, fromSendUs);
    if (errorKind === undefined) tally.ok++;
    else this.countError(tally, errorKind);
    tally.timeline?.record(endS, fromIntendedUs, errorKind !== undefined);
    const s = step >= 0 ? tally.steps?.[step] : undefined;
    if (s) {
      if (errorKind === undefined) s.ok++;
      else s.failed++;
      if (hasLatency) recordUs((s.fromIntended ??= createLatencyHistogram()), fromIntendedUs);
    }
  }

  /**
   * A scheduled start that found the in-flight cap reached: never sent, and counted against the
   * system, not dropped. Its latency from intended start is recorded as `censoredUs` (the run's
   * timeout: a request that could not even start waited at least as long as one that timed
   * out), in fromIntended only (it was never sent), and it is a failure of its step. `endS` is
   * when that censored latency would have ended, for the timeline.
   */
  recordUnserved(tally: EndpointTally, step: number, endS: number, censoredUs: number): void {
    tally.unserved++;
    recordUs(tally.fromIntended, censoredUs);
    tally.timeline?.record(endS, censoredUs, true);
    const s = step >= 0 ? tally.steps?.[step] : undefined;
    if (s) {
      s.unserved++;
      recordUs((s.fromIntended ??= createLatencyHistogram()), censoredUs);
    }
  }

  /** Sums over the scheduled endpoints (follow-ups are not part of the schedule). */
  totals(): { intended: number; sent: number; ok: number; unserved: number; errors: number } {
    const t = { intended: 0, sent: 0, ok: 0, unserved: 0, errors: 0 };
    for (const tally of this.#byEndpoint.values()) {
      if (tally.role !== 'scheduled') continue;
      t.intended += tally.intended;
      t.sent += tally.sent;
      t.ok += tally.ok;
      t.unserved += tally.unserved;
      for (const n of Object.values(tally.errors)) t.errors += n;
    }
    return t;
  }

  /**
   * Results sorted by endpoint name so that reports diff cleanly. throughputRps counts ok
   * responses. `timelineIntervals` is the number of timeline points to emit at least (the
   * measured window in seconds, rounded up); call once, at the end of the run.
   */
  toEndpointResults(durationS: number, timelineIntervals = Math.ceil(durationS)): EndpointResult[] {
    return this.#sorted().map(([endpoint, t]) => {
      const result: EndpointResult = {
        endpoint,
        intended: t.intended,
        sent: t.sent,
        ok: t.ok,
        errors: { ...t.errors },
        unserved: t.unserved,
        responseBytes: t.responseBytes,
        throughputRps: durationS > 0 ? t.ok / durationS : 0,
        fromIntended: toLatency(t.fromIntended),
        latencyFrom: 'intended',
        fromSend: toLatency(t.fromSend),
      };
      if (t.timeline) result.timeline = t.timeline.finish(timelineIntervals);
      return result;
    });
  }

  /** Per-step breakdown of the scheduled endpoints, or undefined when the recorder keeps none. */
  toStepResults(): StepResult[] | undefined {
    const steps = this.#steps;
    if (!steps) return undefined;
    const endpoints = this.#sorted().filter(([, t]) => t.steps !== undefined);
    return steps.map((step, i) => ({
      rateRps: step.rateRps,
      startS: step.startS,
      durationS: step.durationS,
      endpoints: endpoints.flatMap(([endpoint, t]) => {
        const s = t.steps?.[i];
        if (!s || s.sent + s.unserved === 0) return [];
        const histogram = s.fromIntended;
        return [
          {
            endpoint,
            p99Ms: histogram ? histogram.getValueAtPercentile(99) / 1000 : 0,
            // Unserved starts fail the step like errors: shedding load must not pass an SLO.
            errorRate: (s.failed + s.unserved) / (s.sent + s.unserved),
            sent: s.sent,
            unserved: s.unserved,
            ok: s.ok,
            ...(histogram ? { histogram: encodeHistogram(histogram) } : {}),
          },
        ];
      }),
    }));
  }

  #sorted(): [string, EndpointTally][] {
    return [...this.#byEndpoint.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

export function createLatencyRecorder(options?: LatencyRecorderOptions): LatencyRecorder {
  return new LatencyRecorder(options);
}
