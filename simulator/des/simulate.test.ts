import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { erlangC, mm1ResponseQuantileS } from '../analytical/multi-server-queue.ts';
import { solveOpenNetwork } from '../analytical/open-network.ts';
import { exponential, singleStationModel, threeTierModel } from '../testing/small-models.ts';
import { expectWithinInterval } from '../testing/within-interval.ts';
import { simulate } from './simulate.ts';
import { SimulationResultSchema } from './simulation-result.ts';

const REPLICATIONS = 5;

describe('simulate against closed forms', () => {
  it('reproduces the M/M/1 mean and p50/p90/p99 within the replication CI (ρ = 0.7)', () => {
    const serviceS = 0.01;
    const result = simulate(singleStationModel({ rateRps: 70, demand: exponential(serviceS) }), { durationS: 3000, warmupS: 100, replications: REPLICATIONS, seed: 11 });
    const latency = result.classes[0]!.latency;
    expectWithinInterval(latency.meanMs, (serviceS / 0.3) * 1000);
    expectWithinInterval(latency.p50Ms, mm1ResponseQuantileS(serviceS, 0.7, 0.5) * 1000);
    expectWithinInterval(latency.p90Ms, mm1ResponseQuantileS(serviceS, 0.7, 0.9) * 1000);
    expectWithinInterval(latency.p99Ms, mm1ResponseQuantileS(serviceS, 0.7, 0.99) * 1000);
    expectWithinInterval(result.stations[0]!.threadUtilisation, 0.7);
    expectWithinInterval(result.stations[0]!.meanQueueLength, 0.49 / 0.3);
  });

  it('reproduces the M/M/c mean from Erlang C (c = 3, ρ = 0.8)', () => {
    const serviceS = 0.03;
    const rate = 80;
    const result = simulate(singleStationModel({ rateRps: rate, demand: exponential(serviceS), servers: 3 }), { durationS: 2000, warmupS: 100, replications: REPLICATIONS, seed: 12 });
    const a = rate * serviceS;
    const exactMeanS = serviceS + (erlangC(3, a) * serviceS) / (3 * (1 - a / 3));
    expectWithinInterval(result.classes[0]!.latency.meanMs, exactMeanS * 1000);
  });

  it('agrees with the analytical solver on a three-tier route at moderate load', () => {
    const model = threeTierModel(100);
    const prediction = solveOpenNetwork(model).classes[0]!;
    const result = simulate(model, { durationS: 2000, warmupS: 100, replications: REPLICATIONS, seed: 13 });
    const latency = result.classes[0]!.latency;
    // Jackson: the mean is exact for this network.
    expectWithinInterval(latency.meanMs, prediction.meanResponseS! * 1000);
    // Percentiles: the convolution assumes independent sojourns (the two app visits are not); allow 5%.
    expectWithinInterval(latency.p50Ms, prediction.percentiles!.p50S! * 1000, 0.05);
    expectWithinInterval(latency.p90Ms, prediction.percentiles!.p90S! * 1000, 0.05);
    expectWithinInterval(latency.p99Ms, prediction.percentiles!.p99S! * 1000, 0.05);
  });
});

describe('simulate determinism', () => {
  const model = threeTierModel(100);
  const options = { durationS: 200, warmupS: 20, replications: 2 };

  it('gives byte-identical results for the same seed', () => {
    expect(JSON.stringify(simulate(model, { ...options, seed: 5 }))).toBe(JSON.stringify(simulate(model, { ...options, seed: 5 })));
  });

  it('gives different results for a different seed', () => {
    expect(JSON.stringify(simulate(model, { ...options, seed: 5 }))).not.toBe(JSON.stringify(simulate(model, { ...options, seed: 6 })));
  });

  it('returns a result that matches its published schema', () => {
    expect([...Value.Errors(SimulationResultSchema, simulate(model, { ...options, seed: 5 }))].map((e) => `${e.path} ${e.message}`)).toEqual([]);
  });

  it('rejects a warm-up that is not shorter than the run', () => {
    expect(() => simulate(model, { durationS: 10, warmupS: 10 })).toThrow(/warmupS/);
  });
});
