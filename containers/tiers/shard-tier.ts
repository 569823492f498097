import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { type ShardMap, createShardMap } from '../../system/data/shard-map.ts';
import { checkPostgresQuery } from '../readiness.ts';
import { PGBOUNCER_PORT, pgbouncerService } from '../services/pgbouncer-service.ts';
import { POSTGRES_CREDENTIALS, postgresService } from '../services/postgres-service.ts';
import { postgresReplicaService } from '../services/postgres-replica-service.ts';
import { createShardSchemas } from '../shard-schemas.ts';
import type { StackConfig } from '../stack-config.ts';
import { LOOPBACK, type StackRun, indexes, ready, settleAll, start } from './stack-run.ts';

export interface ShardTier {
  shardMap: ShardMap;
  /** Each physical shard's pgbouncer as the harness reaches it. */
  shards: ShardEndpoint[];
}

/**
 * The data tier: P Postgres hosts each behind its own pgbouncer (and, with replicas: 1, a
 * streaming replica each, which retries its base backup until the primary answers), ready when
 * a query answers through every pgbouncer; then every logical shard's schema is created.
 */
export async function startShardTier(run: StackRun, config: Readonly<StackConfig>): Promise<ShardTier> {
  const shardMap = createShardMap(config.logicalShards, config.physicalShards);
  const hosts = indexes(config.physicalShards);
  const [, pgbouncers] = await settleAll([
    settleAll(hosts.map((i) => start(run, postgresService(run, i, config.cpus.postgres)))),
    settleAll(hosts.map((i) => start(run, pgbouncerService(run, i, { postgresHost: `pg-${i}`, poolSize: config.pgbouncerPoolSize }, config.cpus.pgbouncer)))),
    config.replicas > 0 ? settleAll(hosts.map((i) => start(run, postgresReplicaService(run, i, config.cpus.postgres)))) : Promise.resolve([]),
  ] as const);
  const { user, password, database } = POSTGRES_CREDENTIALS;
  const shards: ShardEndpoint[] = pgbouncers.map((c, index) => ({ index, host: LOOPBACK, port: c.getMappedPort(PGBOUNCER_PORT), user, password, database }));
  await settleAll(shards.map((s) => ready(run, `pgbouncer-${s.index}`, () => checkPostgresQuery(s))));
  await createShardSchemas(shards, shardMap, run.log);
  return { shardMap, shards };
}
