/**
 * Load shape: whatever the plan says. This one entry script runs any feedscale plan under k6:
 * the plan (FEEDSCALE_PLAN, a plan JSON such as ../plans/feed-read.json or the effective plan the
 * harness writes with --rate/--duration overrides) gives the arrival shape, mapped to k6's
 * constant-arrival-rate (constant and Poisson plans; k6 has no Poisson executor, the summary
 * says so) or ramping-arrival-rate with held steps (stepped plans), the request mix, the
 * timeout and the SLO thresholds. Why each plan has the shape it has is in its `description`.
 * Why one script: a plan is data; a script per plan was a copy per variant (STYLE: avoid
 * DeathStarBench's copied script folders), and a plan without one could not run under k6.
 *
 * Run: BASE_URL=http://127.0.0.1:8080 FEEDSCALE_PLAN=/abs/plan.json FEEDSCALE_POPULATION=/abs/population.json \
 *      FEEDSCALE_SEED=1 k6 run scenarios/k6/plan.k6.ts   (inputs: lib/plan-script.ts; or scenarios/drivers/k6-runner.ts)
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN;
if (!planPath) throw new Error('FEEDSCALE_PLAN is not set: the path of the plan JSON to run (see scenarios/k6/lib/plan-script.ts for every input)');
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
