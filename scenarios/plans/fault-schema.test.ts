import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { plannedEndS } from './fault-schema.ts';
import { validatePlan } from './plan-schema.ts';

const base = { name: 'f', arrival: { kind: 'constant', rateRps: 10 }, durationS: 20, mix: { 'feed.read': 1 } };

function issuesOf(input: unknown): string[] {
  try {
    validatePlan(input);
  } catch (err) {
    if (isFeedscaleError(err) && err.code === 'CFG_ERR_INVALID') return [...err.details];
    throw err;
  }
  return [];
}

describe('faults in plans', () => {
  it('accepts every kind with its fields and fills a stop grace default', () => {
    const plan = validatePlan({
      ...base,
      faults: [
        { kind: 'kill', atS: 1, target: 'app-1', restartAfterS: 5 },
        { kind: 'stop', atS: 2, target: 'worker-0' },
        { kind: 'pause', atS: 3, target: 'redis', durationS: 2 },
        { kind: 'shard-failover', atS: 4, target: 'pg-1' },
        { kind: 'netem', atS: 5, target: 'pgbouncer', durationS: 3, delayMs: 20, jitterMs: 5, lossPercent: 1 },
        { kind: 'kill', atS: 6, target: 'worker-0', duringFanOut: true },
      ],
    });
    expect(plan.faults).toHaveLength(6);
    expect(plan.faults![1]).toEqual({ kind: 'stop', atS: 2, target: 'worker-0', graceS: 10 });
    expect(plan.faults!.map(plannedEndS)).toEqual([6, undefined, 5, undefined, 8, undefined]);
  });

  it('names the field of a bad fault, per kind, not "expected union value"', () => {
    const missing = issuesOf({ ...base, faults: [{ kind: 'pause', atS: 1, target: 'redis' }] });
    expect(missing.length).toBeGreaterThan(0);
    for (const line of missing) expect(line).toMatch(/^\/faults\/0\/durationS: /);
    expect(issuesOf({ ...base, faults: [{ kind: 'explode', atS: 1, target: 'redis' }] })).toEqual([expect.stringMatching(/^\/faults\/0\/kind: must be one of kill, stop, pause, shard-failover, netem/)]);
    expect(issuesOf({ ...base, faults: [{ kind: 'shard-failover', atS: 1, target: 'redis' }] })).toEqual([expect.stringMatching(/^\/faults\/0\/target: /)]);
  });

  it('keeps faults inside the measured window and on one open-loop generator', () => {
    expect(issuesOf({ ...base, faults: [{ kind: 'kill', atS: 20, target: 'app-0' }] })).toEqual(['/faults/0/atS: must be < durationS (20): a fault starts inside the measured window']);
    expect(issuesOf({ ...base, driver: 'autocannon', faults: [{ kind: 'kill', atS: 1, target: 'app-0' }] })).toEqual([expect.stringMatching(/^\/faults: faults need the open-loop driver/)]);
    expect(issuesOf({ ...base, faults: [{ kind: 'netem', atS: 1, target: 'redis', durationS: 2 }] })).toEqual(['/faults/0: netem needs delayMs or lossPercent']);
    expect(issuesOf({ ...base, faults: [{ kind: 'kill', atS: 1, target: 'app-0', duringFanOut: true }] })).toEqual([expect.stringMatching(/^\/faults\/0\/duringFanOut: only a queue worker/)]);
  });
});
