import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { createSimpleQueryClient } from './simple-query-client.ts';
import type { Collector, Timed } from './collector.ts';
import { counterTotal, mapIntervals, meanOf, ratePerS, ratio, round3, round3OrNull } from './rates.ts';
import type { PgStatement, PostgresShardMetrics } from '../../lib/server-metrics-schema.ts';

export interface PostgresSample {
  xactCommit: number;
  xactRollback: number;
  tupFetched: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  blksHit: number;
  blksRead: number;
}

const COUNTERS: Record<keyof PostgresSample, string> = {
  xactCommit: 'xact_commit',
  xactRollback: 'xact_rollback',
  tupFetched: 'tup_fetched',
  tupInserted: 'tup_inserted',
  tupUpdated: 'tup_updated',
  tupDeleted: 'tup_deleted',
  blksHit: 'blks_hit',
  blksRead: 'blks_read',
};
const STAT_DATABASE_SQL = `SELECT ${Object.values(COUNTERS).join(', ')} FROM pg_stat_database WHERE datname = current_database()`;

// The collector's own statements (and the migrations' DDL) are not the workload.
const TOP_STATEMENTS_SQL = `SELECT query, calls, total_exec_time, mean_exec_time, rows FROM pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT ILIKE '%pg_stat%'
  ORDER BY total_exec_time DESC LIMIT 10`;

export function toPostgresSample(row: Record<string, unknown>): PostgresSample {
  const sample = {} as PostgresSample;
  for (const [key, column] of Object.entries(COUNTERS) as Array<[keyof PostgresSample, string]>) {
    const value = Number(row[column]);
    if (row[column] === undefined || row[column] === null || !Number.isFinite(value)) throw new Error(`pg_stat_database has no numeric ${column}`);
    sample[key] = value;
  }
  return sample;
}

export function toPgStatement(row: Record<string, unknown>): PgStatement {
  return {
    query: String(row.query).replace(/\s+/g, ' ').trim().slice(0, 500),
    calls: Number(row.calls),
    totalExecMs: round3(Number(row.total_exec_time)),
    meanExecMs: round3(Number(row.mean_exec_time)),
    rows: Number(row.rows),
  };
}

export function summarizePostgres(shard: number, samples: readonly Timed<PostgresSample>[]): Omit<PostgresShardMetrics, 'topStatements' | 'topStatementsError'> {
  const series = mapIntervals(samples, (a, b, elapsedS, tS) => {
    const rate = (key: keyof PostgresSample) => round3(ratePerS(a[key], b[key], elapsedS));
    const blksHitPerS = rate('blksHit');
    const blksReadPerS = rate('blksRead');
    return {
      tS: round3(tS),
      xactCommitPerS: rate('xactCommit'),
      xactRollbackPerS: rate('xactRollback'),
      tupFetchedPerS: rate('tupFetched'),
      tupInsertedPerS: rate('tupInserted'),
      tupUpdatedPerS: rate('tupUpdated'),
      tupDeletedPerS: rate('tupDeleted'),
      blksHitPerS,
      blksReadPerS,
      bufferHitRatio: round3OrNull(ratio(blksHitPerS, blksHitPerS + blksReadPerS)),
    };
  });
  const total = (key: keyof PostgresSample) => counterTotal(samples, (s) => s[key]);
  const blksHit = total('blksHit');
  const blksRead = total('blksRead');
  return {
    shard,
    series,
    summary: {
      xactCommit: total('xactCommit'),
      xactRollback: total('xactRollback'),
      tupFetched: total('tupFetched'),
      tupInserted: total('tupInserted'),
      tupUpdated: total('tupUpdated'),
      tupDeleted: total('tupDeleted'),
      blksHit,
      blksRead,
      bufferHitRatio: round3OrNull(ratio(blksHit, blksHit + blksRead)),
      xactCommitPerSMean: round3(meanOf(series.map((p) => p.xactCommitPerS))),
    },
  };
}

export interface PostgresCollectorOptions {
  /** Clear pg_stat_statements at start so the top statements cover this run only (default true). */
  resetStatements?: boolean;
  timeoutMs: number;
}

/**
 * pg_stat_database counters and pg_stat_statements of one shard, read through its pgbouncer.
 * pgbouncer pools in transaction mode, so every statement is a plain query that needs no
 * session state. The collector's own query commits a transaction per sample: one xact_commit
 * per second of noise.
 *
 * Postgres (15+) publishes a backend's counters to pg_stat_database when it goes idle, at most
 * once a second, and an idle backend's last counts only after up to 10 s (PGSTAT_IDLE_INTERVAL):
 * under steady load the series lags about a second; after the load stops, the tail arrives
 * late. pg_stat_statements has no such delay.
 */
export function createPostgresCollector(shard: ShardEndpoint, options: PostgresCollectorOptions): Collector<PostgresSample, PostgresShardMetrics> {
  let topStatementsError: string | undefined;
  const connection = createSimpleQueryClient(shard, shard.database, options.timeoutMs);
  const query = (text: string) => connection.query(text);
  return {
    name: `postgres-${shard.index}`,
    start: async () => {
      if (options.resetStatements === false) return;
      try {
        await query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        await query('SELECT pg_stat_statements_reset()');
      } catch (err) {
        topStatementsError = `pg_stat_statements not reset at start (top statements may predate the run): ${(err as Error).message}`;
      }
    },
    sample: async () => {
      const { rows } = await query(STAT_DATABASE_SQL);
      if (rows.length !== 1) throw new Error(`pg_stat_database returned ${rows.length} rows for ${shard.database}`);
      return toPostgresSample(rows[0] as Record<string, unknown>);
    },
    summarize: async (samples) => {
      const metrics: PostgresShardMetrics = { ...summarizePostgres(shard.index, samples), topStatements: [] };
      try {
        const { rows } = await query(TOP_STATEMENTS_SQL);
        metrics.topStatements = rows.map((row) => toPgStatement(row as Record<string, unknown>));
      } catch (err) {
        topStatementsError = `pg_stat_statements unavailable: ${(err as Error).message}`;
      }
      if (topStatementsError !== undefined) metrics.topStatementsError = topStatementsError;
      return metrics;
    },
    close: () => connection.close(),
  };
}
