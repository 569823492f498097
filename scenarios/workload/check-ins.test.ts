import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import { greatCircleDistanceM } from '../../system/data/geo-point.ts';
import { createCheckInSampler, MAX_CHECK_IN_DISTANCE_M } from './check-ins.ts';
import { CITIES } from './cities.ts';

const model = { cityZipfExponent: 1, medianDistanceM: 3000, distanceSigma: 1 };

describe('createCheckInSampler', () => {
  it('draws cities by Zipf over rank: the first twice as often as the second at exponent 1', () => {
    const rng = createRng(5);
    const sampler = createCheckInSampler(model);
    const counts = new Array<number>(CITIES.length).fill(0);
    for (let i = 0; i < 40_000; i++) counts[sampler.city(rng)]! += 1;
    expect(counts[0]! / counts[1]!).toBeCloseTo(2, 0.5);
    expect(counts[0]! / 40_000).toBeCloseTo(1 / CITIES.reduce((h, _, r) => h + 1 / (r + 1), 0), 1.5);
  });

  it('spreads photos log-normally around the centre: median near medianDistanceM, none beyond the cap', () => {
    const rng = createRng(6);
    const sampler = createCheckInSampler(model);
    const distances = Array.from({ length: 20_000 }, () => greatCircleDistanceM(CITIES[3]!, sampler.around(rng, 3))).sort((a, b) => a - b);
    expect(distances[10_000]! / 3000).toBeCloseTo(1, 1);
    expect(distances.at(-1)!).toBeLessThanOrEqual(MAX_CHECK_IN_DISTANCE_M + 1e-6);
    const zeroSpread = createCheckInSampler({ ...model, distanceSigma: 0 });
    expect(greatCircleDistanceM(CITIES[0]!, zeroSpread.around(rng, 0))).toBeCloseTo(3000, 6);
  });

  it('is a function of the Rng alone', () => {
    const a = createCheckInSampler(model);
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => a.around(rng, a.city(rng)));
    };
    expect(draw(9)).toEqual(draw(9));
    expect(draw(9)).not.toEqual(draw(10));
  });

  it('rejects a spread it cannot draw and a city it does not have', () => {
    expect(() => createCheckInSampler({ ...model, medianDistanceM: 0 })).toThrow(/medianDistanceM/);
    expect(() => createCheckInSampler({ ...model, distanceSigma: -1 })).toThrow(/distanceSigma/);
    expect(() => createCheckInSampler(model, [])).toThrow(/at least one city/);
    expect(() => createCheckInSampler(model).around(createRng(1), CITIES.length)).toThrow(/no city/);
  });
});
