import { type PublicEndpoints, appConfigFor } from './app-config-for.ts';
import type { ResolvedCatalog } from './images/image-catalog.ts';
import type { ServiceSpec, SpecContext } from './service-spec.ts';
import { APP_PORT, appService, profileOf } from './services/app-service.ts';
import { cdnService } from './services/cdn-service.ts';
import { memcachedService } from './services/memcached-service.ts';
import { nginxService } from './services/nginx-service.ts';
import { notificationSinkService } from './services/notification-sink-service.ts';
import { objectStoreService } from './services/object-store-service.ts';
import { pgbouncerService } from './services/pgbouncer-service.ts';
import { postgresReplicaService } from './services/postgres-replica-service.ts';
import { postgresService } from './services/postgres-service.ts';
import { redisService } from './services/redis-service.ts';
import { workerService } from './services/worker-service.ts';
import type { StackConfig } from './stack-config.ts';

const indexes = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Every service of one stack as data, in start order: the data tier (each Postgres host, its
 * pgbouncer, its replica), Redis, memcached, the object store and CDN, the notification sink,
 * the app instances and queue workers, nginx. The tier functions (containers/tiers/) start the
 * same specs with Testcontainers, built by the same calls with the same arguments
 * (stack-description.test.ts checks that they agree); the deploy renderers
 * (containers/deploy/) turn this list into a Compose file or Kubernetes manifests, so no
 * target has a description of its own.
 *
 * `endpoints` are the object store and CDN as the load clients reach them: written into the
 * app's configuration (presigned upload URLs, media URLs), so each target passes its own.
 *
 * @example
 * const specs = describeStack(loadStackConfig({ physicalShards: 12, appInstances: 25 }), catalog, {
 *   objectStoreUrl: 'http://127.0.0.1:9000',
 *   cdnUrl: 'http://127.0.0.1:8081',
 * });
 */
export function describeStack(config: Readonly<StackConfig>, catalog: ResolvedCatalog, endpoints: PublicEndpoints): ServiceSpec[] {
  const ctx: SpecContext = { catalog };
  const hosts = indexes(config.physicalShards);
  const memcached = config.cache === 'memcached' ? indexes(config.memcachedInstances) : [];
  return [
    ...hosts.flatMap((i) => [
      postgresService(ctx, i, config.cpus.postgres),
      pgbouncerService(ctx, i, { postgresHost: `pg-${i}`, poolSize: config.pgbouncerPoolSize }, config.cpus.pgbouncer),
      ...(config.replicas > 0 ? [postgresReplicaService(ctx, i, config.cpus.postgres)] : []),
    ]),
    redisService(ctx, config.cpus.redis),
    ...memcached.map((i) => memcachedService(ctx, i, config.memcachedMemoryMb, config.cpus.memcached)),
    objectStoreService(ctx),
    cdnService(ctx, config.cpus.nginx),
    notificationSinkService(ctx),
    ...indexes(config.appInstances).map((i) => appService(ctx, i, appConfigFor(config, catalog, `app-${i}`, endpoints), config.cpus.app, profileOf(i, config.profile))),
    ...indexes(config.workers).map((i) => workerService(ctx, i, appConfigFor(config, catalog, `worker-${i}`, endpoints), config.cpus.app)),
    nginxService(ctx, { upstreams: indexes(config.appInstances).map((i) => `app-${i}:${APP_PORT}`) }, config.cpus.nginx),
  ];
}
