import { describe, expect, it } from 'vitest';
import { combineInstances, parseMemcachedStats, summarizeMemcached, toMemcachedCounters } from './memcached-collector.ts';

const toMemcachedSample = (stats: Record<string, string>) => combineInstances([toMemcachedCounters(stats)]);

const reply = (hits: number, misses: number) =>
  `STAT pid 1\r\nSTAT version 1.6.21\r\nSTAT get_hits ${hits}\r\nSTAT get_misses ${misses}\r\nSTAT curr_items 7\r\nSTAT bytes 2048\r\nSTAT evictions 0\r\nEND\r\n`;

describe('memcached stats', () => {
  it('reads the counters out of a text-protocol stats reply', () => {
    expect(toMemcachedCounters(parseMemcachedStats(reply(12, 3)))).toEqual({ getHits: 12, getMisses: 3, evictions: 0, currItems: 7, bytes: 2048 });
  });

  it('rejects a reply without get_hits rather than report zeros', () => {
    expect(() => toMemcachedCounters(parseMemcachedStats('STAT pid 1\r\nEND\r\n'))).toThrow(/get_hits/);
  });

  it('turns hit and miss counters into per-second rates and a hit ratio per interval and over the run', () => {
    const samples = [
      { tS: 0, value: toMemcachedSample(parseMemcachedStats(reply(0, 0))) },
      { tS: 1, value: toMemcachedSample(parseMemcachedStats(reply(30, 10))) },
      { tS: 3, value: toMemcachedSample(parseMemcachedStats(reply(30, 10))) },
    ];
    const metrics = summarizeMemcached(samples);
    expect(metrics.series[0]).toMatchObject({ tS: 1, getHitsPerS: 30, getMissesPerS: 10, hitRatio: 0.75 });
    expect(metrics.series[1]).toMatchObject({ tS: 3, getHitsPerS: 0, hitRatio: null });
    expect(metrics.summary).toMatchObject({ getHits: 30, getMisses: 10, hitRatio: 0.75, currItemsMax: 7 });
  });

  it('takes the hit ratio of a ring over every instance, not the first one alone', () => {
    const tick = (a: [number, number], b: [number, number]) =>
      combineInstances([toMemcachedCounters(parseMemcachedStats(reply(...a))), toMemcachedCounters(parseMemcachedStats(reply(...b)))]);
    // Instance 0 hits everything, instance 1 misses everything: the tier hits 50%.
    const metrics = summarizeMemcached([
      { tS: 0, value: tick([0, 0], [0, 0]) },
      { tS: 1, value: tick([40, 0], [0, 40]) },
    ]);
    expect(metrics.summary.hitRatio).toBe(0.5);
    expect(metrics.summary.instances).toEqual([
      { getHits: 40, getMisses: 0, hitRatio: 1, evictions: 0 },
      { getHits: 0, getMisses: 40, hitRatio: 0, evictions: 0 },
    ]);
    expect(metrics.summary.currItemsMax).toBe(14);
  });
});
