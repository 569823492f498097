import { FeedscaleError } from '../lib/errors.ts';
import { loadPlan } from '../scenarios/plans/load-plan.ts';
import { type Plan, validatePlan } from '../scenarios/plans/plan-schema.ts';
import type { RunConfig } from './run-config.ts';

/** The run's plan with its `load` overrides (--rate, --duration, --warmup) applied and validated again. */
export async function loadPlanForRun(run: Readonly<Pick<RunConfig, 'plan' | 'load'>>): Promise<Readonly<Plan>> {
  const plan = await loadPlan(run.plan);
  const { rateRps, durationS, warmupS } = run.load;
  if (rateRps === undefined && durationS === undefined && warmupS === undefined) return plan;
  if (rateRps !== undefined && plan.arrival.kind === 'steps') {
    throw new FeedscaleError('CFG_ERR_INVALID', `/load/rateRps: plan "${plan.name}" has stepped arrivals; a single rate cannot override them`, {
      details: [`/load/rateRps: plan "${plan.name}" has stepped arrivals; a single rate cannot override them`],
    });
  }
  const arrival = rateRps !== undefined && plan.arrival.kind !== 'steps' ? { ...plan.arrival, rateRps } : plan.arrival;
  return validatePlan(
    { ...structuredClone(plan), arrival, ...(durationS !== undefined ? { durationS } : {}), ...(warmupS !== undefined ? { warmupS } : {}) },
    `plan ${plan.name} with overrides`,
  );
}
