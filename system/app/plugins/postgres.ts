import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createShardedDb } from '../../data/create-sharded-db.ts';
import type { ShardedDb } from '../../data/sharded-db.ts';
import type { AppConfig } from '../app-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** One pg.Pool per physical shard (each through its pgbouncer), optional replicas, and the shard router. */
    pg: ShardedDb;
  }
}

/**
 * Pools connect lazily, so an app built against unreachable hosts still starts and validates
 * requests; the first query (or /health/ready) finds out.
 */
export const postgresPlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    app.decorate('pg', createShardedDb(opts.config, app.log));
    app.addHook('onClose', async () => {
      await app.pg.end();
    });
  },
  { name: 'postgres' },
);
