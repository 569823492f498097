import { describe, expect, it } from 'vitest';
import { runFaultPlan } from './testing/run-fault-plan.ts';

// Target (issue 11): an app instance killed under load: error window <= 2 s, 0 acknowledged writes lost.
describe('app-crash: an app instance killed under load', () => {
  it('fails requests for at most 2 s, loses no acknowledged write and leaves no container', async () => {
    const { result, leftovers } = await runFaultPlan(
      'app-crash',
      { arrival: { kind: 'constant', rateRps: 30 }, warmupS: 3, durationS: 14, faults: [{ kind: 'kill', atS: 4, target: 'app-1', restartAfterS: 5 }] },
      { appInstances: 2 },
    );
    const [fault] = result.faults!;
    console.log(JSON.stringify({ fault, audit: result.audit }, null, 1));
    expect(fault!.error).toBeUndefined();
    expect(fault!.steps.map((s) => s.step)).toEqual(['killed', 'started', 'ready', 'nginx reloaded']);
    expect(fault!.errorWindow?.durationS ?? 0).toBeLessThanOrEqual(2);
    expect(result.audit!.writes.length).toBeGreaterThanOrEqual(4);
    for (const w of result.audit!.writes) expect({ type: w.type, lost: w.lost, duplicated: w.duplicated }).toEqual({ type: w.type, lost: 0, duplicated: 0 });
    expect(leftovers).toBe(0);
  });
});
