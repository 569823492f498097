import { describe, expect, it } from 'vitest';
import { busyServersPmf, solveHostContention } from './host-contention.ts';
import { erlangC } from './multi-server-queue.ts';

describe('solveHostContention', () => {
  it('leaves a FCFS station alone on enough cores unslowed (plain M/M/c)', () => {
    const h = solveHostContention(4, [{ discipline: 'fcfs', threads: 4, visitRateRps: 300, meanCpuS: 0.01, meanHoldDelayS: 0 }]);
    expect(h.slowdowns[0]).toBe(1);
    expect(h.cpuUtilisation).toBeCloseTo(0.75, 12);
  });

  it('gives a PS station alone on one core the M/G/1-PS stretch 1/(1 − ρ)', () => {
    const h = solveHostContention(1, [{ discipline: 'ps', threads: 1, visitRateRps: 80, meanCpuS: 0.01, meanHoldDelayS: 0 }]);
    expect(h.converged).toBe(true);
    expect(h.slowdowns[0]).toBeCloseTo(5, 6);
  });

  it('reports a host whose CPU demand reaches its cores as saturated', () => {
    const h = solveHostContention(2, [
      { discipline: 'fcfs', threads: 8, visitRateRps: 150, meanCpuS: 0.01, meanHoldDelayS: 0 },
      { discipline: 'fcfs', threads: 1, visitRateRps: 60, meanCpuS: 0.01, meanHoldDelayS: 0 },
    ]);
    expect(h.saturated).toBe(true);
    expect(h.slowdowns.every((f) => f === Infinity)).toBe(true);
  });

  it('busy-server distribution of M/M/c puts Erlang C on "all busy"', () => {
    const pmf = busyServersPmf(3, 2);
    expect(pmf[3]).toBeCloseTo(erlangC(3, 2), 12);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pmf[1]! / pmf[0]!).toBeCloseTo(2, 12);
  });
});
