import { describe, expect, it } from 'vitest';
import { IDENTITY, sumOverRanks } from './zipf-rank-sum.ts';

function exactSum(items: number, exponent: number, scale: number, phi: (u: number) => number): number {
  let sum = 0;
  for (let i = 1; i <= items; i++) sum += phi(scale * Math.pow(i, -exponent));
  return sum;
}

describe('sumOverRanks', () => {
  const items = 2_000_000;
  for (const exponent of [0.6, 1, 1.3]) {
    it(`matches the exact Zipf normaliser and an LRU occupancy sum over 2M ranks within its bound (α = ${exponent})`, () => {
      const normaliser = sumOverRanks(items, exponent, 1, IDENTITY, 1000);
      const exactNormaliser = exactSum(items, exponent, 1, (u) => u);
      expect(Math.abs(normaliser.sum - exactNormaliser)).toBeLessThanOrEqual(normaliser.errorBound + 1e-9 * exactNormaliser);
      expect(Math.abs(normaliser.sum - exactNormaliser) / exactNormaliser).toBeLessThan(1e-7);

      const scale = 50_000 / exactNormaliser;
      const occupancy = { value: (u: number) => -Math.expm1(-u), derivative: (u: number) => Math.exp(-u) };
      const approx = sumOverRanks(items, exponent, scale, occupancy, 1000);
      const exact = exactSum(items, exponent, scale, occupancy.value);
      expect(Math.abs(approx.sum - exact)).toBeLessThanOrEqual(approx.errorBound + 1e-9 * exact);
      expect(Math.abs(approx.sum - exact)).toBeLessThan(1e-3);
    });
  }

  it('is exact (bound 0) when every rank is summed term by term', () => {
    const s = sumOverRanks(100, 1, 1, IDENTITY);
    expect(s.errorBound).toBe(0);
    expect(s.sum).toBeCloseTo(exactSum(100, 1, 1, (u) => u), 12);
  });
});
