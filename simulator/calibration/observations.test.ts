import { describe, expect, it } from 'vitest';
import { meanOverWindow, observationsOf } from './observations.ts';
import { SYNTHETIC_SHAPE, syntheticRun } from './synthetic-runs.ts';

describe('observations of a run', () => {
  it('averages a per-interval rate over a window, clipping the intervals at its edges', () => {
    const series = [{ tS: 1, v: 10 }, { tS: 2, v: 20 }, { tS: 3, v: 40 }];
    // (1, 2] at 20 and (2, 3] at 40; the window [1.5, 3] holds half of the first.
    expect(meanOverWindow(series, (p) => p.v, 1.5, 3)).toBeCloseTo((0.5 * 20 + 40) / 1.5, 9);
    expect(meanOverWindow(series, (p) => p.v, 5, 6)).toBeNull();
  });

  it('gives one interval per step of a stepped run, with CPU per tier, unit rates and latency', () => {
    const plan = {
      name: 'cal',
      mix: { 'feed.read': 1 },
      arrival: { kind: 'steps' as const, steps: [{ rateRps: 40, durationS: 15 }, { rateRps: 120, durationS: 10 }] },
      warmupS: 5,
      durationS: 20,
    };
    const { run } = syntheticRun({ configuration: 'a', shape: SYNTHETIC_SHAPE, plan, source: { workload: {}, seed: 2011, logicalShards: 512 } });
    const obs = observationsOf(run, SYNTHETIC_SHAPE);
    expect(obs.map((o) => [o.step, o.intendedRps])).toEqual([
      [0, 40],
      [1, 120],
    ]);
    expect(obs[1]!.completedRps).toBeCloseTo(120, 0);
    expect(obs[1]!.cpuCores.app!).toBeGreaterThan(obs[0]!.cpuCores.app!);
    expect(obs[0]!.instances).toMatchObject({ app: 2, postgres: 1, pgbouncer: 1, memcached: 1, redis: 1, nginx: 1 });
    expect(obs[0]!.unitRates.memcachedOp! / obs[0]!.completedRps).toBeGreaterThan(20);
    expect(obs[0]!.latency['feed.read']!.count).toBeGreaterThan(0);
    expect(obs[0]!.startMs).toBe(Date.parse(run.startedAt) + 5000);
  });
});
