/** The backends whose time a request reports in its Server-Timing header. */
export const TIMING_KINDS = Object.freeze(['pg', 'redis', 'cache', 's3'] as const);
export type TimingKind = (typeof TIMING_KINDS)[number];

/** `toFixed(2)`, without calling it for the backends a request never touched (most, per request). */
const dur = (ms: number): string => (ms === 0 ? '0.00' : ms.toFixed(2));

/**
 * Milliseconds one request spent waiting on each backend. Concurrent calls add up, so the sum
 * can exceed the wall time of the request: it is work, not elapsed time.
 */
export class RequestTiming {
  readonly ms: Record<TimingKind, number> = { pg: 0, redis: 0, cache: 0, s3: 0 };

  add(kind: TimingKind, durationMs: number): void {
    this.ms[kind] += durationMs;
  }

  /** Runs `work` and adds its time to `kind`, whether it resolves or rejects. */
  measure<T>(kind: TimingKind, work: () => Promise<T>): Promise<T> {
    // Not an async function: on the read paths this wraps every backend call, and one promise
    // reaction costs less than an async frame awaiting and resuming.
    const startedMs = performance.now();
    const done = (): void => {
      this.ms[kind] += performance.now() - startedMs;
    };
    let running: Promise<T>;
    try {
      running = work();
    } catch (err) {
      done();
      return Promise.reject(err);
    }
    return running.then(
      (value) => {
        done();
        return value;
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
  }

  /** The Server-Timing header value, e.g. `pg;dur=1.21, redis;dur=0.30, cache;dur=0.00, s3;dur=0.00`. */
  header(): string {
    const { ms } = this;
    return `pg;dur=${dur(ms.pg)}, redis;dur=${dur(ms.redis)}, cache;dur=${dur(ms.cache)}, s3;dur=${dur(ms.s3)}`;
  }
}
