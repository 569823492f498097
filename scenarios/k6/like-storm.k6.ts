/**
 * Load shape: 70% likes concentrated on a few hot media (Zipf exponent 2: the hottest one
 * draws ~60% of likes) over 30% feed reads, constant arrival rate (plan like-storm: 120 rps,
 * 5 s warm-up, 20 s measured), as k6 constant-arrival-rate.
 * Why: a celebrity's new photo going viral is the write hot spot of the 2011 stack (90 likes/s
 * overall in autumn 2011, /work/shared/FACTS.md), all on one row and one shard. The steady
 * rate shows whether the hot rows stall the feed reads beside them; the feed.read p99 is the
 * threshold to watch.
 *
 * Run: BASE_URL=... FEEDSCALE_POPULATION=/abs/population.json FEEDSCALE_SEED=1 k6 run scenarios/k6/like-storm.k6.ts
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN || '../plans/like-storm.json';
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
