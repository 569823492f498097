import pg from 'pg';
import type { AppConfig, PhysicalShard } from '../app/app-config.ts';
import { ShardedDb } from './sharded-db.ts';
import { createShardMap } from './shard-map.ts';

export interface PoolLog {
  warn(obj: object, msg: string): void;
}

/**
 * One pg.Pool per physical shard (through its pgbouncer) and, where configured, one per
 * streaming replica, behind the shard router. Shared by the app and the queue workers. Pools
 * connect lazily, so this succeeds against unreachable hosts; the first query finds out.
 */
export function createShardedDb(config: Pick<AppConfig, 'shards' | 'logicalShards' | 'pgPoolMax' | 'instanceId'>, log: PoolLog): ShardedDb {
  const map = createShardMap(config.logicalShards, config.shards.length);
  const poolFor = (shard: PhysicalShard, host: string, port: number, index: number, role: 'primary' | 'replica'): pg.Pool => {
    const pool = new pg.Pool({
      host,
      port,
      database: shard.database,
      user: shard.user,
      password: shard.password,
      max: config.pgPoolMax,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: config.instanceId,
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', (err) => log.warn({ err, physicalShard: index, role }, 'idle postgres client failed'));
    return pool;
  };
  const pools = config.shards.map((shard, i) => poolFor(shard, shard.host, shard.port, i, 'primary'));
  const replicaPools = config.shards.map((shard, i) => (shard.replica ? poolFor(shard, shard.replica.host, shard.replica.port, i, 'replica') : undefined));
  return new ShardedDb(map, pools, replicaPools.some((p) => p !== undefined) ? { replicaPools } : {});
}
