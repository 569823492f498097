import { describe, expect, it } from 'vitest';
import { checkModelReferences, loadSimulationModel } from '../model/load-simulation-model.ts';
import type { SimulationModel } from '../model/simulation-model.ts';
import { exponential, visit } from '../testing/small-models.ts';
import { representativeReplicaModel } from './representative-replica.ts';
import { simulate } from './simulate.ts';
import type { IntervalEstimate } from '../stats/confidence-interval.ts';

/**
 * A small fleet with every feature the reduction must carry: a single nginx visited on the way in
 * and out, 4 app replicas (the largest group, K = 4), 2 cache replicas, 2 shards with a
 * pgbouncer-like pool each, a cache-miss branch, spawned fan-out jobs on 3 worker hosts, a rate step.
 */
function smallFleet(): SimulationModel {
  return loadSimulationModel({
    hosts: [
      { id: 'edge', cores: 1 },
      { id: 'app-host', cores: 1, replicas: 4 },
      { id: 'cache-host', cores: 1, replicas: 2 },
      { id: 'shard-host', cores: 4, replicas: 2 },
      { id: 'worker-host', cores: 2, replicas: 3 },
    ],
    stations: [
      { id: 'nginx', tier: 'nginx', hostId: 'edge' },
      { id: 'app', tier: 'app', hostId: 'app-host' },
      { id: 'cache', tier: 'memcached', hostId: 'cache-host' },
      { id: 'db', tier: 'postgres', hostId: 'shard-host', threads: 4 },
      { id: 'worker', tier: 'worker', hostId: 'worker-host', threads: 2 },
    ],
    pools: [{ id: 'pgb', size: 3, hostId: 'shard-host' }],
    classes: [
      {
        id: 'read',
        rateRps: 300,
        steps: [
          visit('nginx', exponential(0.0004)),
          visit('app', exponential(0.003)),
          visit('cache', exponential(0.002)),
          {
            kind: 'branch',
            id: 'cache',
            arms: [
              { id: 'hit', probability: 0.7, steps: [] },
              { id: 'miss', probability: 0.3, steps: [{ kind: 'acquire', poolId: 'pgb' }, visit('db', exponential(0.02)), { kind: 'release', poolId: 'pgb' }] },
            ],
          },
          visit('app', exponential(0.003)),
          visit('nginx', exponential(0.0004)),
        ],
      },
      { id: 'write', rateRps: 20, steps: [visit('nginx', exponential(0.0004)), visit('app', exponential(0.004)), { kind: 'spawn', classId: 'fanout', count: 3 }] },
      { id: 'fanout', rateRps: 0, steps: [visit('worker', exponential(0.05))] },
    ],
    schedule: [{ atS: 600, kind: 'set-rate', classId: 'read', rateRps: 360 }],
  });
}

function expectOverlap(full: IntervalEstimate | null, reduced: IntervalEstimate | null, slackFraction: number): void {
  const gap = Math.abs(full!.mean - reduced!.mean);
  const allowed = full!.halfWidth! + reduced!.halfWidth! + slackFraction * full!.mean;
  expect(gap, `full ${full!.mean} ± ${full!.halfWidth} vs reduced ${reduced!.mean} ± ${reduced!.halfWidth}`).toBeLessThanOrEqual(allowed);
}

describe('representativeReplicaModel', () => {
  it('keeps one replica per group, measures 1/K of each class and tops every replica up to its share', () => {
    const reduced = representativeReplicaModel(smallFleet());
    expect(reduced.sliceFactor).toBe(4);
    expect(reduced.model.hosts.every((h) => h.replicas === 1)).toBe(true);
    const rate = (id: string) => reduced.model.classes.find((c) => c.id === id)!.rateRps;
    expect(rate('read')).toBeCloseTo(75, 12);
    // nginx (1 replica): 300·(1 − 1/4); cache (2 replicas): 300·(1/2 − 1/4); the app group is the largest: no filler.
    expect(rate('read~edge')).toBeCloseTo(225, 12);
    expect(rate('read~cache-host')).toBeCloseTo(75, 12);
    expect(reduced.model.classes.some((c) => c.id === 'read~app-host')).toBe(false);
    // Fan-out children: spawned at the parents' fleet rate, each measured with 1/K, a worker filler with 1/3 − 1/4.
    expect(rate('write~spawner')).toBeCloseTo(20, 12);
    const dispatcher = reduced.model.classes.find((c) => c.id === 'fanout~dispatcher')!;
    const branchYes = (id: string) => {
      const step = dispatcher.steps.find((s) => s.kind === 'branch' && s.id === id);
      return step?.kind === 'branch' ? step.arms[0]!.probability : Number.NaN;
    };
    expect(branchYes('~measured')).toBeCloseTo(1 / 4, 12);
    expect(branchYes('~worker-host')).toBeCloseTo(1 / 3 - 1 / 4, 12);
    // The rate step carries over to the measured class and to its fillers.
    expect(reduced.model.schedule).toContainEqual({ atS: 600, kind: 'set-rate', classId: 'read~edge', rateRps: 270 });
    expect(checkModelReferences(reduced.model)).toEqual([]);
  });

  it('gives the same latency distribution as simulating every replica (mean, p50, p90, p99 within CIs + 3%)', () => {
    const model = smallFleet();
    const options = { durationS: 1200, warmupS: 100, replications: 4, seed: 41 };
    const full = simulate(model, options);
    const reduced = simulate(model, { ...options, reduction: 'representative-replica' });
    expect(reduced.sampleFraction).toBe(0.25);
    for (const classId of ['read', 'write', 'fanout']) {
      const f = full.classes.find((c) => c.classId === classId)!;
      const r = reduced.classes.find((c) => c.classId === classId)!;
      expectOverlap(f.latency.meanMs, r.latency.meanMs, 0.03);
      expectOverlap(f.latency.p50Ms, r.latency.p50Ms, 0.03);
      expectOverlap(f.latency.p90Ms, r.latency.p90Ms, 0.03);
      expectOverlap(f.latency.p99Ms, r.latency.p99Ms, 0.03);
      expectOverlap(f.throughputRps, r.throughputRps, 0.03);
    }
    expect(reduced.events).toBeLessThan(full.events);
  });

  it('refuses a fleet-wide pool held across host groups, which cannot be split per replica', () => {
    const model = loadSimulationModel({
      hosts: [
        { id: 'a', cores: 1, replicas: 2 },
        { id: 'b', cores: 1 },
      ],
      stations: [
        { id: 'app', tier: 'app', hostId: 'a' },
        { id: 'db', tier: 'postgres', hostId: 'b' },
      ],
      pools: [{ id: 'global', size: 2 }],
      classes: [{ id: 'r', rateRps: 1, steps: [{ kind: 'acquire', poolId: 'global' }, visit('app', exponential(0.001)), visit('db', exponential(0.001)), { kind: 'release', poolId: 'global' }] }],
    });
    expect(() => representativeReplicaModel(model)).toThrow(/cannot split/);
  });
});
