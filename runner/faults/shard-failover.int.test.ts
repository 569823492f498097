import { describe, expect, it } from 'vitest';
import { runFaultPlan } from './testing/run-fault-plan.ts';

// Target (issue 11): a shard's primary stopped and its replica promoted: writes to that shard back
// within 10 s, 0 acknowledged writes lost. One physical shard, so every write lands on it.
describe('shard-failover: the primary stopped, the replica promoted, pgbouncer re-pointed', () => {
  it('takes writes again within 10 s without an app restart and loses no acknowledged write', async () => {
    const { result, leftovers } = await runFaultPlan('shard-failover', { arrival: { kind: 'constant', rateRps: 30 }, warmupS: 3, durationS: 16, faults: [{ kind: 'shard-failover', atS: 4, target: 'pg-0' }] }, { replicas: 1 });
    const [fault] = result.faults!;
    console.log(JSON.stringify({ fault, audit: result.audit }, null, 1));
    expect(fault!.error).toBeUndefined();
    expect(fault!.steps.map((s) => s.step)).toEqual(['primary stopped', 'replica promoted', 'pgbouncer re-pointed']);
    expect(fault!.writesBackAfterS).not.toBeNull();
    expect(fault!.writesBackAfterS!).toBeLessThanOrEqual(10);
    for (const w of result.audit!.writes) expect({ type: w.type, lost: w.lost, duplicated: w.duplicated }).toEqual({ type: w.type, lost: 0, duplicated: 0 });
    expect(result.audit!.writes.find((w) => w.type === 'upload.complete')?.acknowledged ?? 0).toBeGreaterThan(0);
    expect(leftovers).toBe(0);
  });
});
