import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { PLANS_DIR } from '../../plans/load-plan.ts';
import { PlanSchema, validatePlan } from '../../plans/plan-schema.ts';
import { PLAN_DEFAULTS, parsePlanText } from './k6-plan.ts';

describe('parsePlanText', () => {
  it('fills the same defaults as PlanSchema', () => {
    const minimal = { name: 'minimal', arrival: { kind: 'constant', rateRps: 1 }, durationS: 1, mix: { 'feed.read': 1 } };
    const fromSchema = Value.Default(PlanSchema, structuredClone(minimal)) as Record<string, unknown>;
    const { arrival: _a, durationS: _d, mix: _m, name: _n, ...schemaDefaults } = fromSchema;
    expect(schemaDefaults).toEqual({ ...PLAN_DEFAULTS, slo: { ...PLAN_DEFAULTS.slo }, targeting: { ...PLAN_DEFAULTS.targeting } });
  });

  it.each(readdirSync(PLANS_DIR).filter((f) => f.endsWith('.json')))('reads bundled plan %s as validatePlan does', (file) => {
    const text = readFileSync(join(PLANS_DIR, file), 'utf8');
    expect(parsePlanText(text, file)).toEqual(validatePlan(JSON.parse(text)));
  });

  it('rejects a plan without an arrival kind, naming the field', () => {
    expect(() => parsePlanText('{"name":"x","durationS":1,"mix":{"feed.read":1},"arrival":{"kind":"burst"}}', 'x.json')).toThrow(/\/arrival\/kind/);
  });

  it('rejects a mix with no positive weight', () => {
    expect(() => parsePlanText('{"name":"x","durationS":1,"mix":{"feed.read":0},"arrival":{"kind":"constant","rateRps":1}}', 'x.json')).toThrow(/\/mix/);
  });
});
