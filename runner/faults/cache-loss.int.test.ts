import { describe, expect, it } from 'vitest';
import { runFaultPlan } from './testing/run-fault-plan.ts';

// Target (issue 11): a memcached instance killed: 0 errors; the time until the hit ratio is back
// within 5% of before is reported.
describe('cache-loss: a memcached instance killed and started again empty', () => {
  it('fails no request and reports when the hit ratio recovered', async () => {
    const { result, leftovers } = await runFaultPlan(
      'cache-loss',
      { arrival: { kind: 'constant', rateRps: 40 }, warmupS: 5, durationS: 16, faults: [{ kind: 'kill', atS: 4, target: 'memcached-0', restartAfterS: 1 }] },
      { cache: 'memcached', memcachedInstances: 1 },
    );
    const [fault] = result.faults!;
    console.log(JSON.stringify({ fault, audit: result.audit, errors: result.endpoints.map((e) => [e.endpoint, e.errors, e.unserved]) }, null, 1));
    expect(fault!.error).toBeUndefined();
    expect(fault!.errorWindow).toBeNull();
    for (const e of result.endpoints) expect({ endpoint: e.endpoint, errors: e.errors, unserved: e.unserved }).toEqual({ endpoint: e.endpoint, errors: {}, unserved: 0 });
    expect(fault!.hitRatioRecovery).toBeDefined();
    expect(fault!.hitRatioRecovery!.prefaultHitRatio).toBeGreaterThan(0);
    for (const w of result.audit!.writes) expect({ type: w.type, lost: w.lost, duplicated: w.duplicated }).toEqual({ type: w.type, lost: 0, duplicated: 0 });
    expect(leftovers).toBe(0);
  });
});
