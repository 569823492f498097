/** A sample and the time it was answered, in seconds since the collectors started. */
export interface Timed<T> {
  tS: number;
  value: T;
}

/**
 * One source of server metrics. `sample` reads the current counters and gauges and must be
 * cheap: it runs every second beside the load generator. `summarize` turns the samples that
 * succeeded (in order) into the series and summary stored in the result; it may do one last
 * read (pg_stat_statements). The sampler owns timeouts, skips and error counts.
 */
export interface Collector<TSample, TOutput> {
  /** Unique within a run: "redis", "postgres-0", "app-1", ... */
  readonly name: string;
  /** Once, before the first sample (reset counters, open connections). May throw: counted as an error. */
  start?(signal: AbortSignal): Promise<void>;
  sample(signal: AbortSignal): Promise<TSample>;
  summarize(samples: readonly Timed<TSample>[], signal: AbortSignal): Promise<TOutput>;
  close(): Promise<void>;
}
