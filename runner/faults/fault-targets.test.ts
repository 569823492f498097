import { describe, expect, it } from 'vitest';
import { loadStackConfig } from '../../containers/stack-config.ts';
import { isFeedscaleError } from '../../lib/errors.ts';
import type { Fault } from '../../scenarios/plans/fault-schema.ts';
import { checkFaultTargets, faultTargetIssue, stackServices } from './fault-targets.ts';

const stack = loadStackConfig({ appInstances: 2, physicalShards: 2, cache: 'memcached', memcachedInstances: 2, workers: 1, replicas: 1 });

describe('fault targets against a stack', () => {
  it('names services as the stack starts them', () => {
    const names = stackServices(stack).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['app-0', 'app-1', 'worker-0', 'memcached-1', 'pg-1', 'pg-1-replica', 'pgbouncer-0', 'redis', 'nginx']));
  });

  it('accepts what the stack has and refuses what it lacks, saying why', () => {
    const ok: Fault[] = [
      { kind: 'kill', atS: 1, target: 'app-1' },
      { kind: 'kill', atS: 1, target: 'memcached-1', restartAfterS: 1 },
      { kind: 'stop', atS: 1, target: 'worker-0', graceS: 5 },
      { kind: 'pause', atS: 1, target: 'redis', durationS: 2 },
      { kind: 'shard-failover', atS: 1, target: 'pg-1' },
      { kind: 'netem', atS: 1, target: 'pgbouncer', durationS: 2, delayMs: 10 },
      { kind: 'netem', atS: 1, target: 'redis', durationS: 2, lossPercent: 1 },
    ];
    for (const fault of ok) expect(faultTargetIssue(fault, stack), JSON.stringify(fault)).toBeNull();
    expect(faultTargetIssue({ kind: 'kill', atS: 1, target: 'app-2' }, stack)).toMatch(/app-2 is not in this stack \(its app services: app-0, app-1\)/);
    expect(faultTargetIssue({ kind: 'kill', atS: 1, target: 'redis' }, stack)).toMatch(/takes an app instance, a queue worker or a memcached instance/);
    expect(faultTargetIssue({ kind: 'shard-failover', atS: 1, target: 'pg-0' }, loadStackConfig({}))).toMatch(/needs replicas: 1/);
    expect(faultTargetIssue({ kind: 'netem', atS: 1, target: 'nginx', durationS: 1, delayMs: 1 }, stack)).toMatch(/netem takes a tier/);
    expect(faultTargetIssue({ kind: 'netem', atS: 1, target: 'memcached', durationS: 1, delayMs: 1 }, loadStackConfig({ cache: 'off' }))).toMatch(/no memcached/);
  });

  it('reports every plan x configuration that cannot run, before anything starts', () => {
    try {
      checkFaultTargets([{ name: 'cache-loss', faults: [{ kind: 'kill', atS: 1, target: 'memcached-0' }] }], [
        { name: 'on', stack: loadStackConfig({ cache: 'memcached' }) },
        { name: 'off', stack: loadStackConfig({ cache: 'off' }) },
      ]);
      expect.unreachable();
    } catch (err) {
      expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
      expect((err as { details: string[] }).details).toEqual(['plan cache-loss /faults/0/target: memcached-0 is not in this stack (its memcached services: none) (configuration "off")']);
    }
  });
});
