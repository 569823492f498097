import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import { createZipfSampler } from '../../scenarios/random/samplers.ts';
import { cheLruHitRatio } from './che-approximation.ts';
import { cacheWarmupSchedule, coldStartHitRatio } from './cold-start.ts';
import { LruCache } from './lru-simulator.ts';
import { simulate } from '../des/simulate.ts';
import { cacheAsideModel, exponential } from '../testing/small-models.ts';

describe('coldStartHitRatio', () => {
  const catalogue = { items: 50_000, exponent: 0.9 };
  const capacityItems = 5_000;

  it('follows an exact LRU cache warming up from empty within 2 percentage points', () => {
    const lru = new LruCache(catalogue.items, capacityItems);
    const zipf = createZipfSampler(catalogue.items, catalogue.exponent);
    const rng = createRng(77);
    // T_C is ~9,800 requests here: windows while filling, at the knee and in steady state.
    const window = 5_000;
    let served = 0;
    for (const windowEnd of [5_000, 10_000, 25_000]) {
      let hits = 0;
      let predicted = 0;
      // Skip to the window, then compare the hit ratio over it with the curve averaged over it.
      while (served < windowEnd - window) {
        lru.request(zipf.sample(rng));
        served++;
      }
      for (let i = 0; i < window; i++) {
        if (lru.request(zipf.sample(rng))) hits++;
        if (i % 500 === 250) predicted += coldStartHitRatio(catalogue, capacityItems, served) / (window / 500);
        served++;
      }
      expect(Math.abs(hits / window - predicted)).toBeLessThan(0.02);
    }
  });

  it('rises from 0 to the steady-state hit ratio and stays there', () => {
    const steady = cheLruHitRatio(catalogue, capacityItems).hitRatio;
    expect(coldStartHitRatio(catalogue, capacityItems, 0)).toBe(0);
    expect(coldStartHitRatio(catalogue, capacityItems, 1_000)).toBeLessThan(coldStartHitRatio(catalogue, capacityItems, 10_000));
    expect(coldStartHitRatio(catalogue, capacityItems, 1e9)).toBeCloseTo(steady, 12);
  });

  it('turns the curve into set-branch events whose hit probability climbs to the steady state', () => {
    const events = cacheWarmupSchedule({
      catalogue,
      capacityItems,
      lookupRateRps: 1_000,
      branches: [{ classId: 'media.read', branchId: 'cache' }],
      startS: 300,
      stepS: 5,
      steps: 12,
    });
    expect(events).toHaveLength(12);
    expect(events[0]).toMatchObject({ atS: 300, kind: 'set-branch', classId: 'media.read', branchId: 'cache' });
    const hits = events.map((e) => (e.kind === 'set-branch' ? e.probabilities[0]! : Number.NaN));
    for (let i = 1; i < hits.length; i++) expect(hits[i]!).toBeGreaterThanOrEqual(hits[i - 1]!);
    expect(hits[hits.length - 1]).toBeCloseTo(cheLruHitRatio(catalogue, capacityItems).hitRatio, 12);
  });

  it('drives a simulated cold restart: the database takes the misses while the cache warms up', () => {
    const lookupRateRps = 200;
    const schedule = cacheWarmupSchedule({ catalogue, capacityItems, lookupRateRps, branches: [{ classId: 'read', branchId: 'cache' }], startS: 0, stepS: 5, steps: 20 });
    const model = cacheAsideModel({ rateRps: lookupRateRps, hitProbability: 1, cacheDemand: exponential(0.0001), dbDemand: exponential(0.001), cores: 2, schedule });
    const cold = simulate(model, { durationS: 20, seed: 3 });
    const warm = simulate(model, { durationS: 200, warmupS: 100, seed: 3 });
    const missShare = (r: typeof cold) => r.stations[1]!.cpuCores!.mean / (lookupRateRps * 0.001);
    const steadyMiss = 1 - cheLruHitRatio(catalogue, capacityItems).hitRatio;
    expect(missShare(cold)).toBeGreaterThan(steadyMiss + 0.1);
    expect(Math.abs(missShare(warm) - steadyMiss)).toBeLessThan(0.03);
  });
});
