import { randomBytes } from 'node:crypto';
import { FeedscaleError, isFeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { ObjectStoreEndpoint, ShardEndpoint } from '../lib/stack-endpoints.ts';
import type { ShardMap } from '../system/data/shard-map.ts';
import { containerLogTail, sweepRun } from './docker/cleanup.ts';
import type { DockerEngine } from './docker/engine.ts';
import { containerName, networkName, runLabels } from './docker/labels.ts';
import type { ResolvedCatalog } from './images/image-catalog.ts';
import type { StackConfig } from './stack-config.ts';
import { startAppTier } from './tiers/app-tier.ts';
import { startMemcachedTier, startRedisTier } from './tiers/cache-tier.ts';
import { startEdgeTier } from './tiers/edge-tier.ts';
import { startNotificationTier } from './tiers/notification-tier.ts';
import { startObjectStoreTier } from './tiers/object-store-tier.ts';
import { startShardTier } from './tiers/shard-tier.ts';
import { type StackRun, settleAll, throwIfAborted } from './tiers/stack-run.ts';

/** A running stack. Getters exist only once `startStack` has resolved. Dispose to tear it down. */
export interface StartedStack extends AsyncDisposable {
  readonly runId: string;
  readonly config: Readonly<StackConfig>;
  readonly catalog: ResolvedCatalog;
  readonly shardMap: ShardMap;
  /** nginx, the only entry point for load: http://127.0.0.1:<port> */
  readonly baseUrl: string;
  /** Each app instance directly (for per-instance metrics and health). */
  readonly appUrls: readonly string[];
  readonly shards: readonly ShardEndpoint[];
  readonly redisUrl: string;
  /** host:port of every memcached instance (empty when the cache is off). */
  readonly memcachedServers: readonly string[];
  /** The CDN (nginx proxy cache in front of the object store): http://127.0.0.1:<port> */
  readonly cdnUrl: string;
  /** The notification sink (stand-in for APNs): GET /deliveries, /stats. */
  readonly notificationSinkUrl: string;
  /** Each queue worker's /health and /metrics. */
  readonly workerUrls: readonly string[];
  readonly objectStore: ObjectStoreEndpoint;
  /** Milliseconds from the start to the end of each phase. */
  readonly timingsMs: Readonly<Record<string, number>>;
  logs(service: string, lines?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface StartStackOptions {
  engine: DockerEngine;
  catalog: ResolvedCatalog;
  log: Logger;
  runId?: string;
  signal?: AbortSignal;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Starts the reference stack on one labelled Docker network, tier by tier: the data tier
 * (Postgres behind pgbouncer, schemas created), Redis, memcached, the object store with its CDN
 * and the notification sink at once; then the app instances and queue workers; then nginx.
 * Anything that fails (or an abort) waits for every start in flight, then sweeps the run away
 * before the error is rethrown.
 */
export async function startStack(config: Readonly<StackConfig>, options: StartStackOptions): Promise<StartedStack> {
  const { docker } = options.engine;
  const runId = options.runId ?? newRunId();
  const log = options.log.child({ runId });
  const timingsMs: Record<string, number> = {};
  const t0 = Date.now();
  const mark = (phase: string) => (timingsMs[phase] = Date.now() - t0);
  const network = networkName(runId);
  const run: StackRun = {
    docker,
    runId,
    network,
    log,
    catalog: options.catalog,
    startupTimeoutMs: config.startupTimeoutS * 1000,
    readyTimeoutMs: config.startupTimeoutS * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
  };

  try {
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: runLabels(runId) });
    throwIfAborted(run);
    const timed = <T>(phase: string, work: Promise<T>) => work.then((value) => (mark(phase), value));
    const [data, redis, memcached, storage, sink] = await settleAll([
      timed('shardsReady', startShardTier(run, config)),
      timed('redisReady', startRedisTier(run, config)),
      timed('memcachedReady', startMemcachedTier(run, config)),
      timed('objectStoreReady', startObjectStoreTier(run, config)),
      timed('notificationSinkReady', startNotificationTier(run)),
    ] as const);
    mark('infrastructureReady');
    throwIfAborted(run);
    const apps = await startAppTier(run, config, { objectStoreUrl: storage.objectStore.endpoint, cdnUrl: storage.cdnUrl });
    mark('appsReady');
    throwIfAborted(run);
    const { baseUrl } = await startEdgeTier(run, config);
    mark('ready');
    log.info({ timingsMs }, `stack ${runId} ready in ${(timingsMs.ready! / 1000).toFixed(1)} s at ${baseUrl}`);

    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= sweepRun(docker, runId).then((removed) => {
        log.info({ containers: removed.containers.length }, `stack ${runId} torn down`);
      }));
    return Object.freeze({
      runId,
      config,
      catalog: options.catalog,
      shardMap: data.shardMap,
      baseUrl,
      appUrls: apps.appUrls,
      shards: data.shards,
      redisUrl: redis.redisUrl,
      memcachedServers: memcached.memcachedServers,
      cdnUrl: storage.cdnUrl,
      notificationSinkUrl: sink.notificationSinkUrl,
      workerUrls: apps.workerUrls,
      objectStore: storage.objectStore,
      timingsMs,
      logs: (service: string, lines = 100) => containerLogTail(docker, containerName(runId, service), lines),
      stop,
      [Symbol.asyncDispose]: stop,
    });
  } catch (err) {
    log.warn(`stack ${runId} failed to start; tearing it down`);
    await sweepRun(docker, runId).catch((cleanupErr: Error) => log.error({ err: cleanupErr.message }, 'teardown after failure failed'));
    if (isFeedscaleError(err)) throw err;
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `starting the stack failed: ${(err as Error).message}`, { cause: err });
  }
}
