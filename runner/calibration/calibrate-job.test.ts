import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { loadStackConfig } from '../../containers/stack-config.ts';
import { validatePlan, type Plan } from '../../scenarios/plans/plan-schema.ts';
import { loadRunConfig, type RunConfig } from '../run-config.ts';
import { calibrationConfigurations, calibrationManifest, calibrationPlan } from './calibrate-job.ts';
import { parseProcStat, processTicks } from './host-sampler.ts';

const feedRead = validatePlan({ name: 'feed-read', arrival: { kind: 'constant', rateRps: 150 }, durationS: 20, mix: { 'feed.read': 1 } }) as Plan;
const run = loadRunConfig({}).run as RunConfig;

describe('the calibration job', () => {
  it('calibrates on three configurations that separate statements, rows and memcached operations', () => {
    const configurations = calibrationConfigurations(loadStackConfig({}));
    expect(configurations.map((c) => [c.stack.physicalShards, c.stack.cache])).toEqual([
      [1, 'memcached'],
      [1, 'off'],
      [4, 'off'],
    ]);
  });

  it('steps the plan’s mix through the rates, the warm-up inside the first step', () => {
    const plan = calibrationPlan(feedRead, { ratesRps: [40, 120, 200], stepS: 10, warmupS: 5 });
    expect(plan.arrival).toEqual({ kind: 'steps', steps: [{ rateRps: 40, durationS: 15 }, { rateRps: 120, durationS: 10 }, { rateRps: 200, durationS: 10 }] });
    expect(plan.durationS).toBe(30);
    expect(plan.mix).toEqual({ 'feed.read': 1 });
  });

  it('runs one repeat and one attempt of each, and refuses more than three configurations', () => {
    const manifest = calibrationManifest({ run, plan: feedRead });
    expect(manifest.run.repeats).toBe(1);
    expect(manifest.run.maxAttempts).toBe(1);
    const four = [...calibrationConfigurations(loadStackConfig({})), { name: 'x', description: '', stack: loadStackConfig({}) }];
    try {
      calibrationManifest({ run, plan: feedRead, configurations: four });
      expect.unreachable();
    } catch (err) {
      expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
    }
  });
});

describe('host sampler parsing', () => {
  it('reads busy and total jiffies from /proc/stat and a process’s CPU ticks by name', () => {
    expect(parseProcStat('cpu  100 5 50 800 20 1 4 0 0 0\ncpu0 1 2 3 4\n')).toEqual({ busy: 160, total: 980 });
    const line = '4242 (docker-proxy) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 12 0 0 20 0 7 0 100 0 0';
    expect(processTicks(line, 'docker-proxy')).toBe(49);
    expect(processTicks(line, 'node')).toBeNull();
  });
});
