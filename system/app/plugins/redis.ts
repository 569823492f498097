import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import type { AppConfig } from '../app-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Redis that holds the feeds (fan-out on write, docs/facts.md). */
    redis: Redis;
  }
}

export const redisPlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const redis = new Redis(opts.config.redisUrl, {
      lazyConnect: true,
      // Fail a command after one reconnect attempt instead of queueing it for ever.
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
    });
    redis.on('error', (err) => app.log.warn({ err }, 'redis connection error'));
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    });
  },
  { name: 'redis' },
);
