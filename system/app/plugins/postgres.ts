import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import pg from 'pg';
import { ShardedDb } from '../../data/sharded-db.ts';
import { createShardMap } from '../../data/shard-map.ts';
import type { AppConfig } from '../app-config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** One pg.Pool per physical shard (each through its pgbouncer) and the shard router. */
    pg: ShardedDb;
  }
}

/**
 * Pools connect lazily, so an app built against unreachable hosts still starts and validates
 * requests; the first query (or /health/ready) finds out.
 */
export const postgresPlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const { config } = opts;
    const map = createShardMap(config.logicalShards, config.shards.length);
    const pools = config.shards.map((shard, index) => {
      const pool = new pg.Pool({
        host: shard.host,
        port: shard.port,
        database: shard.database,
        user: shard.user,
        password: shard.password,
        max: config.pgPoolMax,
        connectionTimeoutMillis: 5000,
        idleTimeoutMillis: 30_000,
        application_name: config.instanceId,
      });
      // An idle client losing its server must not crash the process; the next query reconnects.
      pool.on('error', (err) => app.log.warn({ err, physicalShard: index }, 'idle postgres client failed'));
      return pool;
    });
    app.decorate('pg', new ShardedDb(map, pools));
    app.addHook('onClose', async () => {
      await app.pg.end();
    });
  },
  { name: 'postgres' },
);
