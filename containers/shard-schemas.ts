import pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import type { ShardEndpoint } from '../lib/stack-endpoints.ts';
import { INSTAGRAM_EPOCH_MS } from '../system/data/ids.ts';
import { migrateShards } from '../system/data/migrate.ts';
import type { ShardMap } from '../system/data/shard-map.ts';

/** Runs `fn` with one small pg.Pool per physical shard (through its pgbouncer), closing them after. */
export async function withShardPools<T>(shards: readonly ShardEndpoint[], fn: (pools: pg.Pool[]) => Promise<T>): Promise<T> {
  const pools = shards.map((s) => new pg.Pool({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.database, max: 4 }));
  try {
    return await fn(pools);
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
}

/** Creates every logical shard's schema (tables, next_id()) on its physical host. */
export async function createShardSchemas(shards: readonly ShardEndpoint[], shardMap: ShardMap, log: Logger): Promise<void> {
  const result = await withShardPools(shards, (pools) => migrateShards(pools, shardMap, INSTAGRAM_EPOCH_MS));
  log.info({ schemas: result.schemasPerPhysicalShard, elapsedMs: Math.round(result.elapsedMs) }, 'shard schemas created');
}
