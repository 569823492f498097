import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { loadSimulationModel } from '../model/load-simulation-model.ts';
import { exponential, singleStationModel, threeTierModel, visit } from '../testing/small-models.ts';
import { erlangC, mm1ResponseQuantileS } from './multi-server-queue.ts';
import { solveOpenNetwork } from './open-network.ts';
import { NetworkPredictionSchema } from './prediction.ts';

describe('solveOpenNetwork', () => {
  it('gives the M/M/1 mean S/(1−ρ) exactly and its quantiles to within 0.3%', () => {
    const prediction = solveOpenNetwork(singleStationModel({ rateRps: 60, demand: exponential(0.01) }));
    const cls = prediction.classes[0]!;
    expect(cls.meanResponseS).toBeCloseTo(0.01 / 0.4, 12);
    for (const [p, got] of [
      [0.5, cls.percentiles!.p50S],
      [0.9, cls.percentiles!.p90S],
      [0.99, cls.percentiles!.p99S],
      [0.999, cls.percentiles!.p999S],
    ] as const) {
      const exact = mm1ResponseQuantileS(0.01, 0.6, p);
      expect(Math.abs(got! - exact) / exact).toBeLessThan(0.003);
    }
    expect(prediction.stations[0]!.threadUtilisation).toBeCloseTo(0.6, 12);
    expect(prediction.bottleneck).toMatchObject({ kind: 'station', id: 'server' });
    expect(prediction.bottleneck.maxThroughputRps).toBeCloseTo(100, 9);
  });

  it('gives M/M/c means from Erlang C (c = 2, A = 1)', () => {
    const prediction = solveOpenNetwork(singleStationModel({ rateRps: 10, demand: exponential(0.1), servers: 2 }));
    expect(prediction.stations[0]!.waitProbability).toBeCloseTo(erlangC(2, 1), 12);
    expect(prediction.classes[0]!.meanResponseS).toBeCloseTo(0.1 + (1 / 3) * 0.1, 12);
  });

  it('adds station means along a two-station Jackson route', () => {
    const model = loadSimulationModel({
      hosts: [
        { id: 'a', cores: 1 },
        { id: 'b', cores: 2 },
      ],
      stations: [
        { id: 'front', tier: 'app', hostId: 'a' },
        { id: 'back', tier: 'postgres', hostId: 'b', threads: 2 },
      ],
      classes: [{ id: 'r', rateRps: 50, steps: [visit('front', exponential(0.01)), visit('back', exponential(0.02), { count: 1.5 })] }],
    });
    const cls = solveOpenNetwork(model).classes[0]!;
    // front: M/M/1 at ρ = 0.5 -> 0.02 s; back: 75 visits/s, S = 0.02, c = 2: A = 1.5, ρ = 0.75.
    const backC = erlangC(2, 1.5);
    const backResponse = 0.02 + (backC * 0.02) / (2 * 0.25);
    expect(cls.meanResponseS).toBeCloseTo(0.02 + 1.5 * backResponse, 12);
  });

  it('makes co-located processor-sharing stations behave like one M/M/1-PS host (mean x/(1−ρ_host))', () => {
    const model = loadSimulationModel({
      hosts: [{ id: 'box', cores: 1 }],
      stations: [
        { id: 'web', tier: 'app', hostId: 'box', discipline: 'ps' },
        { id: 'db', tier: 'postgres', hostId: 'box', discipline: 'ps' },
      ],
      classes: [
        { id: 'a', rateRps: 30, steps: [visit('web', exponential(0.01))] },
        { id: 'b', rateRps: 15, steps: [visit('db', exponential(0.02))] },
      ],
    });
    const prediction = solveOpenNetwork(model);
    expect(prediction.hosts[0]!.cpuUtilisation).toBeCloseTo(0.6, 12);
    expect(prediction.classes[0]!.meanResponseS).toBeCloseTo(0.01 / 0.4, 8);
    expect(prediction.classes[1]!.meanResponseS).toBeCloseTo(0.02 / 0.4, 8);
  });

  it('names saturated stations and returns null times, never NaN, when ρ >= 1', () => {
    const prediction = solveOpenNetwork(threeTierModel(400));
    expect(prediction.stable).toBe(false);
    const cls = prediction.classes[0]!;
    expect(cls.stable).toBe(false);
    expect(cls.meanResponseS).toBeNull();
    expect(cls.saturatedAt).toContain('nginx');
    // The schema admits no NaN or Infinity: saturation is said with nulls and flags.
    expect([...Value.Errors(NetworkPredictionSchema, prediction)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
  });

  it('weights cache hit and miss arms into the mean and leaves a long tail for the misses', () => {
    const cls = solveOpenNetwork(threeTierModel(100)).classes[0]!;
    expect(cls.stable).toBe(true);
    // p99 is dominated by the 20% misses that visit a 0.1 s database.
    expect(cls.percentiles!.p99S!).toBeGreaterThan(0.3);
    expect(cls.percentiles!.p50S!).toBeLessThan(cls.meanResponseS!);
  });

  it('returns a prediction that matches its published schema', () => {
    expect(Value.Check(NetworkPredictionSchema, solveOpenNetwork(threeTierModel(100)))).toBe(true);
  });
});
