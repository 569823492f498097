import { describe, expect, it } from 'vitest';
import { TEST_CALIBRATION } from '../calibration/synthetic-runs.ts';
import { sizeFleet } from './size-fleet.ts';

describe('sizeFleet', () => {
  const small = sizeFleet({ options: { users: 1_400_000 }, calibration: TEST_CALIBRATION });
  const large = sizeFleet({ options: { users: 14_000_000 }, calibration: TEST_CALIBRATION });

  it('serves the 2011 per-user rates: ten times the users, ten times the requests', () => {
    expect(large.totalRateRps / small.totalRateRps).toBeCloseTo(10, 6);
    expect(large.classes.find((c) => c.endpoint === 'media.like')!.rateRps).toBeCloseTo(90, 6);
  });

  it('keeps every sized tier at or below its utilisation target and every endpoint within the SLO', () => {
    for (const t of large.tiers) expect(t.utilisation).toBeLessThanOrEqual(0.7 + 1e-9);
    for (const e of large.endpoints) expect(e.p99Ms!).toBeLessThanOrEqual(250);
    expect(large.tiers.find((t) => t.tier === 'app')!.hosts).toBeGreaterThanOrEqual(small.tiers.find((t) => t.tier === 'app')!.hosts);
  });

  it('sets every tier beside the 2011 fleet with a ratio where 2011 published a count', () => {
    const app = large.comparison.find((c) => c.tier === 'app')!;
    expect(app.hosts2011).toBe(25);
    expect(app.ratio).toBeCloseTo(app.predictedHosts2011Cores / 25, 9);
    expect(large.comparison.find((c) => c.tier === 'redis')!.ratio).toBeNull();
  });
});
