/**
 * Load shape: the feed-heavy 2011 mix in rate steps 50 -> 50 -> 100 -> 150 -> 200 -> 300 rps
 * (plan ramp; the first step is the warm-up), as k6 ramping-arrival-rate with a 0 s stage
 * before each step so the rate jumps and then holds, like the open-loop engine's steps.
 * Why: to find the highest rate a configuration sustains under the SLO, reported as users
 * supported at 2011 per-user rates. Held steps (not a linear ramp) give each rate long enough
 * for queues to settle, so the step where p99 or errors cross the SLO is the capacity.
 * VUs are sized for the 300 rps peak at the 2 s timeout, so a saturated server shows up as
 * latency and errors, and k6 drops iterations only if even that many VUs are busy.
 *
 * Run: BASE_URL=... FEEDSCALE_POPULATION=/abs/population.json FEEDSCALE_SEED=1 k6 run scenarios/k6/ramp.k6.ts
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN || '../plans/ramp.json';
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
