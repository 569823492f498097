import { describe, expect, it } from 'vitest';
import { latencyDistribution } from './latency-grid.ts';

const exponential = (meanS: number) => ({ kind: 'time' as const, time: { kind: 'exponential' as const, meanS }, scale: 1 });

describe('latencyDistribution', () => {
  it('convolves two exponentials into the hypoexponential distribution', () => {
    const [a, b] = [0.01, 0.03];
    const dist = latencyDistribution({ kind: 'sum', terms: [exponential(a), exponential(b)] });
    // P(X > x) = (b·e^{−x/b} − a·e^{−x/a}) / (b − a).
    for (const x of [0.01, 0.05, 0.15]) {
      const exact = 1 - (b * Math.exp(-x / b) - a * Math.exp(-x / a)) / (b - a);
      expect(dist.cdf(x)).toBeCloseTo(exact, 4);
    }
    expect(dist.meanS).toBeCloseTo(0.04, 12);
    expect(dist.massOnGrid).toBeCloseTo(1, 9);
  });

  it('mixes arms and repeats visits with stochastic rounding', () => {
    const dist = latencyDistribution({
      kind: 'mixture',
      arms: [
        { probability: 0.9, term: { kind: 'time', time: { kind: 'deterministic', meanS: 0.001 }, scale: 1 } },
        { probability: 0.1, term: { kind: 'repeat', count: 2.5, term: { kind: 'time', time: { kind: 'deterministic', meanS: 0.01 }, scale: 1 } } },
      ],
    });
    // Atoms at 1 ms (0.9), 20 ms (0.05) and 30 ms (0.05).
    expect(dist.quantileS(0.5)).toBeCloseTo(0.001, 4);
    expect(dist.quantileS(0.93)).toBeCloseTo(0.02, 3);
    expect(dist.quantileS(0.97)).toBeCloseTo(0.03, 3);
    expect(dist.meanS).toBeCloseTo(0.9 * 0.001 + 0.1 * 0.025, 12);
  });

  it('returns null for a level in tail mass the grid could not hold', () => {
    // A very heavy lognormal with a short horizon loses visible tail mass.
    const dist = latencyDistribution({ kind: 'time', time: { kind: 'lognormal', meanS: 0.01, cv: 20 }, scale: 1 }, { horizonSd: 0.5, gridPoints: 256 });
    expect(dist.massOnGrid).toBeLessThan(0.999);
    expect(dist.quantileS(0.9999)).toBeNull();
  });
});
