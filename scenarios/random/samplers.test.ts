import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import {
  createWeightedChoice,
  createZipfSampler,
  roundStochastic,
  sampleExponentialS,
  sampleLogNormal,
  shuffleInPlace,
} from './samplers.ts';

function harmonic(n: number, s: number): number {
  let h = 0;
  for (let k = 1; k <= n; k++) h += k ** -s;
  return h;
}

describe('createZipfSampler', () => {
  it('draws rank 1 with the theoretical frequency 1/H(n,s) within 2%', () => {
    const n = 1000;
    const s = 1.1;
    const zipf = createZipfSampler(n, s);
    const rng = createRng(11);
    const draws = 200_000;
    let rank1 = 0;
    let rank10 = 0;
    for (let i = 0; i < draws; i++) {
      const r = zipf.sample(rng);
      if (r === 1) rank1++;
      if (r === 10) rank10++;
    }
    const p1 = 1 / harmonic(n, s);
    expect(zipf.probability(1)).toBeCloseTo(p1, 12);
    expect(Math.abs(rank1 / draws - p1) / p1).toBeLessThan(0.02);
    const p10 = 10 ** -s / harmonic(n, s);
    expect(Math.abs(rank10 / draws - p10) / p10).toBeLessThan(0.08);
  });

  it('only returns ranks in 1..n, and n = 1 always returns 1', () => {
    const zipf = createZipfSampler(5, 2);
    const rng = createRng(1);
    const ranks = new Set(Array.from({ length: 10_000 }, () => zipf.sample(rng)));
    expect([...ranks].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(createZipfSampler(1, 1).sample(rng)).toBe(1);
    expect(zipf.probability(0)).toBe(0);
    expect(zipf.probability(6)).toBe(0);
  });

  it('is uniform when the exponent is 0', () => {
    const zipf = createZipfSampler(4, 0);
    const rng = createRng(2);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[zipf.sample(rng) - 1]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('rejects a non-positive n and a negative exponent', () => {
    expect(() => createZipfSampler(0, 1)).toThrow(RangeError);
    expect(() => createZipfSampler(10, -1)).toThrow(RangeError);
  });
});

describe('createWeightedChoice', () => {
  it('chooses items in proportion to their weights and never a zero-weight item', () => {
    const choice = createWeightedChoice([
      ['a', 3],
      ['b', 1],
      ['never', 0],
    ] as const);
    expect(choice.items).toEqual(['a', 'b']);
    expect(choice.probabilities).toEqual([0.75, 0.25]);
    const rng = createRng(5);
    let a = 0;
    let never = 0;
    for (let i = 0; i < 40_000; i++) {
      const item = choice.sample(rng);
      if (item === 'never') never++;
      if (item === 'a') a++;
    }
    expect(never).toBe(0);
    expect(a / 40_000).toBeCloseTo(0.75, 2);
  });

  it('rejects negative weights and an all-zero list', () => {
    expect(() => createWeightedChoice([['a', -1]])).toThrow(/weight of a/);
    expect(() => createWeightedChoice([['a', 0]])).toThrow(/at least one positive weight/);
  });
});

describe('continuous samplers', () => {
  it('sampleExponentialS has mean 1/rate, as a Poisson arrival gap must', () => {
    const rng = createRng(8);
    let sum = 0;
    const count = 100_000;
    for (let i = 0; i < count; i++) sum += sampleExponentialS(rng, 150);
    expect(Math.abs(sum / count - 1 / 150) / (1 / 150)).toBeLessThan(0.02);
    expect(() => sampleExponentialS(rng, 0)).toThrow(/rateRps/);
  });

  it('sampleLogNormal keeps the requested mean and is right-skewed', () => {
    const rng = createRng(12);
    const count = 200_000;
    const values = Array.from({ length: count }, () => sampleLogNormal(rng, 21, 1));
    const mean = values.reduce((a, b) => a + b, 0) / count;
    expect(Math.abs(mean - 21) / 21).toBeLessThan(0.03);
    const sorted = [...values].sort((a, b) => a - b);
    expect(sorted[count / 2]!).toBeLessThan(mean); // median below mean: a long right tail
    expect(sampleLogNormal(rng, 21, 0)).toBe(21);
  });

  it('roundStochastic preserves the expected value', () => {
    const rng = createRng(13);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += roundStochastic(rng, 2.3);
    expect(sum / 100_000).toBeCloseTo(2.3, 1);
  });

  it('shuffleInPlace permutes without losing or duplicating elements, deterministically', () => {
    const a = shuffleInPlace(createRng(1), Uint32Array.from({ length: 100 }, (_, i) => i));
    const b = shuffleInPlace(createRng(1), Uint32Array.from({ length: 100 }, (_, i) => i));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
