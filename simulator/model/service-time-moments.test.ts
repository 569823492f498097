import { describe, expect, it } from 'vitest';
import type { ServiceTime } from './service-time.ts';
import { meanTimeS, squaredCoefficientOfVariation, timeMoments } from './service-time-moments.ts';

describe('service-time moments', () => {
  it('gives SCV 0, 1 and cv² for deterministic, exponential and lognormal', () => {
    expect(squaredCoefficientOfVariation({ kind: 'deterministic', meanS: 0.01 })).toBe(0);
    expect(squaredCoefficientOfVariation({ kind: 'exponential', meanS: 0.01 })).toBeCloseTo(1, 12);
    expect(squaredCoefficientOfVariation({ kind: 'lognormal', meanS: 0.01, cv: 2 })).toBeCloseTo(4, 12);
  });

  it('is exact for a quantile table (uniform bands) and for samples', () => {
    const uniform: ServiceTime = { kind: 'empirical-quantiles', quantiles: [{ p: 0, valueS: 0 }, { p: 1, valueS: 2 }] };
    expect(timeMoments(uniform)).toEqual({ meanS: 1, secondMomentS2: 4 / 3 });
    expect(meanTimeS({ kind: 'empirical-samples', samplesS: [1, 2, 3, 6] })).toBe(3);
    expect(squaredCoefficientOfVariation({ kind: 'empirical-samples', samplesS: [1, 2, 3, 6] })).toBeCloseTo(3.5 / 9, 12);
  });
});
