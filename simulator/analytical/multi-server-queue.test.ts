import { describe, expect, it } from 'vitest';
import { erlangC, mm1ResponseQuantileS, solveMultiServerQueue } from './multi-server-queue.ts';
import { bottleneckBound, serviceDemandS, utilisationLaw } from './operational-laws.ts';

describe('M/M/c station', () => {
  it('Erlang C for c = 2, A = 1 is 1/3, and W_q = P_wait·S/(c(1−ρ))', () => {
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 14);
    const q = solveMultiServerQueue({ arrivalRateRps: 10, meanServiceS: 0.1, servers: 2 });
    expect(q.utilisation).toBeCloseTo(0.5, 14);
    expect(q.waitProbability).toBeCloseTo(1 / 3, 14);
    expect(q.meanWaitS).toBeCloseTo(((1 / 3) * 0.1) / (2 * 0.5), 14);
    expect(q.meanResponseS).toBeCloseTo(0.1 + 1 / 30, 14);
  });

  it('Erlang C matches a published table value (c = 10, A = 8: 0.4092)', () => {
    expect(erlangC(10, 8)).toBeCloseTo(0.40918, 4);
  });

  it('M/M/1 has P_wait = ρ, mean S/(1−ρ) and p-quantile −ln(1−p)·S/(1−ρ)', () => {
    const q = solveMultiServerQueue({ arrivalRateRps: 70, meanServiceS: 0.01, servers: 1 });
    expect(q.waitProbability).toBeCloseTo(0.7, 12);
    expect(q.meanResponseS).toBeCloseTo(0.01 / 0.3, 12);
    expect(mm1ResponseQuantileS(0.01, 0.7, 0.99)).toBeCloseTo((Math.log(100) * 0.01) / 0.3, 12);
  });

  it('Allen–Cunneen with SCV 0 gives the M/D/1 Pollaczek–Khinchine wait ρS/(2(1−ρ))', () => {
    const q = solveMultiServerQueue({ arrivalRateRps: 50, meanServiceS: 0.01, servers: 1, serviceScv: 0 });
    expect(q.meanWaitS).toBeCloseTo((0.5 * 0.01) / (2 * 0.5), 12);
  });

  it('reports ρ >= 1 as unstable with infinite waits rather than NaN', () => {
    const q = solveMultiServerQueue({ arrivalRateRps: 30, meanServiceS: 0.1, servers: 3 });
    expect(q.stable).toBe(false);
    expect(q.meanResponseS).toBe(Infinity);
  });
});

describe('operational laws', () => {
  it('utilisation, service demand and the bottleneck bound', () => {
    expect(utilisationLaw(200, 0.004, 2)).toBeCloseTo(0.4, 12);
    expect(serviceDemandS(0.8, 400)).toBeCloseTo(0.002, 12);
    const bound = bottleneckBound([
      { id: 'app', demandS: 0.004, servers: 1 },
      { id: 'db', demandS: 0.006, servers: 4 },
    ]);
    expect(bound).toEqual({ bottleneckId: 'app', maxThroughputRps: 250 });
  });
});
