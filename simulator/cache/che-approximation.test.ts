import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import { cheLruHitRatio } from './che-approximation.ts';
import { simulateLru } from './lru-simulator.ts';

describe('cheLruHitRatio', () => {
  const catalogue = { items: 100_000, exponent: 0.9 };

  for (const capacityItems of [1_000, 10_000]) {
    it(`agrees with an exact LRU simulation within 2 percentage points (C = ${capacityItems})`, () => {
      const che = cheLruHitRatio(catalogue, capacityItems);
      const lru = simulateLru(catalogue, capacityItems, { requests: 1_500_000, warmupRequests: 500_000, rng: createRng(capacityItems) });
      expect(Math.abs(che.hitRatio - lru.hitRatio)).toBeLessThan(0.02);
      // Occupancy condition: T_C solves Σ(1 − e^{−p_i T_C}) = C, so T_C > C (each term is below p_i·T_C).
      expect(che.characteristicTimeRequests).toBeGreaterThan(capacityItems);
    });
  }

  it('is exact for a uniform catalogue in the limit: hit ratio C/n', () => {
    const che = cheLruHitRatio({ items: 50_000, exponent: 0 }, 5_000);
    expect(che.hitRatio).toBeCloseTo(0.1, 10);
  });

  it('returns 1 when everything fits and 0 for no capacity', () => {
    expect(cheLruHitRatio(catalogue, 100_000).hitRatio).toBe(1);
    expect(cheLruHitRatio(catalogue, 0).hitRatio).toBe(0);
  });

  it('solves a 10^9-item catalogue quickly with a small error bound, and agrees with the exact sums at 10^6', () => {
    const started = performance.now();
    const huge = cheLruHitRatio({ items: 1_000_000_000, exponent: 0.8 }, 2_000_000);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(huge.hitRatio).toBeGreaterThan(0);
    expect(huge.hitRatioErrorBound).toBeLessThan(1e-6);
    const bucketed = cheLruHitRatio({ items: 1_000_000, exponent: 0.8 }, 20_000, { exactRanks: 1_000 });
    const exact = cheLruHitRatio({ items: 1_000_000, exponent: 0.8 }, 20_000, { exactRanks: 1_000_000 });
    expect(Math.abs(bucketed.hitRatio - exact.hitRatio)).toBeLessThanOrEqual(bucketed.hitRatioErrorBound + 1e-12);
    expect(Math.abs(bucketed.hitRatio - exact.hitRatio)).toBeLessThan(1e-6);
  });
});
