import { describe, expect, it } from 'vitest';
import { makeServerRun } from '../testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeRedisOnlyServerMetrics, makeServerMetrics } from '../testing/server-fixtures.ts';
import { attribute, attributeAgainstBaseline, attributeConfiguration } from './attribute.ts';
import { summarizeServer } from './summarize-server.ts';

const on = summarizeServer('memcached-on', [makeServerRun('memcached-on', 0, makeServerMetrics(MEMCACHED_ON_SERVER))]);
const off = summarizeServer('memcached-off', [makeServerRun('memcached-off', 0, makeServerMetrics(MEMCACHED_OFF_SERVER))]);

describe('attribute', () => {
  it('explains memcached-off by the lost hit ratio, then the Postgres load it moved', () => {
    const items = attribute(on, off);
    expect(items.map((i) => i.metric)).toEqual(['cache.hitRatio', 'postgres.tupFetchedPerS', 'containers.pg.cpuPercent', 'postgres.xactPerS']);
    expect(items[0]!.sentence).toBe('cache hit ratio 0.0% vs 73.6%');
    expect(items[0]!.score).toBeCloseTo(0.736 / 0.05, 3);
    // Tuples x3.99 at a 25% threshold: ln 3.99 / ln 1.25 = 6.2 compounding steps.
    expect(items[1]!.score).toBeCloseTo(6.2, 1);
    expect(items[1]!.sentence).toBe('Postgres tuples fetched +299% (3332 vs 836/s)');
    expect(items[2]!.sentence).toBe('Postgres CPU +167% (13.7 vs 5.12% of a core)');
    expect(items[3]!.sentence).toBe('Postgres transactions +117% (429 vs 197/s)');
    // Differences under their thresholds stay out: app CPU -10%, Redis ops +8%, pgbouncer wait +0.2 ms.
    expect(items.some((i) => i.metric === 'apps.cpuCores' || i.metric === 'redis.opsPerS' || i.metric.startsWith('pgbouncer'))).toBe(false);
  });

  it('ranks by size against each threshold, so pool waits and shard skew outrank a small CPU rise', () => {
    const saturated = summarizeServer('pool-5', [
      makeServerRun('pool-5', 0, makeServerMetrics({
        clWaitingMaxByShard: [12, 3],
        waitPerXactMsByShard: [14, 2],
        xactPerSByShard: [180, 20],
        tupFetchedPerSByShard: [448.686, 387.32],
        appCpuCoresByInstance: [0.259, 0.259],
      })),
    ]);
    const items = attribute(on, saturated);
    expect(items.map((i) => i.sentence)).toEqual([
      // (14 ms x 126 xact/s + 2 ms x 14 xact/s) / 140 xact/s: the wait is weighted by transactions.
      'pgbouncer wait per transaction 12.8 vs 0.138 ms',
      'pgbouncer longest client wait 84 vs 0 ms',
      'pgbouncer clients waiting: max 12 vs 0',
      'shard skew (busiest shard / mean) 1.80x vs 1.03x',
      'app CPU +40% (0.518 vs 0.37 cores)',
    ]);
    expect(items.map((i) => i.score)).toEqual([...items.map((i) => i.score)].sort((a, b) => b - a));
  });

  it('lists nothing between equal configurations', () => {
    expect(attribute(on, summarizeServer('again', [makeServerRun('again', 0, makeServerMetrics(MEMCACHED_ON_SERVER))]))).toEqual([]);
  });

  it('skips a difference that the repeats of each side straddle', () => {
    const noisy = (name: string, ratios: number[]) => summarizeServer(name, ratios.map((hitRatio, repeat) => makeServerRun(name, repeat, makeServerMetrics({ hitRatio }))));
    // Means 0.70 vs 0.78, but 0.60..0.80 overlaps 0.76..0.80: repeat noise, not a cause.
    expect(attribute(noisy('a', [0.76, 0.8]), noisy('b', [0.6, 0.8])).map((i) => i.metric)).toEqual([]);
    // 0.50..0.55 vs 0.76..0.80: every repeat of one side lies below the other's.
    expect(attribute(noisy('a', [0.76, 0.8]), noisy('b', [0.5, 0.55]))[0]?.sentence).toBe('cache hit ratio 52.5% vs 78.0%');
  });

  it('compares only what both sides measured', () => {
    const bare = summarizeServer('bare', [makeServerRun('bare', 0, makeRedisOnlyServerMetrics())]);
    expect(attribute(on, bare)).toEqual([]);
  });
});

describe('attributeConfiguration', () => {
  it('says which side has no server metrics instead of listing nothing silently', () => {
    const none = summarizeServer('k6', [makeServerRun('k6', 0, undefined)]);
    expect(attributeConfiguration(on, none)).toEqual({ configuration: 'k6', baseline: 'memcached-on', items: [], unavailableReason: 'no server metrics for "k6"' });
    expect(attributeConfiguration(on, off).unavailableReason).toBe('');
  });
});

describe('attributeAgainstBaseline', () => {
  it('compares every other configuration with the baseline, and nothing without a baseline summary', () => {
    expect(attributeAgainstBaseline([off, on], 'memcached-on').map((a) => [a.configuration, a.baseline])).toEqual([['memcached-off', 'memcached-on']]);
    expect(attributeAgainstBaseline([off], 'memcached-on')).toEqual([]);
  });
});
