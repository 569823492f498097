import { GenericContainer, Wait } from 'testcontainers';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const REDIS_PORT = 6379;

/** Redis: feeds, sessions, the media->owner map, and the job queue. No persistence: runs are disposable. */
export function createRedisContainer(ctx: ServiceContext, cpus?: number): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.redis)
    .withCommand(['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'])
    .withExposedPorts(REDIS_PORT)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/));
  return commonSettings(container, ctx, 'redis', cpus);
}
