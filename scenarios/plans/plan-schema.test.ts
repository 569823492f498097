import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { ENDPOINTS } from '../requests/endpoints.ts';
import { MixSchema, validatePlan } from './plan-schema.ts';
import { inFlightCapOf } from './in-flight-cap.ts';

const minimal = { name: 'tiny', arrival: { kind: 'constant', rateRps: 10 }, durationS: 5, mix: { 'feed.read': 1 } };

function issuesOf(input: unknown): string[] {
  try {
    validatePlan(input);
  } catch (err) {
    if (isFeedscaleError(err) && err.code === 'CFG_ERR_INVALID') return [...err.details];
    throw err;
  }
  return [];
}

describe('validatePlan', () => {
  it('fills the defaults: open-loop driver, 5 s warm-up, SLO and targeting', () => {
    const plan = validatePlan(minimal);
    expect(plan).toMatchObject({ driver: 'open-loop', warmupS: 5, timeoutMs: 5000, description: '' });
    // No cap given: sized from the peak rate and the timeout (in-flight-cap.ts), here ceil(rate x 5 s).
    expect(plan.maxInFlight).toBeUndefined();
    expect(inFlightCapOf(plan)).toBe(Math.ceil(plan.arrival.kind === 'steps' ? 0 : plan.arrival.rateRps * 5));
    expect(plan.slo).toEqual({ p99Ms: 250, errorRateMax: 0.01 });
    expect(plan.targeting).toEqual({ activityExponent: 0.6, likeTargetExponent: 1, followTargetExponent: 1.1 });
    expect(Object.isFrozen(plan.mix)).toBe(true);
  });

  it('accepts the three arrival shapes', () => {
    expect(validatePlan({ ...minimal, arrival: { kind: 'poisson', rateRps: 5 } }).arrival.kind).toBe('poisson');
    const steps = { kind: 'steps', steps: [{ rateRps: 5, durationS: 5 }, { rateRps: 10, durationS: 5 }] };
    expect(validatePlan({ ...minimal, arrival: steps }).arrival).toEqual(steps);
  });

  it('reports every broken field with its path', () => {
    const issues = issuesOf({ ...minimal, durationS: 0, timeoutMs: 'soon', mix: { 'feed.read': -1 }, slo: { errorRateMax: 2 } });
    expect(issues.some((i) => i.startsWith('/durationS'))).toBe(true);
    expect(issues.some((i) => i.startsWith('/timeoutMs'))).toBe(true);
    expect(issues.some((i) => i.startsWith('/mix/feed.read'))).toBe(true);
    expect(issues.some((i) => i.startsWith('/slo/errorRateMax'))).toBe(true);
  });

  it('rejects unknown fields, unknown endpoints and unknown drivers', () => {
    expect(issuesOf({ ...minimal, rps: 10 }).length).toBeGreaterThan(0);
    expect(issuesOf({ ...minimal, mix: { 'feed.write': 1 } }).some((i) => i.startsWith('/mix'))).toBe(true);
    expect(issuesOf({ ...minimal, driver: 'wrk' }).some((i) => i.startsWith('/driver'))).toBe(true);
    expect(issuesOf({ ...minimal, arrival: { kind: 'constant' } }).some((i) => i.startsWith('/arrival'))).toBe(true);
  });

  it('names the broken field inside the arrival variant that kind selects', () => {
    expect(issuesOf({ ...minimal, arrival: { kind: 'poisson', rateRps: 0 } })).toEqual(['/arrival/rateRps: Expected number to be greater than 0 (got 0)']);
    expect(issuesOf({ ...minimal, arrival: { kind: 'steps', steps: [{ rateRps: 5 }] } })[0]).toMatch(/^\/arrival\/steps\/0\/durationS/);
    expect(issuesOf({ ...minimal, arrival: { kind: 'burst' } })[0]).toMatch(/^\/arrival: Expected union value/);
  });

  it('rejects a mix whose weights are all zero', () => {
    expect(issuesOf({ ...minimal, mix: { 'feed.read': 0 } })).toEqual(['/mix: needs at least one endpoint with a positive weight']);
  });

  it('rejects steps that outlast warm-up plus duration', () => {
    const steps = { kind: 'steps', steps: [{ rateRps: 5, durationS: 10 }, { rateRps: 10, durationS: 10 }] };
    expect(issuesOf({ ...minimal, warmupS: 5, durationS: 5, arrival: steps })[0]).toMatch(/^\/arrival\/steps: steps last 20 s/);
  });

  it('has a mix weight for exactly the known endpoints', () => {
    expect(Object.keys(MixSchema.properties).sort()).toEqual([...ENDPOINTS].sort());
  });
});
