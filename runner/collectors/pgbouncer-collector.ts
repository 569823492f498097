import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { createSimpleQueryClient } from './simple-query-client.ts';
import type { Collector, Timed } from './collector.ts';
import { counterDelta, counterTotal, mapIntervals, maxOf, ratePerS, ratio, round3, round3OrNull } from './rates.ts';
import type { PgbouncerShardMetrics } from '../../lib/server-metrics-schema.ts';

export interface PgbouncerSample {
  clActive: number;
  clWaiting: number;
  svActive: number;
  svIdle: number;
  maxwaitMs: number;
  /** SHOW STATS totals since pgbouncer started. */
  totalXactCount: number;
  totalQueryCount: number;
  totalWaitUs: number;
}

const num = (row: Record<string, unknown>, column: string): number => {
  const value = Number(row[column]);
  if (row[column] === undefined || row[column] === null || !Number.isFinite(value)) throw new Error(`pgbouncer row has no numeric ${column}`);
  return value;
};

/**
 * Adds up SHOW POOLS and SHOW STATS rows of one database (a pool per user); maxwait is the
 * oldest waiter of any pool.
 */
export function toPgbouncerSample(pools: readonly Record<string, unknown>[], stats: readonly Record<string, unknown>[], database: string): PgbouncerSample {
  const ownPools = pools.filter((row) => row.database === database);
  const ownStats = stats.filter((row) => row.database === database);
  if (ownStats.length === 0) throw new Error(`pgbouncer SHOW STATS lists no database ${database}`);
  const sum = (rows: readonly Record<string, unknown>[], column: string) => rows.reduce((total, row) => total + num(row, column), 0);
  return {
    clActive: sum(ownPools, 'cl_active'),
    clWaiting: sum(ownPools, 'cl_waiting'),
    svActive: sum(ownPools, 'sv_active'),
    svIdle: sum(ownPools, 'sv_idle'),
    maxwaitMs: maxOf(ownPools.map((row) => num(row, 'maxwait') * 1000 + (row.maxwait_us === undefined ? 0 : num(row, 'maxwait_us') / 1000))),
    totalXactCount: sum(ownStats, 'total_xact_count'),
    totalQueryCount: sum(ownStats, 'total_query_count'),
    totalWaitUs: sum(ownStats, 'total_wait_time'),
  };
}

export function summarizePgbouncer(shard: number, samples: readonly Timed<PgbouncerSample>[]): PgbouncerShardMetrics {
  const series = mapIntervals(samples, (a, b, elapsedS, tS) => ({
    tS: round3(tS),
    clActive: b.clActive,
    clWaiting: b.clWaiting,
    svActive: b.svActive,
    svIdle: b.svIdle,
    maxwaitMs: round3(b.maxwaitMs),
    xactsPerS: round3(ratePerS(a.totalXactCount, b.totalXactCount, elapsedS)),
    queriesPerS: round3(ratePerS(a.totalQueryCount, b.totalQueryCount, elapsedS)),
    waitPerXactMs: round3OrNull(
      ratio(counterDelta(a.totalWaitUs, b.totalWaitUs) / 1000, counterDelta(a.totalXactCount, b.totalXactCount)),
    ),
  }));
  const xacts = counterTotal(samples, (s) => s.totalXactCount);
  const totalWaitMs = counterTotal(samples, (s) => s.totalWaitUs) / 1000;
  const values = samples.map((s) => s.value);
  return {
    shard,
    series,
    summary: {
      xacts,
      queries: counterTotal(samples, (s) => s.totalQueryCount),
      totalWaitMs: round3(totalWaitMs),
      waitPerXactMs: round3OrNull(ratio(totalWaitMs, xacts)),
      clWaitingMax: maxOf(values.map((v) => v.clWaiting)),
      svActiveMax: maxOf(values.map((v) => v.svActive)),
      maxwaitMsMax: round3(maxOf(values.map((v) => v.maxwaitMs))),
    },
  };
}

/**
 * pgbouncer's admin console of one shard (database `pgbouncer`; the stack's user is in
 * admin_users and stats_users). The console speaks only the simple query protocol.
 */
export function createPgbouncerCollector(shard: ShardEndpoint, timeoutMs: number): Collector<PgbouncerSample, PgbouncerShardMetrics> {
  const connection = createSimpleQueryClient(shard, 'pgbouncer', timeoutMs);
  const show = async (command: string): Promise<Record<string, unknown>[]> => (await connection.query(command)).rows as Record<string, unknown>[];
  return {
    name: `pgbouncer-${shard.index}`,
    sample: async () => {
      const pools = await show('SHOW POOLS');
      const stats = await show('SHOW STATS');
      return toPgbouncerSample(pools, stats, shard.database);
    },
    summarize: async (samples) => summarizePgbouncer(shard.index, samples),
    close: () => connection.close(),
  };
}
