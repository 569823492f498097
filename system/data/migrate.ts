import { INSTAGRAM_EPOCH_MS, schemaName } from './ids.ts';
import { hostNearbyFunctionSql, hostSetupSql, shardSchemaSql } from './schema-sql.ts';
import type { Queryable } from './sharded-db.ts';
import { logicalShardsOn, type ShardMap } from './shard-map.ts';

export interface MigrateResult {
  /** Schemas created or confirmed per physical shard. */
  schemasPerPhysicalShard: number[];
  elapsedMs: number;
}

/**
 * Creates (or confirms) each host's extensions, every logical shard's schema on its physical host,
 * then the host's nearby function over exactly the schemas the map gives it. Idempotent: running
 * it twice changes nothing. Each DDL text goes as one simple-protocol query (no parameters, no
 * prepared statement, no SET), so it runs through pgbouncer in transaction mode. Hosts are
 * migrated in parallel, the schemas of one host one after another.
 *
 * @param targets one pool or client per physical shard, in shard-map order
 * @example
 * await migrateShards(pools, createShardMap(16, 2), INSTAGRAM_EPOCH_MS);
 */
export async function migrateShards(
  targets: readonly Queryable[],
  shardMap: ShardMap,
  epochMs: number = INSTAGRAM_EPOCH_MS,
): Promise<MigrateResult> {
  if (targets.length !== shardMap.physicalShards) {
    throw new RangeError(`migrateShards needs one target per physical shard: map has ${shardMap.physicalShards}, got ${targets.length}`);
  }
  const startedMs = performance.now();
  const schemasPerPhysicalShard = await Promise.all(
    targets.map(async (target, physicalShard) => {
      const logicals = logicalShardsOn(shardMap, physicalShard);
      await target.query(hostSetupSql());
      for (const logical of logicals) await target.query(shardSchemaSql(logical, epochMs));
      await target.query(hostNearbyFunctionSql(logicals.map(schemaName)));
      return logicals.length;
    }),
  );
  return { schemasPerPhysicalShard, elapsedMs: performance.now() - startedMs };
}
