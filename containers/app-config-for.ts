import { type AppConfig, loadAppConfig } from '../system/app/app-config.ts';
import type { ResolvedCatalog } from './images/image-catalog.ts';
import { APP_PORT } from './services/app-service.ts';
import { MEMCACHED_PORT } from './services/memcached-service.ts';
import { NOTIFICATION_SINK_PORT } from './services/notification-sink-service.ts';
import { MEDIA_BUCKET, OBJECT_STORE_PORT } from './services/object-store-service.ts';
import { PGBOUNCER_PORT } from './services/pgbouncer-service.ts';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT } from './services/postgres-service.ts';
import { REDIS_PORT } from './services/redis-service.ts';
import { WORKER_METRICS_PORT } from './services/worker-service.ts';
import type { StackConfig } from './stack-config.ts';

/** Addresses that clients outside the stack's network use, written into what the app hands out. */
export interface PublicEndpoints {
  /** Where presigned upload URLs point: the object store as clients reach it. */
  objectStoreUrl: string;
  /** Where media URLs point: the CDN as clients reach it. */
  cdnUrl: string;
}

/**
 * The configuration of app instance (or worker) `instanceId` in a stack: only what the stack
 * decides (peers by their network aliases, pool sizes, modes); every other field takes the
 * app's schema default. The same function serves every engine (Testcontainers, Swarm,
 * Kubernetes), so a stack field reaches the app the same way on each.
 */
export function appConfigFor(config: Readonly<StackConfig>, catalog: ResolvedCatalog, instanceId: string, endpoints: PublicEndpoints): Readonly<AppConfig> {
  const { user, password, database } = POSTGRES_CREDENTIALS;
  const memcached = config.cache === 'memcached' ? Array.from({ length: config.memcachedInstances }, (_, i) => `memcached-${i}:${MEMCACHED_PORT}`) : [];
  return loadAppConfig(
    {
      instanceId,
      port: APP_PORT,
      logicalShards: config.logicalShards,
      shards: Array.from({ length: config.physicalShards }, (_, i) => ({
        host: `pgbouncer-${i}`,
        port: PGBOUNCER_PORT,
        database,
        user,
        password,
        ...(config.replicas > 0 ? { replica: { host: `pg-${i}-replica`, port: POSTGRES_PORT } } : {}),
      })),
      pgPoolMax: config.appPgPoolMax,
      redisUrl: `redis://redis:${REDIS_PORT}`,
      cache: { mode: config.cache, servers: memcached },
      feed: { readFromReplica: config.readFromReplica },
      fanOut: { mode: config.fanOut, readTimeMergeAboveFollowers: config.readTimeMergeAboveFollowers },
      notifications: { sinkUrl: `http://notification-sink:${NOTIFICATION_SINK_PORT}` },
      cdn: { baseUrl: endpoints.cdnUrl },
      worker: { metricsPort: WORKER_METRICS_PORT },
      faults: { feedReadDelayMs: config.injectFeedReadDelayMs, feedReadExtraQueries: config.injectFeedReadExtraQueries },
      objectStore: {
        endpoint: `http://objectstore:${OBJECT_STORE_PORT}`,
        publicEndpoint: endpoints.objectStoreUrl,
        bucket: MEDIA_BUCKET,
        accessKeyId: catalog.objectStore.accessKeyId,
        secretAccessKey: catalog.objectStore.secretAccessKey,
      },
    },
    `${instanceId} configuration`,
  );
}
