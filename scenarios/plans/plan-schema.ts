import { Type, type Static } from '@sinclair/typebox';
import { FeedscaleError, isFeedscaleError } from '../../lib/errors.ts';
import { listIssues, validateConfig, type ConfigIssue } from '../../lib/validate.ts';
import { DriverSchema } from '../../lib/result-schema.ts';
import type { Endpoint } from '../requests/endpoints.ts';
import { TargetingSchema } from '../requests/targeting-schema.ts';
import { FaultsSchema, checkFaults, explainFaults } from './fault-schema.ts';

const RateRps = Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Requests per second' });

/** Open-loop arrival shapes. Steps start with the warm-up; the last step's rate holds to the end. */
const ArrivalVariants = [
  Type.Object({ kind: Type.Literal('constant'), rateRps: RateRps }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('poisson'), rateRps: RateRps }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('steps'),
      steps: Type.Array(
        Type.Object({ rateRps: RateRps, durationS: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
        { minItems: 1 },
      ),
    },
    { additionalProperties: false },
  ),
] as const;
export const ArrivalSchema = Type.Union([...ArrivalVariants]);
export type Arrival = Static<typeof ArrivalSchema>;

/** Relative weights per endpoint; they need not sum to 1. Endpoints left out are never sent. */
const Weight = Type.Optional(Type.Number({ minimum: 0 }));
export const MixSchema = Type.Object(
  {
    'feed.read': Weight,
    'media.read': Weight,
    'media.like': Weight,
    'follow.create': Weight,
    'upload.start': Weight,
    'user.create': Weight,
    'media.nearby': Weight,
  } satisfies Record<Endpoint, unknown>,
  { additionalProperties: false, minProperties: 1 },
);
export type Mix = Static<typeof MixSchema>;

/**
 * A load plan: what to send, how fast, for how long, and the SLO that judges it.
 *
 * @example
 * { "name": "feed-read", "arrival": { "kind": "constant", "rateRps": 150 }, "durationS": 20, "mix": { "feed.read": 1 } }
 */
export const PlanSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'kebab-case; names the result files' }),
    description: Type.String({ default: '' }),
    driver: Type.Union(DriverSchema.anyOf, { default: 'open-loop', description: 'open-loop gives latency verdicts; autocannon and k6 are closed or k6-run' }),
    arrival: ArrivalSchema,
    durationS: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'Measured window, after the warm-up' }),
    warmupS: Type.Number({ minimum: 0, maximum: 3600, default: 5, description: 'Sent but not recorded' }),
    mix: MixSchema,
    targeting: TargetingSchema,
    maxInFlight: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          'Cap on requests (upload flows) in flight, for every driver; a scheduled start beyond it is unserved demand, counted against the system. Default: sized from the peak rate and the timeout (scenarios/plans/in-flight-cap.ts), so it binds only under real overload',
      }),
    ),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
    generators: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        description:
          'Open-loop load generators on this machine, each a process with its own core; generator w sends the arrivals i ≡ w (mod generators) of the one schedule and their histograms are merged exactly (scenarios/engines/generator-pool.ts). Default 1: the harness process sends everything. Not for capacity searches; k6 keeps its own parallelism',
      }),
    ),
    search: Type.Optional(
      Type.Object(
        {
          growth: Type.Number({ minimum: 1.05, maximum: 10, default: 1.5, description: 'Each new step runs at the last passing rate times this, until a step breaks the SLO' }),
          maxRps: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, default: 5000, description: 'The search stops here: a configuration that meets the SLO at this rate is reported as >= it' }),
          refineSteps: Type.Integer({
            minimum: 0,
            maximum: 10,
            default: 2,
            description: 'Steps spent narrowing the knee by bisection between the last passing and the first failing rate',
          }),
        },
        {
          additionalProperties: false,
          description:
            'Capacity search (open-loop driver only): steps of warmupS + durationS at arrival.rateRps, then x growth, until the SLO breaks or the generator saturates; then bisection. A knee the search did not reach is reported as a lower bound',
        },
      ),
    ),
    faults: Type.Optional(FaultsSchema),
    slo: Type.Object(
      {
        p99Ms: Type.Number({ exclusiveMinimum: 0, default: 250, description: 'p99 latency from intended start, per endpoint' }),
        errorRateMax: Type.Number({ minimum: 0, maximum: 1, default: 0.01, description: 'Largest acceptable fraction of failed requests' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);
export type Plan = Static<typeof PlanSchema>;

/** Rules the schema cannot say, each with the path of the field that breaks it. */
export function checkPlan(plan: Plan): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!Object.values(plan.mix).some((weight) => (weight ?? 0) > 0)) {
    issues.push({ path: '/mix', message: 'needs at least one endpoint with a positive weight' });
  }
  if (plan.search) {
    if (plan.arrival.kind === 'steps') issues.push({ path: '/arrival/kind', message: 'a search starts from one rate: use "constant" or "poisson" with rateRps as the first step' });
    if (plan.driver !== 'open-loop') issues.push({ path: '/driver', message: 'a capacity search adapts each step to the last one: only the open-loop driver can run it' });
    if (plan.arrival.kind !== 'steps' && plan.search.maxRps < plan.arrival.rateRps) issues.push({ path: '/search/maxRps', message: `must be >= arrival.rateRps (${plan.arrival.rateRps})` });
  }
  if ((plan.generators ?? 1) > 1) {
    if (plan.driver !== 'open-loop') issues.push({ path: '/generators', message: `only the open-loop driver splits a run over generators (driver ${plan.driver} runs as one)` });
    if (plan.search) issues.push({ path: '/generators', message: 'a capacity search runs one generator: remove generators or search' });
  }
  if (plan.arrival.kind === 'steps') {
    const stepsS = plan.arrival.steps.reduce((sum, step) => sum + step.durationS, 0);
    const runS = plan.warmupS + plan.durationS;
    if (stepsS > runS + 1e-9) {
      issues.push({ path: '/arrival/steps', message: `steps last ${stepsS} s but warmupS + durationS is ${runS} s; later steps would never run` });
    }
  }
  issues.push(...checkFaults(plan));
  return issues;
}

function invalid(what: string, lines: readonly string[]): FeedscaleError {
  return new FeedscaleError('CFG_ERR_INVALID', `invalid ${what}:\n  ${lines.join('\n  ')}`, { details: lines });
}

/**
 * TypeBox reports a bad union member only as "/arrival: Expected union value"; when `kind` names a
 * variant, list that variant's own issues instead ("/arrival/rateRps: Expected number > 0").
 */
function explainArrival(input: unknown, lines: readonly string[]): string[] {
  const arrival = (input as { arrival?: { kind?: unknown } } | null)?.arrival;
  const variant = ArrivalVariants.find((v) => v.properties.kind.const === arrival?.kind);
  if (!variant) return [...lines];
  const detail = listIssues(variant, arrival).map((i) => `/arrival${i.path}: ${i.message}`);
  return lines.flatMap((line) => (line.startsWith('/arrival: ') && detail.length > 0 ? detail : [line]));
}

/** Fills defaults, validates and freezes a plan; throws CFG_ERR_INVALID listing every issue with its path. */
export function validatePlan(input: unknown, what = 'plan'): Readonly<Plan> {
  let plan: Readonly<Plan>;
  try {
    plan = validateConfig(PlanSchema, input, what);
  } catch (err) {
    if (isFeedscaleError(err) && err.code === 'CFG_ERR_INVALID') throw invalid(what, explainFaults(input, explainArrival(input, err.details)));
    throw err;
  }
  const issues = checkPlan(plan);
  if (issues.length > 0) throw invalid(what, issues.map((i) => `${i.path}: ${i.message}`));
  return plan;
}
