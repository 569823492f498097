import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { FeedscaleError, isFeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { type AppConfig, AppConfigSchema } from '../system/app/app-config.ts';
import { validateConfig } from '../lib/validate.ts';
import { type ShardMap, createShardMap } from '../system/data/shard-map.ts';
import { containerLogTail, removeByLabel } from './docker/cleanup.ts';
import type { DockerEngine } from './docker/engine.ts';
import type { ResolvedCatalog } from './images/image-catalog.ts';
import { checkHttpOk, checkMemcached, checkPostgresQuery, checkRedisPing, ensureBucket, retryUntil } from './readiness.ts';
import { APP_PORT, createAppContainer } from './services/app-container.ts';
import { MEMCACHED_PORT, createMemcachedContainer } from './services/memcached-container.ts';
import { NGINX_PORT, createNginxContainer } from './services/nginx-container.ts';
import { MEDIA_BUCKET, OBJECT_STORE_PORT, createObjectStoreContainer } from './services/object-store-container.ts';
import { PGBOUNCER_PORT, createPgbouncerContainer } from './services/pgbouncer-container.ts';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT, createPostgresContainer } from './services/postgres-container.ts';
import { createPostgresReplicaContainer } from './services/postgres-replica-container.ts';
import { CDN_PORT, createCdnContainer } from './services/cdn-container.ts';
import { NOTIFICATION_SINK_PORT, createNotificationSinkContainer } from './services/notification-sink-container.ts';
import { WORKER_METRICS_PORT, createWorkerContainer } from './services/worker-container.ts';
import { REDIS_PORT, createRedisContainer } from './services/redis-container.ts';
import { MANAGED_LABEL, RUN_LABEL, type ServiceContext, containerName } from './services/service-context.ts';
import type { StackConfig } from './stack-config.ts';

/** Connection details of one physical shard as the harness (on the host) reaches it. */
export interface ShardEndpoint {
  index: number;
  /** pgbouncer, mapped to 127.0.0.1. */
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface ObjectStoreEndpoint {
  /** http://127.0.0.1:<mapped port> */
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  verifiesSignatures: boolean;
}

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
  /** host:port of the first memcached, when the cache is on. */
  readonly memcachedServer: string | undefined;
  /** host:port of every memcached instance (empty when the cache is off). */
  readonly memcachedServers: readonly string[];
  /** The CDN (nginx proxy cache in front of the object store): http://127.0.0.1:<port> */
  readonly cdnUrl: string;
  /** The notification sink (stand-in for APNs): GET /deliveries, /stats. */
  readonly notificationSinkUrl: string;
  /** Each queue worker's /health and /metrics. */
  readonly workerUrls: readonly string[];
  readonly objectStore: ObjectStoreEndpoint;
  /** Milliseconds each start-up phase took. */
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
  /** Runs once every shard answers through pgbouncer, before the apps start (schema migrations). */
  prepareShards?: (shards: readonly ShardEndpoint[], shardMap: ShardMap) => Promise<void>;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

const LOOPBACK = '127.0.0.1';

async function startService(docker: Dockerode, ctx: ServiceContext, service: string, container: GenericContainer): Promise<StartedTestContainer> {
  const started = Date.now();
  try {
    const running = await container.start();
    ctx.log.debug({ service, elapsedMs: Date.now() - started }, `${service} started`);
    return running;
  } catch (err) {
    const tail = await containerLogTail(docker, containerName(ctx, service));
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `${service} failed to start: ${(err as Error).message}\n--- last log lines of ${service} ---\n${tail.trimEnd()}`, {
      cause: err,
    });
  }
}

async function ready(docker: Dockerode, ctx: ServiceContext, service: string, timeoutMs: number, check: () => Promise<void>): Promise<void> {
  try {
    await retryUntil(service, timeoutMs, check);
  } catch (err) {
    const tail = await containerLogTail(docker, containerName(ctx, service));
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `${service} did not become ready: ${(err as Error).message}\n--- last log lines of ${service} ---\n${tail.trimEnd()}`, {
      cause: err,
    });
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted while starting the stack');
}

/**
 * Starts the reference stack on one labelled Docker network: P Postgres hosts each behind its
 * own pgbouncer (and, optionally, a streaming replica each), Redis, M memcached instances
 * (unless the cache is off), the object store with the CDN in front of it, the notification
 * sink, N app instances, W queue workers and nginx in front of the apps. Services without dependencies on each other start in
 * parallel. Anything that fails tears the whole run down before the error is rethrown.
 */
export async function startStack(config: Readonly<StackConfig>, options: StartStackOptions): Promise<StartedStack> {
  const { docker } = options.engine;
  const runId = options.runId ?? newRunId();
  const log = options.log.child({ runId });
  const timingsMs: Record<string, number> = {};
  const t0 = Date.now();
  const mark = (phase: string) => (timingsMs[phase] = Date.now() - t0);
  const shardMap = createShardMap(config.logicalShards, config.physicalShards);
  const network = `feedscale-${runId}`;
  const ctx: ServiceContext = { runId, network, catalog: options.catalog, startupTimeoutMs: config.startupTimeoutS * 1000, log };
  const readyTimeoutMs = config.startupTimeoutS * 1000;

  try {
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { [MANAGED_LABEL]: 'true', [RUN_LABEL]: runId } });
    throwIfAborted(options.signal);

    // Tier 1: everything with no dependency (replicas retry their base backup until the primary answers).
    const shardIndexes = Array.from({ length: config.physicalShards }, (_, i) => i);
    const memcachedIndexes = config.cache === 'memcached' ? Array.from({ length: config.memcachedInstances }, (_, i) => i) : [];
    const [, pgbouncers, , redis, memcacheds, objectStore, sink] = await Promise.all([
      Promise.all(shardIndexes.map((i) => startService(docker, ctx, `pg-${i}`, createPostgresContainer(ctx, i, config.cpus.postgres)))),
      Promise.all(
        shardIndexes.map((i) =>
          startService(
            docker,
            ctx,
            `pgbouncer-${i}`,
            createPgbouncerContainer(ctx, i, { postgresHost: `pg-${i}`, poolSize: config.pgbouncerPoolSize }, config.cpus.pgbouncer),
          ),
        ),
      ),
      config.replicas > 0
        ? Promise.all(shardIndexes.map((i) => startService(docker, ctx, `pg-${i}-replica`, createPostgresReplicaContainer(ctx, i, config.cpus.postgres))))
        : Promise.resolve([]),
      startService(docker, ctx, 'redis', createRedisContainer(ctx, config.cpus.redis)),
      Promise.all(memcachedIndexes.map((i) => startService(docker, ctx, `memcached-${i}`, createMemcachedContainer(ctx, i, config.memcachedMemoryMb, config.cpus.memcached)))),
      startService(docker, ctx, 'objectstore', createObjectStoreContainer(ctx)),
      startService(docker, ctx, 'notification-sink', createNotificationSinkContainer(ctx)),
    ]);
    // The CDN resolves the object store's name when it starts, so it comes right after it.
    const cdn = await startService(docker, ctx, 'cdn', createCdnContainer(ctx, config.cpus.nginx));
    mark('infrastructureStarted');
    throwIfAborted(options.signal);

    const { user, password, database } = POSTGRES_CREDENTIALS;
    const shards: ShardEndpoint[] = pgbouncers.map((c, index) => ({
      index,
      host: LOOPBACK,
      port: c.getMappedPort(PGBOUNCER_PORT),
      user,
      password,
      database,
    }));
    const redisUrl = `redis://${LOOPBACK}:${redis.getMappedPort(REDIS_PORT)}`;
    const memcachedServers = memcacheds.map((c) => `${LOOPBACK}:${c.getMappedPort(MEMCACHED_PORT)}`);
    const memcachedServer = memcachedServers[0];
    const cdnUrl = `http://${LOOPBACK}:${cdn.getMappedPort(CDN_PORT)}`;
    const notificationSinkUrl = `http://${LOOPBACK}:${sink.getMappedPort(NOTIFICATION_SINK_PORT)}`;
    const objectStoreEndpoint: ObjectStoreEndpoint = {
      endpoint: `http://${LOOPBACK}:${objectStore.getMappedPort(OBJECT_STORE_PORT)}`,
      bucket: MEDIA_BUCKET,
      accessKeyId: options.catalog.objectStore.accessKeyId,
      secretAccessKey: options.catalog.objectStore.secretAccessKey,
      verifiesSignatures: options.catalog.objectStore.verifiesSignatures,
    };

    // Ready = a real request answered: a query through each pgbouncer, PING, a cache round
    // trip, the media bucket.
    await Promise.all([
      ...shards.map((s) => ready(docker, ctx, `pgbouncer-${s.index}`, readyTimeoutMs, () => checkPostgresQuery(s))),
      ready(docker, ctx, 'redis', readyTimeoutMs, () => checkRedisPing(redisUrl)),
      ...memcachedServers.map((server, i) => ready(docker, ctx, `memcached-${i}`, readyTimeoutMs, () => checkMemcached(server))),
      ready(docker, ctx, 'cdn', readyTimeoutMs, () => checkHttpOk(`${cdnUrl}/cdn/health`)),
      ready(docker, ctx, 'notification-sink', readyTimeoutMs, () => checkHttpOk(`${notificationSinkUrl}/health`)),
      ready(docker, ctx, 'objectstore', readyTimeoutMs, () => ensureBucket(objectStoreEndpoint)),
    ]);
    mark('infrastructureReady');
    throwIfAborted(options.signal);

    if (options.prepareShards) {
      await options.prepareShards(shards, shardMap);
      mark('shardsPrepared');
    }
    throwIfAborted(options.signal);

    // Only what the stack decides; every other field takes the schema's default.
    const appConfig = (index: number): AppConfig =>
      validateConfig(
        AppConfigSchema,
        {
          instanceId: `app-${index}`,
          port: APP_PORT,
          logicalShards: config.logicalShards,
          shards: shardIndexes.map((i) => ({
            host: `pgbouncer-${i}`,
            port: PGBOUNCER_PORT,
            database,
            user,
            password,
            ...(config.replicas > 0 ? { replica: { host: `pg-${i}-replica`, port: POSTGRES_PORT } } : {}),
          })),
          pgPoolMax: config.appPgPoolMax,
          redisUrl: `redis://redis:${REDIS_PORT}`,
          cache: { mode: config.cache, servers: memcachedIndexes.length > 0 ? memcachedIndexes.map((i) => `memcached-${i}:${MEMCACHED_PORT}`) : [`memcached-0:${MEMCACHED_PORT}`] },
          feed: { readFromReplica: config.readFromReplica },
          fanOut: { mode: config.fanOut, readTimeMergeAboveFollowers: config.readTimeMergeAboveFollowers },
          notifications: { sinkUrl: `http://notification-sink:${NOTIFICATION_SINK_PORT}` },
          cdn: { baseUrl: cdnUrl },
          worker: { metricsPort: WORKER_METRICS_PORT },
          faults: { feedReadDelayMs: config.injectFeedReadDelayMs },
          objectStore: {
            endpoint: `http://objectstore:${OBJECT_STORE_PORT}`,
            publicEndpoint: objectStoreEndpoint.endpoint,
            bucket: MEDIA_BUCKET,
            accessKeyId: objectStoreEndpoint.accessKeyId,
            secretAccessKey: objectStoreEndpoint.secretAccessKey,
          },
        },
        `app-${index} configuration`,
      );
    const appIndexes = Array.from({ length: config.appInstances }, (_, i) => i);
    const workerIndexes = Array.from({ length: config.workers }, (_, i) => i);
    const [apps, workers] = await Promise.all([
      Promise.all(appIndexes.map((i) => startService(docker, ctx, `app-${i}`, createAppContainer(ctx, i, appConfig(i), config.cpus.app)))),
      Promise.all(workerIndexes.map((i) => startService(docker, ctx, `worker-${i}`, createWorkerContainer(ctx, i, { ...appConfig(i), instanceId: `worker-${i}` }, config.cpus.app)))),
    ]);
    const workerUrls = workers.map((c) => `http://${LOOPBACK}:${c.getMappedPort(WORKER_METRICS_PORT)}`);
    const appUrls = apps.map((c) => `http://${LOOPBACK}:${c.getMappedPort(APP_PORT)}`);
    await Promise.all([
      ...appUrls.map((url, i) => ready(docker, ctx, `app-${i}`, readyTimeoutMs, () => checkHttpOk(`${url}/health/ready`))),
      ...workerUrls.map((url, i) => ready(docker, ctx, `worker-${i}`, readyTimeoutMs, () => checkHttpOk(`${url}/health`))),
    ]);
    mark('appsReady');
    throwIfAborted(options.signal);

    const nginx = await startService(
      docker,
      ctx,
      'nginx',
      createNginxContainer(ctx, { upstreams: appIndexes.map((i) => `app-${i}:${APP_PORT}`) }, config.cpus.nginx),
    );
    const baseUrl = `http://${LOOPBACK}:${nginx.getMappedPort(NGINX_PORT)}`;
    await ready(docker, ctx, 'nginx', readyTimeoutMs, () => checkHttpOk(`${baseUrl}/health`));
    mark('ready');
    log.info({ timingsMs }, `stack ${runId} ready in ${(timingsMs.ready! / 1000).toFixed(1)} s at ${baseUrl}`);

    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= removeByLabel(docker, runId).then((removed) => {
        log.info({ containers: removed.containers.length }, `stack ${runId} torn down`);
      }));
    return Object.freeze({
      runId,
      config,
      catalog: options.catalog,
      shardMap,
      baseUrl,
      appUrls,
      shards,
      redisUrl,
      memcachedServer,
      memcachedServers,
      cdnUrl,
      notificationSinkUrl,
      workerUrls,
      objectStore: objectStoreEndpoint,
      timingsMs,
      logs: (service: string, lines = 100) => containerLogTail(docker, containerName(ctx, service), lines),
      stop,
      [Symbol.asyncDispose]: stop,
    });
  } catch (err) {
    log.warn(`stack ${runId} failed to start; tearing it down`);
    await removeByLabel(docker, runId).catch((cleanupErr: Error) => log.error({ err: cleanupErr.message }, 'teardown after failure failed'));
    if (isFeedscaleError(err)) throw err;
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `starting the stack failed: ${(err as Error).message}`, { cause: err });
  }
}
