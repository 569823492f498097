import { describe, expect, it } from 'vitest';
import { createRng } from '../../lib/random/prng.ts';
import type { ServiceTime } from '../model/service-time.ts';
import { timeMoments } from '../model/service-time-moments.ts';
import { TimeSampler } from './time-sampler.ts';

describe('TimeSampler', () => {
  const kinds: ServiceTime[] = [
    { kind: 'deterministic', meanS: 0.004 },
    { kind: 'exponential', meanS: 0.004 },
    { kind: 'lognormal', meanS: 0.004, cv: 1.5 },
    { kind: 'empirical-quantiles', quantiles: [{ p: 0, valueS: 0.001 }, { p: 0.9, valueS: 0.003 }, { p: 0.99, valueS: 0.02 }, { p: 1, valueS: 0.05 }] },
    { kind: 'empirical-samples', samplesS: [0.001, 0.002, 0.002, 0.009] },
  ];

  for (const [index, time] of kinds.entries()) {
    it(`draws ${time.kind} times with the distribution's mean and second moment (within 2%)`, () => {
      const sampler = new TimeSampler(kinds);
      const rng = createRng(100 + index);
      const n = 400_000;
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < n; i++) {
        const x = sampler.sample(index, rng);
        sum += x;
        sumSq += x * x;
      }
      const exact = timeMoments(time);
      expect(Math.abs(sum / n / exact.meanS - 1)).toBeLessThan(0.02);
      expect(Math.abs(sumSq / n / exact.secondMomentS2 - 1)).toBeLessThan(time.kind === 'lognormal' ? 0.06 : 0.02);
    });
  }
});
