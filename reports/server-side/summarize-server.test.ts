import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import type { QueueMetrics, ServerMetrics } from '../../lib/server-metrics-schema.ts';
import { ServerSummarySchema } from '../server-summary-schema.ts';
import { makeServerRun } from '../testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeRedisOnlyServerMetrics, makeServerMetrics } from '../testing/server-fixtures.ts';
import { summarizeServer } from './summarize-server.ts';

const on = summarizeServer('memcached-on', [makeServerRun('memcached-on', 0, makeServerMetrics(MEMCACHED_ON_SERVER))]);
const off = summarizeServer('memcached-off', [makeServerRun('memcached-off', 0, makeServerMetrics(MEMCACHED_OFF_SERVER))]);

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
    expect(off.cache?.instances).toBeUndefined();
  });

  it('takes the hit ratio of the whole memcached tier from its summary, and lists each instance beside it', () => {
    const server = makeServerMetrics(MEMCACHED_ON_SERVER);
    const instance = (getHits: number, getMisses: number) => ({ getHits, getMisses, hitRatio: getHits / (getHits + getMisses), evictions: 0 });
    server.memcached!.summary = { ...server.memcached!.summary, getHits: 400, getMisses: 400, hitRatio: 0.5, instances: [instance(300, 100), instance(100, 300)] };
    const s = summarizeServer('ring', [makeServerRun('ring', 0, server)]);
    expect(s.cache?.hitRatio?.mean).toBe(0.5);
    expect(s.cache?.instances).toEqual([
      { index: 0, hitRatio: { mean: 0.75, perRepeat: [0.75] } },
      { index: 1, hitRatio: { mean: 0.25, perRepeat: [0.25] } },
    ]);
    expect(Value.Check(ServerSummarySchema, s)).toBe(true);
  });

  it('keeps one value per repeat, null where a repeat lacked the collector, and means the rest', () => {
    const runs = [
      makeServerRun('c', 2, makeServerMetrics({ hitRatio: 0.8 })),
      makeServerRun('c', 0, makeServerMetrics({ hitRatio: 0.6 })),
      makeServerRun('c', 1, makeRedisOnlyServerMetrics()),
    ];
    const s = summarizeServer('c', runs);
    expect(s.repeats).toEqual([0, 1, 2]);
    expect(s.cache?.hitRatio).toEqual({ mean: 0.7, perRepeat: [0.6, null, 0.8] });
  });

  it('is empty but valid for runs without server metrics (older results, k6 runs)', () => {
    const s = summarizeServer('c', [makeServerRun('c', 0, undefined)]);
    expect(s).toEqual({ configuration: 'c', repeats: [] });
    expect(Value.Check(ServerSummarySchema, s)).toBe(true);
  });

  it('leaves out the parts the collectors did not see', () => {
    const { memcached: _memcached, ...server } = makeServerMetrics();
    const unlabelled = { name: '/feedscale-ab12-pgbouncer-3', service: '', series: [], summary: { cpuPercentMean: 4, cpuPercentMax: 4, memoryBytesMax: 50_000_000, memoryLimitBytes: 0 } };
    const partial: ServerMetrics = { ...server, postgres: [], nginx: { ...server.nginx, available: false, upstreams: [] }, containers: [unlabelled] };
    const s = summarizeServer('c', [makeServerRun('c', 0, partial)]);
    expect(Value.Check(ServerSummarySchema, s)).toBe(true);
    expect(s.postgres).toBeUndefined();
    expect(s.nginx).toBeUndefined();
    expect(s.containers).toEqual([{ kind: 'pgbouncer', instances: 1, cpuPercent: { mean: 4, perRepeat: [4] }, memoryBytes: { mean: 50_000_000, perRepeat: [50_000_000] } }]);
    // Without memcached, the apps' lookups (73.6% hits) give the ratio.
    expect(s.cache?.hitRatio?.mean).toBeCloseTo(0.736, 3);
  });

  it('reads the job queues of the worker: the most jobs waiting, and the lag of the jobs done', () => {
    const queue = (name: string, depthMax: number, lagP99Ms: number | null): QueueMetrics => ({
      queue: name,
      series: [{ tS: 1, depth: 0 }, { tS: 2, depth: depthMax }],
      summary: { depthMax, depthMean: depthMax / 2, jobsCompleted: lagP99Ms === null ? 0 : 12, lagMsMean: lagP99Ms === null ? null : lagP99Ms / 2, lagP99Ms },
    });
    const s = summarizeServer('c', [makeServerRun('c', 0, { ...makeServerMetrics(), queues: [queue('fan-out', 40, 250), queue('push', 7, null)] })]);
    expect(s.queues).toEqual([
      { queue: 'fan-out', depthMax: { mean: 40, perRepeat: [40] }, lagMs: { mean: 250, perRepeat: [250] } },
      { queue: 'push', depthMax: { mean: 7, perRepeat: [7] } },
    ]);
  });
});
