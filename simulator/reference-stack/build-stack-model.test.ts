import { describe, expect, it } from 'vitest';
import { SYNTHETIC_SHAPE, TEST_CALIBRATION, feedReads } from '../calibration/synthetic-runs.ts';
import { buildStackModel, splitByMiss } from './build-stack-model.ts';
import { predictStack } from './predict-stack.ts';

describe('buildStackModel', () => {
  it('has a station per tier instance, with the pool as Postgres’s thread limit and the event loop as one thread', () => {
    const model = buildStackModel({ shape: { ...SYNTHETIC_SHAPE, physicalShards: 4, appInstances: 3 }, classes: [feedReads(100, 4)], calibration: TEST_CALIBRATION, placement: { kind: 'shared', cores: 2, foreignCores: 0 } });
    const ids = model.stations.map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('app-'))).toEqual(['app-0', 'app-1', 'app-2']);
    expect(ids.filter((id) => id.startsWith('postgres-'))).toHaveLength(4);
    expect(model.stations.find((s) => s.id === 'postgres-0')!.threads).toBe(20);
    expect(model.stations.find((s) => s.id === 'app-0')!.threads).toBe(1);
    expect(model.hosts.map((h) => h.id)).toEqual(['machine']);
  });

  it('gives every tier instance its own host when dedicated, and the generator a client host', () => {
    const model = buildStackModel({ shape: SYNTHETIC_SHAPE, classes: [feedReads(100, 1)], calibration: TEST_CALIBRATION, placement: { kind: 'dedicated', coresPerHost: 2 } });
    expect(model.hosts.map((h) => h.id)).toContain('host-app-0');
    expect(model.hosts.map((h) => h.id)).toContain('client');
    expect(model.stations.find((s) => s.id === 'loadgen')!.hostId).toBe('client');
  });

  it('puts a container with a CPU quota on a host of its own that runs at the quota', () => {
    const model = buildStackModel({ shape: { ...SYNTHETIC_SHAPE, cpus: { app: 0.5 } }, classes: [feedReads(50, 1)], calibration: TEST_CALIBRATION, placement: { kind: 'shared', cores: 2, foreignCores: 0 } });
    expect(model.hosts.find((h) => h.id === 'quota-app-0')).toMatchObject({ cores: 1, speedFactor: 0.5 });
  });

  it('other work on the shared host slows the stack: p99 rises with foreign cores, and dedicated hosts beat the shared one', () => {
    const shape = { ...SYNTHETIC_SHAPE, physicalShards: 4 };
    const at = (placement: Parameters<typeof predictStack>[0]['placement']) => predictStack({ shape, classes: [feedReads(200, 4)], calibration: TEST_CALIBRATION, placement }).endpoints[0]!.p99Ms!;
    const quiet = at({ kind: 'shared', cores: 2, foreignCores: 0 });
    const busy = at({ kind: 'shared', cores: 2, foreignCores: 0.8 });
    const dedicated = at({ kind: 'dedicated', coresPerHost: 2 });
    expect(busy).toBeGreaterThan(quiet);
    expect(dedicated).toBeLessThan(quiet);
  });

  it('splits a cached read into requests that hit throughout and requests that missed, keeping the means', () => {
    const shape = { ...SYNTHETIC_SHAPE, physicalShards: 2, cache: 'memcached' as const };
    const work = { ...feedReads(100, 2), units: { request: 1, redisCommand: 1, memcachedOp: 22, dbRow: 2, pgQuery: 0.5 }, pgQueriesByShard: [0.3, 0.2], dbRowsByShard: [1.2, 0.8], queryProbability: 0.4 };
    const [hit, miss] = splitByMiss(work, shape);
    expect(hit!.probability).toBeCloseTo(0.6, 12);
    expect(hit!.work.units).toMatchObject({ pgQuery: 0, dbRow: 0, memcachedOp: 20 });
    expect(miss!.work.units).toMatchObject({ pgQuery: 1.25, dbRow: 5, memcachedOp: 25 });
    for (const unit of ['pgQuery', 'dbRow', 'memcachedOp'] as const) {
      expect(hit!.probability * hit!.work.units[unit]! + miss!.probability * miss!.work.units[unit]!).toBeCloseTo(work.units[unit], 12);
    }
    expect(miss!.work.pgQueriesByShard.map((v) => v * 0.4)).toEqual(work.pgQueriesByShard.map((v) => expect.closeTo(v, 12)));
    // Without the cache every request reads its rows: nothing to split.
    expect(splitByMiss(work, { ...shape, cache: 'off' })).toHaveLength(1);
  });
});
