import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../app-config.ts';
import { RedisConnection } from '../redis-connection.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A second connection to the feed Redis for the hot reads (feed lists, the media -> owner
     * map): pipelined, the commands of every request in flight written together
     * (redis-connection.ts). Writes, sessions and the queues stay on `redis` (ioredis).
     */
    redisReads: RedisConnection;
  }
}

/** A read that gets no reply in this long fails (ioredis's connect timeout). */
const READ_TIMEOUT_MS = 5000;

export const redisReadsPlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const reads = RedisConnection.fromUrl(opts.config.redisUrl, { timeoutMs: READ_TIMEOUT_MS });
    app.decorate('redisReads', reads);
    app.addHook('onClose', async () => reads.close());
  },
  { name: 'redis-reads' },
);
