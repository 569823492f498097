import type Dockerode from 'dockerode';
import { withTimeout } from '../../lib/with-timeout.ts';
import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { FeedscaleError } from '../../lib/errors.ts';
import { createAppMetricsCollector, summarizeApp } from './app-metrics-collector.ts';
import type { Collector, Timed } from './collector.ts';
import { createContainerCollector } from './container-collector.ts';
import { createMemcachedCollector, summarizeMemcached } from './memcached-collector.ts';
import { createNginxCollector } from './nginx-collector.ts';
import { createPgbouncerCollector, summarizePgbouncer } from './pgbouncer-collector.ts';
import { createPostgresCollector, summarizePostgres } from './postgres-collector.ts';
import { createQueueCollector, summarizeQueues } from './queue-collector.ts';
import { createRedisCollector, summarizeRedis } from './redis-collector.ts';
import type { CollectorHealth, NginxMetrics, ServerMetrics } from '../../lib/server-metrics-schema.ts';

/** What the collectors sample: the parts of a StartedStack (containers/stack.ts) they need, plus the engine. */
export interface CollectorTargets {
  docker: Dockerode;
  /** Containers of the run carry the label feedscale.run=<runId>. */
  runId: string;
  /** Each physical shard's pgbouncer as mapped on 127.0.0.1. */
  shards: readonly ShardEndpoint[];
  redisUrl: string;
  /** host:port of every memcached instance; empty when the stack runs without memcached. */
  memcachedServers: readonly string[];
  /** Each app instance directly; index i is service app-i. */
  appUrls: readonly string[];
  /** Each queue worker's /metrics; the first one is sampled for queue depth and lag. */
  workerUrls?: readonly string[] | undefined;
}

export interface CollectorOptions {
  /**
   * Time between samples. 1 s resolves the ramps of a stepped plan and costs the 2-core
   * machine little (about 20 small requests per tick on the default stack).
   * @example { intervalMs: 1000 }
   */
  intervalMs?: number;
  /** A sample still unanswered after this long is abandoned and counted as a timeout. Default: 2 x intervalMs. */
  sampleTimeoutMs?: number;
  /** Clear pg_stat_statements at start so its top statements cover this run only. Default true. */
  resetStatements?: boolean;
  /** Aborting stops the sampling; stop() still returns what was sampled. */
  signal?: AbortSignal;
}

/** Running collectors; stop() (or dispose) takes a last sample and returns the metrics. */
export interface StartedCollectors extends AsyncDisposable {
  stop(): Promise<ServerMetrics>;
}

class SampleTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name}: no answer within ${timeoutMs} ms`);
    this.name = 'SampleTimeoutError';
  }
}

/** lib/with-timeout.ts, failing with the collector's SampleTimeoutError (counted in its health). */
function withCollectorTimeout<T>(name: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withTimeout(timeoutMs, work, () => new SampleTimeoutError(name, timeoutMs));
}

/** One collector under the sampler: its samples, its health, and at most one sample in flight. */
class CollectorRun<TSample, TOutput> {
  readonly samples: Timed<TSample>[] = [];
  readonly health: CollectorHealth = { samples: 0, errors: 0, timeouts: 0, skipped: 0 };
  private inFlight: Promise<void> | undefined;

  constructor(
    readonly collector: Collector<TSample, TOutput>,
    private readonly timeoutMs: number,
    private readonly t0Ms: number,
  ) {}

  private fail(err: unknown): void {
    this.health.errors++;
    if (err instanceof SampleTimeoutError) this.health.timeouts++;
    this.health.lastError = err instanceof Error ? err.message.slice(0, 300) : String(err);
  }

  async start(): Promise<void> {
    if (!this.collector.start) return;
    try {
      await withCollectorTimeout(this.collector.name, this.timeoutMs, (signal) => this.collector.start!(signal));
    } catch (err) {
      this.fail(err);
    }
  }

  /** Starts a sample unless the previous one still runs (then counts a skip). */
  tick(): Promise<void> {
    if (this.inFlight) {
      this.health.skipped++;
      return this.inFlight;
    }
    const run = withCollectorTimeout(this.collector.name, this.timeoutMs, (signal) => this.collector.sample(signal)).then(
      (value) => {
        this.samples.push({ tS: (performance.now() - this.t0Ms) / 1000, value });
        this.health.samples++;
      },
      (err: unknown) => this.fail(err),
    );
    this.inFlight = run.finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async idle(): Promise<void> {
    await this.inFlight;
  }

  /** The collector's output, or `fallback(samples)` (its pure summary) when summarize fails. */
  async finish(fallback: (samples: readonly Timed<TSample>[]) => TOutput): Promise<TOutput> {
    try {
      return await withCollectorTimeout(this.collector.name, this.timeoutMs, (signal) => this.collector.summarize(this.samples, signal));
    } catch (err) {
      this.fail(err);
      return fallback(this.samples);
    } finally {
      await this.collector.close().catch(() => {});
    }
  }
}

const EMPTY_NGINX: NginxMetrics = {
  available: false,
  linesParsed: 0,
  linesUnparsed: 0,
  requestTime: { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 },
  upstreams: [],
};

/**
 * Starts sampling the stack every intervalMs: memcached stats, Redis INFO, pg_stat_database and
 * pgbouncer pools per shard, nginx's access log, each app's /metrics, and Docker CPU/memory
 * per container. Collectors run concurrently and independently: a slow or failing one skips or
 * counts errors without holding up the others or the load generator. Resolves once the
 * baseline sample is taken, so deltas cover everything after it.
 *
 * @example
 *   const collectors = await startCollectors({ docker, runId: stack.runId, ...stack }, { intervalMs: 1000 });
 *   await runLoad();
 *   result.server = await collectors.stop();
 */
export async function startCollectors(targets: CollectorTargets, options: CollectorOptions = {}): Promise<StartedCollectors> {
  const intervalMs = options.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new FeedscaleError('CFG_ERR_INVALID', `intervalMs must be a positive integer (got ${intervalMs})`);
  const sampleTimeoutMs = options.sampleTimeoutMs ?? 2 * intervalMs;
  if (!Number.isInteger(sampleTimeoutMs) || sampleTimeoutMs < 1) {
    throw new FeedscaleError('CFG_ERR_INVALID', `sampleTimeoutMs must be a positive integer (got ${sampleTimeoutMs})`);
  }
  const startedAt = new Date().toISOString();
  const t0Ms = performance.now();
  const wrap = <S, O>(collector: Collector<S, O>) => new CollectorRun(collector, sampleTimeoutMs, t0Ms);

  const memcached = targets.memcachedServers.length === 0 ? undefined : wrap(createMemcachedCollector(targets.memcachedServers));
  const redis = wrap(createRedisCollector(targets.redisUrl, sampleTimeoutMs));
  const postgres = targets.shards.map((s) => wrap(createPostgresCollector(s, { timeoutMs: sampleTimeoutMs, resetStatements: options.resetStatements ?? true })));
  const pgbouncer = targets.shards.map((s) => wrap(createPgbouncerCollector(s, sampleTimeoutMs)));
  const nginx = wrap(createNginxCollector(targets.docker, targets.runId));
  const apps = targets.appUrls.map((url, i) => wrap(createAppMetricsCollector(`app-${i}`, url)));
  const containers = wrap(createContainerCollector(targets.docker, targets.runId));
  const firstWorker = targets.workerUrls?.[0];
  const queues = firstWorker === undefined ? undefined : wrap(createQueueCollector(firstWorker));
  const all: Array<CollectorRun<unknown, unknown>> = [
    ...(queues ? [queues] : []),
    ...(memcached ? [memcached] : []),
    redis,
    ...postgres,
    ...pgbouncer,
    nginx,
    ...apps,
    containers,
  ] as Array<CollectorRun<unknown, unknown>>;

  let ticks = 0;
  const tickAll = () => {
    ticks++;
    return Promise.all(all.map((run) => run.tick()));
  };
  await Promise.all(all.map((run) => run.start()));
  await tickAll();

  const timer = setInterval(() => void tickAll(), intervalMs);
  timer.unref();
  const halt = () => clearInterval(timer);
  options.signal?.addEventListener('abort', halt, { once: true });
  if (options.signal?.aborted) halt();

  let result: Promise<ServerMetrics> | undefined;
  const finish = async (): Promise<ServerMetrics> => {
    halt();
    options.signal?.removeEventListener('abort', halt);
    await Promise.all(all.map((run) => run.idle()));
    // A last sample so the series end when the run does, not up to a second before.
    if (!options.signal?.aborted) await tickAll();
    const [memcachedOut, redisOut, postgresOut, pgbouncerOut, nginxOut, appsOut, containersOut, queuesOut] = await Promise.all([
      memcached?.finish(summarizeMemcached),
      redis.finish(summarizeRedis),
      Promise.all(postgres.map((run, i) => run.finish((s) => ({ ...summarizePostgres(targets.shards[i]!.index, s), topStatements: [] })))),
      Promise.all(pgbouncer.map((run, i) => run.finish((s) => summarizePgbouncer(targets.shards[i]!.index, s)))),
      nginx.finish(() => EMPTY_NGINX),
      Promise.all(apps.map((run, i) => run.finish((s) => summarizeApp(`app-${i}`, targets.appUrls[i]!, s)))),
      containers.finish(() => []),
      queues?.finish(summarizeQueues),
    ]);
    const metrics: ServerMetrics = {
      sampling: {
        startedAt,
        durationS: Math.round(performance.now() - t0Ms) / 1000,
        intervalMs,
        sampleTimeoutMs,
        ticks,
        collectors: Object.fromEntries(all.map((run) => [run.collector.name, run.health])),
      },
      redis: redisOut,
      postgres: postgresOut,
      pgbouncer: pgbouncerOut,
      nginx: nginxOut,
      apps: appsOut,
      containers: containersOut,
    };
    if (memcachedOut) metrics.memcached = memcachedOut;
    if (queuesOut) metrics.queues = queuesOut;
    return metrics;
  };
  const stop = () => (result ??= finish());
  return {
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
