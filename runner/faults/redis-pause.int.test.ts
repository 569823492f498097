import { describe, expect, it } from 'vitest';
import { runFaultPlan } from './testing/run-fault-plan.ts';

// Target (issue 11): Redis paused 2 s: error window <= pause + 1 s, 0 lost.
describe('redis-pause: Redis frozen for 2 s under load', () => {
  it('fails requests for at most 3 s and loses no acknowledged write', async () => {
    const { result, leftovers } = await runFaultPlan('redis-pause', { arrival: { kind: 'constant', rateRps: 30 }, warmupS: 3, durationS: 14, faults: [{ kind: 'pause', atS: 4, target: 'redis', durationS: 2 }] }, {});
    const [fault] = result.faults!;
    console.log(JSON.stringify({ fault, audit: result.audit }, null, 1));
    expect(fault!.error).toBeUndefined();
    expect(fault!.steps.map((s) => s.step)).toEqual(['paused', 'unpaused']);
    expect(fault!.endS! - fault!.startS).toBeGreaterThanOrEqual(1.9);
    expect(fault!.errorWindow?.durationS ?? 0).toBeLessThanOrEqual(3);
    for (const w of result.audit!.writes) expect({ type: w.type, lost: w.lost, duplicated: w.duplicated }).toEqual({ type: w.type, lost: 0, duplicated: 0 });
    expect(leftovers).toBe(0);
  });
});
