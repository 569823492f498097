import { describe, expect, it } from 'vitest';
import { SYNTHETIC_SHAPE } from '../calibration/synthetic-runs.ts';
import { profileWork } from './work-profile.ts';

const source = { workload: {}, seed: 2011, logicalShards: 512 };
const plan = {
  mix: { 'feed.read': 1 },
  arrival: { kind: 'steps' as const, steps: [{ rateRps: 40, durationS: 15 }, { rateRps: 120, durationS: 10 }, { rateRps: 200, durationS: 10 }] },
  warmupS: 5,
  durationS: 30,
};

describe('profileWork (the replayed workload)', () => {
  it('without the cache, reads every page item from Postgres with one statement per physical shard holding one', () => {
    const one = profileWork(source, plan, { ...SYNTHETIC_SHAPE, cache: 'off', physicalShards: 1 }).total.classes[0]!;
    const four = profileWork(source, plan, { ...SYNTHETIC_SHAPE, cache: 'off', physicalShards: 4 }).total.classes[0]!;
    expect(one.units.memcachedOp).toBe(0);
    expect(one.units.dbRow).toBeGreaterThan(19);
    expect(one.units.pgQuery).toBeCloseTo(1, 1);
    expect(four.units.pgQuery).toBeGreaterThan(3);
    expect(four.units.pgQuery).toBeLessThanOrEqual(4);
    // Shard skew: per-shard statements add up to the total and none is empty.
    expect(four.pgQueriesByShard.reduce((a, b) => a + b, 0)).toBeCloseTo(four.units.pgQuery!, 9);
    expect(Math.min(...four.pgQueriesByShard)).toBeGreaterThan(0.5);
  });

  it('with memcached starting empty, the hit ratio climbs step by step as the run warms it (cold start)', () => {
    const profile = profileWork(source, plan, { ...SYNTHETIC_SHAPE, cache: 'memcached', physicalShards: 1 });
    const ratios = profile.intervals.map((i) => i.cacheHitRatio!);
    expect(ratios).toHaveLength(3);
    expect(ratios[0]!).toBeLessThan(ratios[1]!);
    expect(ratios[1]!).toBeLessThan(ratios[2]!);
    const c = profile.total.classes[0]!;
    // A get per page item (a page holds up to 20; a few feeds are shorter) and a set per miss; a miss is a row read.
    const gets = c.units.memcachedOp! - c.units.dbRow!;
    expect(gets).toBeGreaterThan(19);
    expect(gets).toBeLessThanOrEqual(20);
    expect(profile.cacheCapacityItems).toBe(Infinity);
  });

  it('a small memcached evicts: 1 MB holds fewer items than the stream touches and hits less', () => {
    const big = profileWork(source, plan, { ...SYNTHETIC_SHAPE, memcachedMemoryMb: 128 }).total.cacheHitRatio!;
    const small = profileWork(source, plan, { ...SYNTHETIC_SHAPE, memcachedMemoryMb: 1 });
    expect(small.cacheCapacityItems).toBeLessThan(small.distinctObjects);
    expect(small.total.cacheHitRatio!).toBeLessThan(big);
  });
});
