import { describe, expect, it } from 'vitest';
import { summarizePgbouncer, toPgbouncerSample } from './pgbouncer-collector.ts';

// Rows as node-postgres returns SHOW POOLS / SHOW STATS from pgbouncer 1.2x (bigints as strings).
const pools = (clWaiting: number, maxwait: number) => [
  { database: 'pgbouncer', user: 'pgbouncer', cl_active: 1, cl_waiting: 0, sv_active: 0, sv_idle: 0, maxwait: 0, maxwait_us: 0 },
  { database: 'feedscale', user: 'feedscale', cl_active: 8, cl_waiting: clWaiting, sv_active: 3, sv_idle: 2, maxwait, maxwait_us: 250000 },
];
const stats = (xacts: number, waitUs: number) => [
  { database: 'pgbouncer', total_xact_count: '9', total_query_count: '9', total_wait_time: '0' },
  { database: 'feedscale', total_xact_count: String(xacts), total_query_count: String(xacts * 2), total_wait_time: String(waitUs) },
];

describe('pgbouncer admin console', () => {
  it('keeps only the rows of the shard database and reads maxwait with its microseconds', () => {
    expect(toPgbouncerSample(pools(4, 1), stats(100, 5000), 'feedscale')).toEqual({
      clActive: 8,
      clWaiting: 4,
      svActive: 3,
      svIdle: 2,
      maxwaitMs: 1250,
      totalXactCount: 100,
      totalQueryCount: 200,
      totalWaitUs: 5000,
    });
  });

  it('fails when SHOW STATS does not list the database', () => {
    expect(() => toPgbouncerSample(pools(0, 0), stats(1, 0), 'other')).toThrow(/other/);
  });

  it('computes transactions per second and client wait per transaction from the totals', () => {
    const samples = [
      { tS: 0, value: toPgbouncerSample(pools(0, 0), stats(100, 0), 'feedscale') },
      { tS: 1, value: toPgbouncerSample(pools(6, 2), stats(300, 400_000), 'feedscale') },
      { tS: 2, value: toPgbouncerSample(pools(0, 0), stats(300, 400_000), 'feedscale') },
    ];
    const metrics = summarizePgbouncer(1, samples);
    expect(metrics.series[0]).toMatchObject({ xactsPerS: 200, queriesPerS: 400, waitPerXactMs: 2, clWaiting: 6, maxwaitMs: 2250 });
    expect(metrics.series[1]).toMatchObject({ xactsPerS: 0, waitPerXactMs: null });
    expect(metrics.summary).toEqual({ xacts: 200, queries: 400, totalWaitMs: 400, waitPerXactMs: 2, clWaitingMax: 6, svActiveMax: 3, maxwaitMsMax: 2250 });
  });
});
