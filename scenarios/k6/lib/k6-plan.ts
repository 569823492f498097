/**
 * Reading a plan inside k6, where TypeBox is not available. The runner (scenarios/drivers/
 * k6-runner.ts) always hands k6 a plan already validated by plan-schema.ts with its defaults
 * filled in; this fills the same defaults (k6-plan.test.ts checks them against PlanSchema) and
 * rejects what would make the script misbehave, for people who run `k6 run` by hand.
 */
import type { Plan } from '../../plans/plan-schema.ts';
import { DEFAULT_ACTIVITY_EXPONENT, DEFAULT_FOLLOW_TARGET_EXPONENT, DEFAULT_LIKE_TARGET_EXPONENT } from '../../requests/targeting-defaults.ts';

/** The defaults of PlanSchema, repeated here because k6 cannot import TypeBox. */
export const PLAN_DEFAULTS = Object.freeze({
  description: '',
  driver: 'open-loop',
  warmupS: 5,
  timeoutMs: 5000,
  slo: Object.freeze({ p99Ms: 250, errorRateMax: 0.01 }),
  targeting: Object.freeze({
    activityExponent: DEFAULT_ACTIVITY_EXPONENT,
    likeTargetExponent: DEFAULT_LIKE_TARGET_EXPONENT,
    followTargetExponent: DEFAULT_FOLLOW_TARGET_EXPONENT,
  }),
});

function fail(source: string, message: string): never {
  throw new Error(`invalid plan ${source}: ${message}`);
}

function positive(value: unknown, path: string, source: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(source, `${path} must be a positive number (got ${JSON.stringify(value)})`);
  return value;
}

/** Parses plan JSON text, fills PlanSchema's defaults and checks what the k6 scripts rely on. */
export function parsePlanText(text: string, source: string): Plan {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    fail(source, `not JSON (${(err as Error).message})`);
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) fail(source, 'must be a JSON object');
  const raw = input as Record<string, unknown>;
  const plan = {
    ...PLAN_DEFAULTS,
    ...raw,
    slo: { ...PLAN_DEFAULTS.slo, ...(raw.slo as object | undefined) },
    targeting: { ...PLAN_DEFAULTS.targeting, ...(raw.targeting as object | undefined) },
  } as Plan;
  if (typeof plan.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(plan.name)) fail(source, '/name must be kebab-case');
  positive(plan.durationS, '/durationS', source);
  if (typeof plan.warmupS !== 'number' || !(plan.warmupS >= 0)) fail(source, '/warmupS must be a number >= 0');
  positive(plan.timeoutMs, '/timeoutMs', source);
  positive(plan.slo.p99Ms, '/slo/p99Ms', source);
  if (typeof plan.slo.errorRateMax !== 'number' || !(plan.slo.errorRateMax >= 0 && plan.slo.errorRateMax <= 1)) fail(source, '/slo/errorRateMax must be in [0, 1]');
  const arrival = plan.arrival as { kind?: unknown; rateRps?: unknown; steps?: unknown } | undefined;
  switch (arrival?.kind) {
    case 'constant':
    case 'poisson':
      positive(arrival.rateRps, '/arrival/rateRps', source);
      break;
    case 'steps':
      if (!Array.isArray(arrival.steps) || arrival.steps.length === 0) fail(source, '/arrival/steps must hold at least one step');
      (arrival.steps as Array<{ rateRps?: unknown; durationS?: unknown }>).forEach((step, i) => {
        positive(step.rateRps, `/arrival/steps/${i}/rateRps`, source);
        positive(step.durationS, `/arrival/steps/${i}/durationS`, source);
      });
      break;
    default:
      fail(source, `/arrival/kind must be constant, poisson or steps (got ${JSON.stringify(arrival?.kind)})`);
  }
  if (!plan.mix || typeof plan.mix !== 'object' || !Object.values(plan.mix).some((w) => typeof w === 'number' && w > 0)) {
    fail(source, '/mix needs at least one endpoint with a positive weight');
  }
  return plan;
}
