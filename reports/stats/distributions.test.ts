import { describe, expect, it } from 'vitest';
import { normalQuantile, studentTQuantile } from './distributions.ts';

// Reference values from scipy.stats.t and scipy.stats.norm (ppf), scipy 1.17.
const QUANTILES_975: ReadonlyArray<[df: number, t: number]> = [
  [1, 12.706204736174694],
  [2, 4.302652729749462],
  [2.5, 3.5746548420036817],
  [3, 3.1824463052837078],
  [4, 2.7764451051977934],
  [7.3, 2.345066736547703],
  [9, 2.262157162798205],
  [30, 2.0422724563012378],
  [200, 1.9718962236339088],
];

describe('the quantiles the intervals use', () => {
  it('gives the 97.5% t quantile scipy gives, for integer and real degrees of freedom, the same on a second call', () => {
    for (const [df, t] of QUANTILES_975) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 9);
    for (const [df, t] of QUANTILES_975) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 9);
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.5705818356363155, 9);
  });

  it('gives the normal quantiles scipy gives', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829303548901, 8);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 8);
    expect(() => normalQuantile(1)).toThrow('q must be in (0, 1), got 1');
  });
});
