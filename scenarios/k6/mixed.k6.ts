/**
 * Load shape: the 2011 operation mix (90% feed reads, 9% media reads, the rest likes, follows,
 * uploads and sign-ups; plan mixed), 120 rps mean, 5 s warm-up, 30 s measured. The plan asks
 * for Poisson arrivals; k6 has no Poisson executor, so this runs constant-arrival-rate at the
 * same mean (the summary says so): gentler than the open-loop engine's bursts.
 * Why: the mix exercises every path at the 2011 proportions (100 feed reads per write, 3.6
 * likes per upload, /work/shared/FACTS.md), so a cache or shard change shows its effect where
 * production traffic would feel it.
 *
 * Run: BASE_URL=... FEEDSCALE_POPULATION=/abs/population.json FEEDSCALE_SEED=1 k6 run scenarios/k6/mixed.k6.ts
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN || '../plans/mixed.json';
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
