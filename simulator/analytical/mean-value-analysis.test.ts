import { describe, expect, it } from 'vitest';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import { exponential, visit } from '../testing/small-models.ts';
import { solveClosedNetwork } from './closed-network.ts';
import { meanValueAnalysis } from './mean-value-analysis.ts';

/** Machine repairman with c repairmen: birth–death chain, failures (N − n)/Z, repairs min(n, c)/S. */
function repairmanExact(machines: number, thinkS: number, serviceS: number, repairmen: number): { throughputRps: number; responseS: number } {
  const weights = [1];
  for (let n = 1; n <= machines; n++) weights.push((weights[n - 1]! * ((machines - n + 1) / thinkS)) / (Math.min(n, repairmen) / serviceS));
  const total = weights.reduce((a, b) => a + b, 0);
  const throughput = weights.reduce((a, w, n) => a + (w / total) * (Math.min(n, repairmen) / serviceS), 0);
  return { throughputRps: throughput, responseS: machines / throughput - thinkS };
}

describe('meanValueAnalysis', () => {
  it('matches the machine-repairman closed form with one repairman', () => {
    const exact = repairmanExact(10, 1, 0.15, 1);
    const mva = meanValueAnalysis({ centres: [{ id: 'repair', kind: 'queue', demandS: 0.15 }], customers: 10, thinkTimeS: 1 });
    expect(mva.throughputRps).toBeCloseTo(exact.throughputRps, 10);
    expect(mva.responseS).toBeCloseTo(exact.responseS, 10);
  });

  it('matches the machine-repairman closed form with three repairmen (load-dependent MVA)', () => {
    const exact = repairmanExact(20, 0.5, 0.2, 3);
    const mva = meanValueAnalysis({ centres: [{ id: 'repair', kind: 'queue', demandS: 0.2, servers: 3 }], customers: 20, thinkTimeS: 0.5 });
    expect(mva.throughputRps).toBeCloseTo(exact.throughputRps, 9);
    expect(mva.responseS).toBeCloseTo(exact.responseS, 9);
  });

  it('approaches the bottleneck bound 1/D_max as connections grow, and obeys N = X·(R + Z)', () => {
    const mva = meanValueAnalysis({
      centres: [
        { id: 'app', kind: 'queue', demandS: 0.004 },
        { id: 'db', kind: 'queue', demandS: 0.002 },
        { id: 'net', kind: 'delay', demandS: 0.001 },
      ],
      customers: 200,
      thinkTimeS: 0,
    });
    expect(mva.throughputRps).toBeGreaterThan(0.999 * 250);
    expect(mva.throughputRps).toBeLessThanOrEqual(250);
    for (const point of mva.curve) expect(point.throughputRps * point.responseS).toBeCloseTo(point.customers, 9);
    expect(mva.centres[0]!.utilisation).toBeCloseTo(mva.throughputRps * 0.004, 12);
  });
});

describe('solveClosedNetwork', () => {
  it('treats replicated app hosts as identical copies sharing the load', () => {
    const model = loadSimulationModel({
      hosts: [{ id: 'app-host', cores: 1, replicas: 4 }],
      stations: [{ id: 'app', tier: 'app', hostId: 'app-host' }],
      classes: [{ id: 'r', rateRps: 1, steps: [visit('app', exponential(0.01))] }],
    });
    const prediction = solveClosedNetwork(model, { connections: 400 });
    expect(prediction.throughputRps).toBeGreaterThan(0.99 * 400);
    expect(prediction.hosts[0]!.cpuUtilisation).toBeGreaterThan(0.99);
  });
});
