import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../app-config.ts';
import { createMemcachedCache, createNoopCache, type CacheClient } from '../cache-client.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** memcached over config.cache.servers, or a no-op with the same interface when mode is 'off'. */
    cache: CacheClient;
  }
}

export const cachePlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const { cache } = opts.config;
    const client = cache.mode === 'memcached' ? createMemcachedCache({ servers: cache.servers, ttlS: cache.ttlS, log: app.log }) : createNoopCache();
    app.decorate('cache', client);
    app.addHook('onClose', async () => client.close());
  },
  { name: 'cache' },
);
