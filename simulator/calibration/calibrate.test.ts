import { describe, expect, it } from 'vitest';
import { listIssues } from '../../lib/validate.ts';
import { calibrate, latencyFitInterval } from './calibrate.ts';
import { CalibrationSchema } from './calibration-schema.ts';
import { SYNTHETIC_COSTS, SYNTHETIC_SHAPE, syntheticRun } from './synthetic-runs.ts';
import { compareRuns, leaveOneOut } from './leave-one-out.ts';

const source = { workload: {}, seed: 2011, logicalShards: 512 };
const stepped = (name: string) => ({
  name,
  mix: { 'feed.read': 1 },
  arrival: { kind: 'steps' as const, steps: [{ rateRps: 40, durationS: 15 }, { rateRps: 120, durationS: 10 }, { rateRps: 200, durationS: 10 }] },
  warmupS: 5,
  durationS: 30,
});
const runs = [
  syntheticRun({ configuration: 's1-on', shape: { ...SYNTHETIC_SHAPE, physicalShards: 1, cache: 'memcached' }, plan: stepped('cal'), source }),
  syntheticRun({ configuration: 's1-off', shape: { ...SYNTHETIC_SHAPE, physicalShards: 1, cache: 'off' }, plan: stepped('cal'), source, startedAt: '2026-01-01T00:05:00.000Z' }),
  syntheticRun({ configuration: 's4-off', shape: { ...SYNTHETIC_SHAPE, physicalShards: 4, cache: 'off' }, plan: stepped('cal'), source, startedAt: '2026-01-01T00:10:00.000Z' }),
];
const host = { cores: 2, memoryBytes: 1, platform: 'linux-x64', node: 'v20' };
const calibration = calibrate({ runs, workload: { seed: 2011, overrides: {} }, host, createdAt: '2026-01-01T01:00:00.000Z' });

describe('calibrate', () => {
  it('gives back the CPU costs the runs were made from (1 shard with and without memcached, 4 shards without)', () => {
    expect(calibration.costs.pgbouncer!.perUnitUs.pgQuery).toBeCloseTo(SYNTHETIC_COSTS.pgbouncer!.perUnitUs.pgQuery!, 0);
    expect(calibration.costs.memcached!.perUnitUs.memcachedOp).toBeCloseTo(SYNTHETIC_COSTS.memcached!.perUnitUs.memcachedOp!, 0);
    expect(calibration.costs.redis!.backgroundCoresPerInstance).toBeCloseTo(SYNTHETIC_COSTS.redis!.backgroundCores, 3);
    // The app's CPU per request of each configuration comes back even where units are collinear.
    const app = calibration.costs.app!.perUnitUs;
    const perRequest = (u: Record<string, number>) => Object.entries(u).reduce((a, [k, v]) => a + v * (app[k] ?? 0), 0);
    const truth = (u: Record<string, number>) => Object.entries(u).reduce((a, [k, v]) => a + v * ((SYNTHETIC_COSTS.app!.perUnitUs as Record<string, number>)[k] ?? 0), 0);
    const offPage = { request: 1, redisCommand: 1, dbRow: 20, pgQuery: 1 };
    expect(perRequest(offPage) / truth(offPage)).toBeGreaterThan(0.95);
    expect(perRequest(offPage) / truth(offPage)).toBeLessThan(1.05);
  });

  it('writes a file that validates against the committed schema, with the runs it came from', () => {
    expect(listIssues(CalibrationSchema, calibration)).toEqual([]);
    expect(calibration.runs.map((r) => r.configuration)).toEqual(['s1-on', 's1-off', 's4-off']);
    expect(calibration.host.cores).toBe(2);
  });

  it("predicts its own calibration runs' throughput", { timeout: 120_000 }, () => {
    const rows = compareRuns({ runs, workload: { seed: 2011, overrides: {} } }, calibration);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(Math.abs(r.error.throughput!)).toBeLessThan(0.02);
  });

  it('leaves each configuration out of the calibration that predicts it', { timeout: 180_000 }, () => {
    const folds = leaveOneOut({ runs: runs.slice(0, 2), workload: { seed: 2011, overrides: {} }, host, createdAt: '2026-01-01T01:00:00.000Z' });
    expect(folds.map((f) => [f.configuration, f.calibratedOn])).toEqual([
      ['s1-on', ['s1-off']],
      ['s1-off', ['s1-on']],
    ]);
    expect(folds.every((f) => !f.inSample && f.rows.length > 0)).toBe(true);
  });
});

describe('the interval the latency delays are fitted on', () => {
  const at = (completedRps: number, utilisation: number) => ({ observation: { completedRps }, utilisation });
  const utilisationOf = (i: { utilisation: number }) => i.utilisation;

  it('is the busiest interval the model puts at most half busy, not the idlest (an idle VM adds wake-ups)', () => {
    expect(latencyFitInterval([at(40, 0.08), at(120, 0.24), at(200, 0.41), at(400, 0.82)], utilisationOf).observation.completedRps).toBe(200);
  });

  it('falls back to the least loaded when every interval is busier than that', () => {
    expect(latencyFitInterval([at(600, 0.9), at(500, 0.7)], utilisationOf).observation.completedRps).toBe(500);
  });
});
