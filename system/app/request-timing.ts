/** The backends whose time a request reports in its Server-Timing header. */
export const TIMING_KINDS = Object.freeze(['pg', 'redis', 'cache', 's3'] as const);
export type TimingKind = (typeof TIMING_KINDS)[number];

/**
 * Milliseconds one request spent waiting on each backend. Concurrent calls add up, so the sum
 * can exceed the wall time of the request: it is work, not elapsed time.
 */
export class RequestTiming {
  readonly ms: Record<TimingKind, number> = { pg: 0, redis: 0, cache: 0, s3: 0 };

  add(kind: TimingKind, durationMs: number): void {
    this.ms[kind] += durationMs;
  }

  async measure<T>(kind: TimingKind, work: () => Promise<T>): Promise<T> {
    const startedNs = process.hrtime.bigint();
    try {
      return await work();
    } finally {
      this.add(kind, Number(process.hrtime.bigint() - startedNs) / 1e6);
    }
  }

  /** The Server-Timing header value, e.g. `pg;dur=1.21, redis;dur=0.30, cache;dur=0.00, s3;dur=0.00`. */
  header(): string {
    return TIMING_KINDS.map((kind) => `${kind};dur=${this.ms[kind].toFixed(2)}`).join(', ');
  }
}
