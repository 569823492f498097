import { describe, expect, it } from 'vitest';
import { solveOpenNetwork } from '../analytical/open-network.ts';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import { cacheAsideModel, exponential, singleStationModel, visit } from '../testing/small-models.ts';
import { expectWithinInterval } from '../testing/within-interval.ts';
import { simulate } from './simulate.ts';

const RUN = { durationS: 2000, warmupS: 100, replications: 5 };

describe('host processor sharing', () => {
  it('M/D/1-PS has the M/M/1 mean S/(1−ρ) (insensitivity), unlike M/D/1 FCFS', () => {
    const demand = { kind: 'deterministic', meanS: 0.01 } as const;
    const ps = simulate(singleStationModel({ rateRps: 60, demand, discipline: 'ps' }), { ...RUN, seed: 21 });
    expectWithinInterval(ps.classes[0]!.latency.meanMs, (0.01 / 0.4) * 1000);
    const fcfs = simulate(singleStationModel({ rateRps: 60, demand }), { ...RUN, seed: 21 });
    // Pollaczek–Khinchine: S + ρS/(2(1−ρ)).
    expectWithinInterval(fcfs.classes[0]!.latency.meanMs, (0.01 + (0.6 * 0.01) / (2 * 0.4)) * 1000);
  });

  it('two co-located PS stations on one core share it: each job takes x/(1 − ρ_host)', () => {
    const model = loadSimulationModel({
      hosts: [{ id: 'box', cores: 1 }],
      stations: [
        { id: 'web', tier: 'app', hostId: 'box', discipline: 'ps' },
        { id: 'db', tier: 'postgres', hostId: 'box', discipline: 'ps' },
      ],
      classes: [
        { id: 'a', rateRps: 30, steps: [visit('web', exponential(0.01))] },
        { id: 'b', rateRps: 15, steps: [visit('db', { kind: 'lognormal', meanS: 0.02, cv: 2 })] },
      ],
    });
    const result = simulate(model, { ...RUN, seed: 22 });
    expectWithinInterval(result.classes[0]!.latency.meanMs, (0.01 / 0.4) * 1000);
    expectWithinInterval(result.classes[1]!.latency.meanMs, (0.02 / 0.4) * 1000, 0.01);
    expectWithinInterval(result.hosts[0]!.cpuUtilisation, 0.6);
  });

  it('M/M/2-PS on two cores has the M/M/2 FCFS mean', () => {
    const ps = simulate(singleStationModel({ rateRps: 150, demand: exponential(0.01), discipline: 'ps', cores: 2 }), { ...RUN, seed: 23 });
    const fcfs = solveOpenNetwork(singleStationModel({ rateRps: 150, demand: exponential(0.01), servers: 2 })).classes[0]!.meanResponseS!;
    expectWithinInterval(ps.classes[0]!.latency.meanMs, fcfs * 1000);
  });

  it('single-thread stations co-located on one core match the contention approximation within 10%', () => {
    const model = loadSimulationModel({
      hosts: [{ id: 'box', cores: 1 }],
      stations: [
        { id: 'nginx', tier: 'nginx', hostId: 'box' },
        { id: 'app', tier: 'app', hostId: 'box' },
      ],
      classes: [{ id: 'r', rateRps: 30, steps: [visit('nginx', exponential(0.01)), visit('app', exponential(0.01))] }],
    });
    const predicted = solveOpenNetwork(model).classes[0]!.meanResponseS!;
    const result = simulate(model, { ...RUN, seed: 24 });
    expectWithinInterval(result.classes[0]!.latency.meanMs, predicted * 1000, 0.1);
  });
});

describe('pools, timeouts, caps, children and schedules', () => {
  it('a pool of one serialises a 4-thread station into an M/M/1', () => {
    const model = loadSimulationModel({
      hosts: [{ id: 'db-host', cores: 4 }],
      stations: [{ id: 'db', tier: 'postgres', hostId: 'db-host', threads: 4 }],
      pools: [{ id: 'conn', size: 1, hostId: 'db-host' }],
      classes: [{ id: 'q', rateRps: 50, steps: [{ kind: 'acquire', poolId: 'conn' }, visit('db', exponential(0.01)), { kind: 'release', poolId: 'conn' }] }],
    });
    const result = simulate(model, { ...RUN, seed: 31 });
    expectWithinInterval(result.classes[0]!.latency.meanMs, (0.01 / 0.5) * 1000);
    expectWithinInterval(result.pools[0]!.utilisation, 0.5);
    // Waiting for the token is the M/M/1 queueing delay ρS/(1−ρ).
    expectWithinInterval(result.pools[0]!.meanWaitMs, ((0.5 * 0.01) / 0.5) * 1000, 0.01);
  });

  it('fails requests at the timeout with P(R > T) = e^{−T(1−ρ)/S}, censoring their latency at T', () => {
    const timeoutS = 0.05;
    const result = simulate(singleStationModel({ rateRps: 70, demand: exponential(0.01), timeoutS }), { ...RUN, seed: 32 });
    const cls = result.classes[0]!;
    const failedShare = cls.failed / (cls.failed + cls.completed);
    const exact = Math.exp((-timeoutS * 0.3) / 0.01);
    expect(Math.abs(failedShare - exact)).toBeLessThan(0.005);
    // More than 1% fail, so p99 is the timeout itself; max never exceeds it.
    expect(cls.latency.p99Ms!.mean).toBeCloseTo(timeoutS * 1000, 0);
    expect(cls.latency.maxMs!.mean).toBeLessThanOrEqual(timeoutS * 1000);
  });

  it('counts arrivals over the in-flight cap as unserved: the M/M/1/N blocking probability', () => {
    const cap = 3;
    const rho = 0.8;
    const result = simulate(singleStationModel({ rateRps: 80, demand: exponential(0.01), maxInFlight: cap }), { ...RUN, seed: 33 });
    const cls = result.classes[0]!;
    const exact = ((1 - rho) * rho ** cap) / (1 - rho ** (cap + 1));
    expect(Math.abs(cls.unserved / cls.arrivals - exact)).toBeLessThan(0.005);
    expect(cls.completed + cls.unserved + cls.failed + cls.incomplete).toBe(cls.arrivals);
  });

  it('frees a capped slot at the timeout, so every arrival is accounted for exactly once', () => {
    const result = simulate(singleStationModel({ rateRps: 95, demand: exponential(0.01), maxInFlight: 5, timeoutS: 0.03 }), { ...RUN, seed: 37 });
    const cls = result.classes[0]!;
    expect(cls.failed).toBeGreaterThan(0);
    expect(cls.unserved).toBeGreaterThan(0);
    expect(cls.completed + cls.failed + cls.unserved + cls.incomplete).toBe(cls.arrivals);
    expect(cls.latency.maxMs!.mean).toBeLessThanOrEqual(30);
  });

  it('spawns asynchronous children that load their own station without delaying the parent', () => {
    const model = loadSimulationModel({
      hosts: [
        { id: 'app-host', cores: 1 },
        { id: 'worker-host', cores: 4 },
      ],
      stations: [
        { id: 'app', tier: 'app', hostId: 'app-host' },
        { id: 'worker', tier: 'worker', hostId: 'worker-host', threads: 4 },
      ],
      classes: [
        { id: 'upload', rateRps: 20, steps: [visit('app', exponential(0.01)), { kind: 'spawn', classId: 'fanout', count: 2.5 }] },
        { id: 'fanout', rateRps: 0, steps: [visit('worker', exponential(0.05))] },
      ],
    });
    const result = simulate(model, { ...RUN, seed: 34 });
    const [upload, fanout] = result.classes;
    expectWithinInterval(upload!.latency.meanMs, (0.01 / 0.8) * 1000);
    expect(fanout!.arrivals / upload!.arrivals).toBeCloseTo(2.5, 1);
    expectWithinInterval(result.stations[1]!.threadUtilisation, (20 * 2.5 * 0.05) / 4);
  });

  it('applies a step change of rate and of branch probabilities at their times', () => {
    const model = cacheAsideModel({
      rateRps: 10,
      hitProbability: 0,
      cacheDemand: exponential(0.001),
      dbDemand: exponential(0.001),
      cores: 4,
      schedule: [
        { atS: 500, kind: 'set-rate', classId: 'read', rateRps: 50 },
        { atS: 500, kind: 'set-branch', classId: 'read', branchId: 'cache', probabilities: [0.9, 0.1] },
      ],
    });
    const result = simulate(model, { durationS: 1000, replications: 3, seed: 35 });
    const arrivals = result.classes[0]!.arrivals / 3;
    expect(Math.abs(arrivals - 30_000)).toBeLessThan(4 * Math.sqrt(30_000));
    // cache: every read (10/s, then 50/s); db: the misses (10/s, then 5/s). CPU seconds per second over the run:
    expectWithinInterval(result.stations[0]!.cpuCores, (0.5 * 10 + 0.5 * 50) * 0.001, 0.03);
    expectWithinInterval(result.stations[1]!.cpuCores, (0.5 * 10 + 0.5 * 5) * 0.001, 0.05);
  });

  it('discards the warm-up: only arrivals after it are measured', () => {
    const result = simulate(singleStationModel({ rateRps: 100, demand: exponential(0.001) }), { durationS: 100, warmupS: 60, seed: 36 });
    expect(Math.abs(result.classes[0]!.arrivals - 4000)).toBeLessThan(4 * Math.sqrt(4000));
  });
});
