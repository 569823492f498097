import { checkMemcached, checkRedisPing } from '../readiness.ts';
import { MEMCACHED_PORT, memcachedService } from '../services/memcached-service.ts';
import { REDIS_PORT, redisService } from '../services/redis-service.ts';
import type { StackConfig } from '../stack-config.ts';
import { LOOPBACK, type StackRun, indexes, ready, settleAll, start } from './stack-run.ts';

/** Redis (feeds, sessions, the media->owner map, the queues), ready when it answers PING. */
export async function startRedisTier(run: StackRun, config: Readonly<StackConfig>): Promise<{ redisUrl: string }> {
  const redis = await start(run, redisService(run, config.cpus.redis));
  const redisUrl = `redis://${LOOPBACK}:${redis.getMappedPort(REDIS_PORT)}`;
  await ready(run, 'redis', () => checkRedisPing(redisUrl));
  return { redisUrl };
}

/** The memcached instances (none when the cache is off), each ready after a set and get. */
export async function startMemcachedTier(run: StackRun, config: Readonly<StackConfig>): Promise<{ memcachedServers: string[] }> {
  const instances = config.cache === 'memcached' ? indexes(config.memcachedInstances) : [];
  const started = await settleAll(instances.map((i) => start(run, memcachedService(run, i, config.memcachedMemoryMb, config.cpus.memcached))));
  const memcachedServers = started.map((c) => `${LOOPBACK}:${c.getMappedPort(MEMCACHED_PORT)}`);
  await settleAll(memcachedServers.map((server, i) => ready(run, `memcached-${i}`, () => checkMemcached(server))));
  return { memcachedServers };
}
