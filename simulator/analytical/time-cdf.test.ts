import { describe, expect, it } from 'vitest';
import { timeCdf } from './time-cdf.ts';

describe('timeCdf', () => {
  it('puts a lognormal median at mean / sqrt(1 + cv²)', () => {
    const cdf = timeCdf({ kind: 'lognormal', meanS: 0.01, cv: 1 });
    expect(cdf(0.01 / Math.SQRT2)).toBeCloseTo(0.5, 6);
    expect(cdf(0)).toBe(0);
  });

  it('interpolates a quantile table linearly and steps through samples', () => {
    const table = timeCdf({ kind: 'empirical-quantiles', quantiles: [{ p: 0, valueS: 0.001 }, { p: 0.5, valueS: 0.002 }, { p: 1, valueS: 0.01 }] });
    expect(table(0.0015)).toBeCloseTo(0.25, 12);
    expect(table(0.006)).toBeCloseTo(0.75, 12);
    expect(table(0.02)).toBe(1);
    const samples = timeCdf({ kind: 'empirical-samples', samplesS: [0.003, 0.001, 0.002, 0.002] });
    expect([0.0005, 0.001, 0.002, 0.0025, 0.003].map(samples)).toEqual([0, 0.25, 0.75, 0.75, 1]);
  });
});
