import { describe, expect, it } from 'vitest';
import { normalQuantile, studentTCdf, studentTQuantile } from './distributions.ts';

// Reference values from scipy.stats.t and scipy.stats.norm (ppf and cdf), scipy 1.17.
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

const CDF_AT_1_5: ReadonlyArray<[df: number, p: number]> = [
  [1, 0.8128329581890011],
  [2.5, 0.8760817734568519],
  [4, 0.896],
  [9, 0.9160746719714625],
  [200, 0.9324043393864826],
];

describe('Student t and normal quantiles', () => {
  it('gives the 97.5% quantile scipy gives, for integer and real degrees of freedom', () => {
    for (const [df, t] of QUANTILES_975) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 9);
  });

  it('gives the CDF scipy gives', () => {
    for (const [df, p] of CDF_AT_1_5) expect(studentTCdf(1.5, df)).toBeCloseTo(p, 12);
  });

  it('is symmetric about 0 and inverts its own CDF', () => {
    expect(studentTQuantile(0.025, 5)).toBeCloseTo(-2.5705818356363155, 9);
    expect(studentTQuantile(0.995, 2)).toBeCloseTo(9.924843200918287, 8);
    expect(studentTQuantile(0.5, 3)).toBe(0);
    expect(studentTCdf(studentTQuantile(0.9, 6), 6)).toBeCloseTo(0.9, 12);
  });

  it('gives the normal quantiles scipy gives', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293035489004, 8);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 8);
  });

  it('rejects a probability outside (0, 1) and a non-positive df, naming the rule', () => {
    expect(() => studentTQuantile(1, 3)).toThrow('q must be in (0, 1), got 1');
    expect(() => studentTQuantile(0.9, 0)).toThrow('degrees of freedom must be a positive finite number, got 0');
  });
});
