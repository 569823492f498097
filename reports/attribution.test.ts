import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { attribute, attributeConfiguration, serviceKind, summarizeServer } from './attribution.ts';
import { buildReport } from './build-report.ts';
import { ServerMetricsSchema } from './collectors/server-metrics-schema.ts';
import { validateReport } from './render/json.ts';
import type { RunResult } from './result-schema.ts';
import { ServerSummarySchema } from './server-summary-schema.ts';
import { makeRun, rampUs, standardInput } from './testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeServerMetrics, type ServerFixture } from './testing/server-fixtures.ts';

function run(configuration: string, repeat: number, server: Partial<ServerFixture> | Record<string, unknown> | undefined, raw = false): RunResult {
  const r = makeRun({ configuration, repeat, endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1000, 50) }] });
  if (server !== undefined) r.server = raw ? (server as Record<string, unknown>) : makeServerMetrics(server as Partial<ServerFixture>);
  return r;
}

const on = summarizeServer('memcached-on', [run('memcached-on', 0, MEMCACHED_ON_SERVER)]);
const off = summarizeServer('memcached-off', [run('memcached-off', 0, MEMCACHED_OFF_SERVER)]);

describe('server fixtures', () => {
  it('are shaped exactly as the collectors produce them', () => {
    expect([...Value.Errors(ServerMetricsSchema, makeServerMetrics(MEMCACHED_ON_SERVER))]).toEqual([]);
    expect([...Value.Errors(ServerMetricsSchema, makeServerMetrics(MEMCACHED_OFF_SERVER))]).toEqual([]);
  });
});

describe('summarizeServer', () => {
  it('digests the collectors into hit ratio, pool waits, per-shard load, upstream times and CPU', () => {
    expect(Value.Check(ServerSummarySchema, on)).toBe(true);
    expect(on.repeats).toEqual([0]);
    expect(on.cache?.hitRatio?.mean).toBe(0.736);
    expect(on.postgres?.shards.map((s) => s.shard)).toEqual([0, 1]);
    expect(on.postgres?.xactPerS?.mean).toBeCloseTo(101.282 + 95.909, 6);
    // max / mean over the two shards: 101.282 / 98.5955.
    expect(on.postgres?.shardSkew?.mean).toBeCloseTo(1.0272, 4);
    expect(on.pgbouncer?.clientsWaitingMax?.mean).toBe(0);
    expect(on.nginx?.upstreams.map((u) => u.instance)).toEqual(['app-0', 'app-1']);
    expect(on.nginx?.upstreamMeanMs?.mean).toBeCloseTo((37.738 + 38.309) / 2, 6);
    expect(on.apps?.cpuCores?.mean).toBeCloseTo(0.37, 9);
    expect(on.redis?.opsPerS?.mean).toBe(146.464);
  });

  it('sums container CPU per service kind, from the label without its instance number', () => {
    const pg = on.containers?.find((c) => c.kind === 'pg');
    expect(pg?.instances).toBe(2);
    expect(pg?.cpuPercent?.mean).toBeCloseTo(2.598 + 2.525, 9);
    expect(on.containers?.map((c) => c.kind)).toEqual(['app', 'memcached', 'nginx', 'objectstore', 'pg', 'pgbouncer', 'redis']);
  });

  it('takes the hit ratio from the apps when the stack runs without memcached', () => {
    expect(off.cache?.hitRatio?.mean).toBe(0);
    expect(off.cache?.getsPerS).toBeUndefined();
  });

  it('keeps one value per repeat, null where a repeat lacked the collector, and means the rest', () => {
    const runs = [
      run('c', 2, { hitRatio: 0.8 }),
      run('c', 0, { hitRatio: 0.6 }),
      run('c', 1, { weird: true }, true),
    ];
    const s = summarizeServer('c', runs);
    expect(s.repeats).toEqual([0, 1, 2]);
    expect(s.cache?.hitRatio).toEqual({ mean: 0.7, perRepeat: [0.6, null, 0.8] });
  });

  it('is empty but valid for runs without server metrics (older results, k6 runs)', () => {
    const s = summarizeServer('c', [run('c', 0, undefined)]);
    expect(s).toEqual({ configuration: 'c', repeats: [] });
    expect(Value.Check(ServerSummarySchema, s)).toBe(true);
  });

  it('tolerates partial and odd collector output', () => {
    const server = makeServerMetrics() as unknown as Record<string, unknown>;
    const partial: Record<string, unknown> = { ...server, postgres: 'broken', nginx: { available: false, upstreams: [] }, containers: [{ name: '/feedscale-ab12-pgbouncer-3', summary: { cpuPercentMean: 4 } }] };
    delete partial.memcached;
    delete partial.redis;
    const s = summarizeServer('c', [run('c', 0, partial, true)]);
    expect(Value.Check(ServerSummarySchema, s)).toBe(true);
    expect(s.postgres).toBeUndefined();
    expect(s.redis).toBeUndefined();
    expect(s.nginx).toBeUndefined();
    expect(s.containers).toEqual([{ kind: 'pgbouncer', instances: 1, cpuPercent: { mean: 4, perRepeat: [4] } }]);
    // Without memcached, the apps' lookups (73.6% hits) give the ratio.
    expect(s.cache?.hitRatio?.mean).toBeCloseTo(0.736, 3);
  });

  it('reads job queues wherever the apps expose them', () => {
    const server = makeServerMetrics() as unknown as Record<string, unknown>;
    const apps = (server.apps as Array<Record<string, unknown>>).map((a, i) => ({ ...a, queues: { 'fan-out': { waitingMax: 10 + i * 30, lagMsMax: 250 } } }));
    const s = summarizeServer('c', [run('c', 0, { ...server, apps, queues: [{ queue: 'push', series: [{ tS: 1, waiting: 3 }, { tS: 2, waiting: 7 }] }] }, true)]);
    expect(s.queues).toEqual([
      { queue: 'fan-out', depthMax: { mean: 40, perRepeat: [40] }, lagMs: { mean: 250, perRepeat: [250] } },
      { queue: 'push', depthMax: { mean: 7, perRepeat: [7] } },
    ]);
  });
});

describe('serviceKind', () => {
  it('strips the instance number, or derives the service from the container name', () => {
    expect(serviceKind('pgbouncer-1', 'x')).toBe('pgbouncer');
    expect(serviceKind('nginx', undefined)).toBe('nginx');
    expect(serviceKind('', 'feedscale-0d4cd9ee-pg-0')).toBe('pg');
    expect(serviceKind(undefined, undefined)).toBe('unknown');
  });
});

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
      run('pool-5', 0, {
        clWaitingMaxByShard: [12, 3],
        waitPerXactMsByShard: [14, 2],
        xactPerSByShard: [180, 20],
        tupFetchedPerSByShard: [448.686, 387.32],
        appCpuCoresByInstance: [0.259, 0.259],
      }),
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
    expect(attribute(on, summarizeServer('again', [run('again', 0, MEMCACHED_ON_SERVER)]))).toEqual([]);
  });

  it('skips a difference that the repeats of each side straddle', () => {
    const noisy = (name: string, ratios: number[]) => summarizeServer(name, ratios.map((hitRatio, repeat) => run(name, repeat, { hitRatio })));
    // Means 0.70 vs 0.78, but 0.60..0.80 overlaps 0.76..0.80: repeat noise, not a cause.
    expect(attribute(noisy('a', [0.76, 0.8]), noisy('b', [0.6, 0.8])).map((i) => i.metric)).toEqual([]);
    // 0.50..0.55 vs 0.76..0.80: every repeat of one side lies below the other's.
    expect(attribute(noisy('a', [0.76, 0.8]), noisy('b', [0.5, 0.55]))[0]?.sentence).toBe('cache hit ratio 52.5% vs 78.0%');
  });

  it('compares only what both sides measured', () => {
    const bare = summarizeServer('bare', [run('bare', 0, { redis: makeServerMetrics().redis, sampling: makeServerMetrics().sampling }, true)]);
    expect(attribute(on, bare)).toEqual([]);
  });
});

describe('attributeConfiguration', () => {
  it('says which side has no server metrics instead of listing nothing silently', () => {
    const none = summarizeServer('k6', [run('k6', 0, undefined)]);
    expect(attributeConfiguration(on, none)).toEqual({ configuration: 'k6', baseline: 'memcached-on', items: [], unavailableReason: 'no server metrics for "k6"' });
    expect(attributeConfiguration(on, off).unavailableReason).toBe('');
  });
});

describe('buildReport with server metrics', () => {
  it('adds a server summary per configuration and an attribution per non-baseline configuration, valid against the schema', () => {
    const input = standardInput();
    for (const r of input.runs) r.server = makeServerMetrics(r.configuration === 'memcached-on' ? MEMCACHED_ON_SERVER : MEMCACHED_OFF_SERVER);
    const report = buildReport(input);
    expect(validateReport(report)).toEqual([]);
    expect(report.serverSummary?.map((s) => [s.configuration, s.repeats])).toEqual([
      ['memcached-on', [0, 1]],
      ['memcached-off', [0]],
    ]);
    expect(report.attribution?.map((a) => a.configuration)).toEqual(['memcached-off']);
    expect(report.attribution?.[0]?.items[0]?.sentence).toBe('cache hit ratio 0.0% vs 73.6%');
  });

  it('leaves both out when no run has server metrics', () => {
    const report = buildReport(standardInput());
    expect(report.serverSummary).toBeUndefined();
    expect(report.attribution).toBeUndefined();
  });
});
