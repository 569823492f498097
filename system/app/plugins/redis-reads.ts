import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A second connection to the feed Redis for the hot reads (feed lists, the media -> owner
     * map), auto-pipelined: commands issued in one turn of the event loop, by every request in
     * flight, go out in one write (ioredis flushes them on setImmediate). Writes, sessions and
     * the queues stay on `redis`.
     */
    redisReads: Redis;
  }
}

/**
 * Under load a feed read's LRANGE, written on its own, cost a socket write per request: the
 * largest share of the read's CPU once the cache lookups were batched (bench/app.bench.ts).
 * A connection of its own also keeps BullMQ's ~40 Lua commands, defined on `redis`, out of
 * every auto-pipeline ioredis builds (a pipeline copies its client's commands).
 */
export const redisReadsPlugin = fp(
  async (app: FastifyInstance) => {
    const reads = app.redis.duplicate({ enableAutoPipelining: true });
    reads.on('error', (err) => app.log.warn({ err }, 'redis (reads) connection error'));
    app.decorate('redisReads', reads);
    app.addHook('onClose', async () => {
      if (reads.status === 'ready') await reads.quit();
      else reads.disconnect();
    });
  },
  { name: 'redis-reads', dependencies: ['redis'] },
);
