import { describe, expect, it } from 'vitest';
import type { EndpointResult, TimelinePoint } from '../../lib/result-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import type { FailedRequest } from '../../scenarios/engines/write-log.ts';
import { encodeId } from '../../system/data/ids.ts';
import { createShardMap, routeId } from '../../system/data/shard-map.ts';
import { errorWindowOf, hitRatioRecoveryOf, p99RecoveryOf, writesBackAfterS } from './fault-effects.ts';
import { netemArgs } from './netem-fault.ts';

const fail = (startS: number, endS: number, kind = 'status_502', endpoint = 'feed.read', path = '/users/1/feed'): FailedRequest => ({ endpoint, kind, startS, endS, path });

function endpoint(name: string, p99s: number[], count = 50): EndpointResult {
  const timeline: TimelinePoint[] = p99s.map((p99Ms, i) => ({ tS: i + 1, p99Ms, rps: count, count, errors: 0, p50Ms: p99Ms / 2 }));
  const latency = { percentiles: { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 }, histogram: '' } as unknown as EndpointResult['fromIntended'];
  return { endpoint: name, intended: count * p99s.length, sent: count * p99s.length, ok: count * p99s.length, errors: {}, unserved: 0, throughputRps: count, fromIntended: latency, latencyFrom: 'intended', fromSend: latency, timeline };
}

describe('fault effects', () => {
  it('the error window spans the failures after the fault, from first to last end', () => {
    // In flight at the fault: the 502 at 5.0 is its doing, the timeout of a request sent at 3 s was slow before.
    const failures = [fail(1, 1.1), fail(3, 5.0, 'timeout'), fail(2.9, 5.0), fail(5.5, 7.5, 'timeout'), fail(6.8, 6.9, 'ECONNRESET'), fail(12, 12.1)];
    expect(errorWindowOf(failures, 5, 10)).toEqual({ firstS: 5, lastS: 7.5, durationS: 2.5, failed: 3, byKind: { timeout: 1, status_502: 1, ECONNRESET: 1 } });
    expect(errorWindowOf([], 5, 10)).toBeNull();
  });

  it('p99 recovers when 3 seconds in a row are back at the pre-fault level', () => {
    // Pre-fault p99s 10-12 ms (seconds 1-5), fault at 5 s, a spike, then back from the 9th second.
    const e = endpoint('feed.read', [10, 12, 11, 10, 12, 300, 900, 40, 11, 12, 30, 10, 11, 12, 10]);
    expect(p99RecoveryOf([e, endpoint('media.read', [1, 1], 1)], 5)).toEqual({ endpoint: 'feed.read', prefaultP99Ms: 12, recoveredAfterS: 6 });
    expect(p99RecoveryOf([endpoint('feed.read', [10, 10, 10, 500, 500])], 3)).toEqual({ endpoint: 'feed.read', prefaultP99Ms: 10, recoveredAfterS: null });
    expect(p99RecoveryOf([endpoint('feed.read', [10])], 0)).toBeUndefined();
  });

  it('the hit ratio recovers within 5% of before, summed over the apps', () => {
    const series = (hits: number[], misses: number[]) => hits.map((h, i) => ({ tS: 10 + i + 0.2, requestsPerS: 0, cacheHitsPerS: h, cacheMissesPerS: misses[i]!, pgQueriesPerS: 0, cpuCoreFraction: 0, residentMemoryBytes: 0, eventLoopLagP99Ms: null }));
    // Window starts at 10 s on the collectors' clock; fault at 3 s.
    const server = {
      apps: [
        { instance: 'app-0', url: '', series: series([40, 40, 40, 0, 10, 30, 38, 39, 40, 40], [10, 10, 10, 50, 40, 20, 12, 11, 10, 10]), summary: {} },
        { instance: 'app-1', url: '', series: series([40, 40, 40, 0, 10, 30, 39, 38, 40, 40], [10, 10, 10, 50, 40, 20, 11, 12, 10, 10]), summary: {} },
      ],
    } as unknown as ServerMetrics;
    expect(hitRatioRecoveryOf(server, 10, 3)).toEqual({ prefaultHitRatio: 0.8, recoveredAfterS: 3 });
  });

  it('writes to a failed-over shard are back at the first acknowledged write after the last failed one', () => {
    const map = createShardMap(4, 2);
    const onShard = (logicalShard: number) => encodeId({ timeMs: 1_500_000_000_000, logicalShard, sequence: 1 }).toString();
    const shard0 = onShard(0);
    const shard1 = onShard(3);
    expect([routeId(map, shard0).physicalShard, routeId(map, shard1).physicalShard]).toEqual([0, 1]);
    const failures = [fail(4.5, 4.6, 'status_500', 'media.like', `/media/${shard0}/likes`), fail(7, 7.1, 'status_500', 'follow.create', `/users/${shard0}/follows`), fail(9, 9.1, 'status_500', 'media.like', `/media/${shard1}/likes`)];
    const writes = [
      { type: 'media.like' as const, ids: [shard0, '5'], startS: 6, endS: 6.1 },
      { type: 'media.like' as const, ids: [shard0, '5'], startS: 7.5, endS: 7.6 },
      { type: 'media.like' as const, ids: [shard1, '5'], startS: 4.2, endS: 4.3 },
    ];
    const physical0 = 0;
    expect(writesBackAfterS(map, physical0, writes, failures, 4)).toBe(3.5);
    expect(writesBackAfterS(map, physical0, [], failures, 4)).toBeNull();
  });

  it('netem arguments carry their units', () => {
    expect(netemArgs({ delayMs: 25, jitterMs: 5, lossPercent: 1 })).toEqual(['delay', '25ms', '5ms', 'loss', '1%']);
    expect(netemArgs({ lossPercent: 0.5 })).toEqual(['loss', '0.5%']);
  });
});
