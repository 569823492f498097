import { describe, expect, it } from 'vitest';
import { summarizePostgres, toPgStatement, toPostgresSample } from './postgres-collector.ts';

const row = (commits: number, hit: number, read: number) => ({
  xact_commit: String(commits),
  xact_rollback: '1',
  tup_fetched: String(commits * 3),
  tup_inserted: '0',
  tup_updated: '0',
  tup_deleted: '0',
  blks_hit: String(hit),
  blks_read: String(read),
});

describe('pg_stat_database deltas', () => {
  it('rates the counters per second and the buffer hit ratio per interval and over the run', () => {
    const samples = [
      { tS: 0, value: toPostgresSample(row(1000, 900, 100)) },
      { tS: 2, value: toPostgresSample(row(1100, 1170, 130)) },
      { tS: 3, value: toPostgresSample(row(1150, 1170, 130)) },
    ];
    const metrics = summarizePostgres(0, samples);
    expect(metrics.series[0]).toMatchObject({ tS: 2, xactCommitPerS: 50, tupFetchedPerS: 150, blksHitPerS: 135, blksReadPerS: 15, bufferHitRatio: 0.9 });
    expect(metrics.series[1]).toMatchObject({ xactCommitPerS: 50, bufferHitRatio: null });
    expect(metrics.summary).toMatchObject({ xactCommit: 150, xactRollback: 0, blksHit: 270, blksRead: 30, bufferHitRatio: 0.9, xactCommitPerSMean: 50 });
  });

  it('refuses a row without the counters', () => {
    expect(() => toPostgresSample({ xact_commit: '1' })).toThrow(/xact_rollback/);
  });

  it('flattens the whitespace of a statement and keeps its numbers', () => {
    expect(toPgStatement({ query: 'SELECT *\n   FROM s0001.media  WHERE id = $1', calls: '12', total_exec_time: 3.14159, mean_exec_time: 0.2618, rows: '12' })).toEqual({
      query: 'SELECT * FROM s0001.media WHERE id = $1',
      calls: 12,
      totalExecMs: 3.142,
      meanExecMs: 0.262,
      rows: 12,
    });
  });
});
