import { describe, expect, it } from 'vitest';
import { binomial, trialIndices, unrankCombination } from './gate-trials.ts';

describe('gate trials', () => {
  it('unranks every combination once, in lexicographic order', () => {
    const all = Array.from({ length: binomial(5, 3) }, (_, rank) => unrankCombination(5, 3, rank).join(''));
    expect(all).toEqual(['012', '013', '014', '023', '024', '034', '123', '124', '134', '234']);
  });

  it('takes every index up to the maximum, and a seeded sample of distinct ones above it', () => {
    expect(trialIndices(5, 10, 1)).toEqual({ indices: [0, 1, 2, 3, 4], sampled: false });
    const sample = trialIndices(1_000_000, 100, 7);
    expect(sample.sampled).toBe(true);
    expect(new Set(sample.indices).size).toBe(100);
    expect(sample.indices.every((i) => i >= 0 && i < 1_000_000)).toBe(true);
    expect(trialIndices(1_000_000, 100, 7)).toEqual(sample);
    expect(trialIndices(1_000_000, 100, 8)).not.toEqual(sample);
  });
});
