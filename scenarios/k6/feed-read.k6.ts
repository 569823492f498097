/**
 * Load shape: feed reads only, constant arrival rate (plan feed-read: 150 rps, 5 s warm-up,
 * 20 s measured), as k6 constant-arrival-rate.
 * Why: the feed read is the 2011 hot path (reads:writes ~100:1, /work/shared/FACTS.md), a
 * Redis list of media IDs hydrated from memcached or the owner's shard. A constant open-loop
 * rate isolates its latency from everything else, and because iterations start on schedule
 * whatever the server does, a stall shows up as latency or as dropped iterations, never as a
 * politely slower client.
 *
 * Run: BASE_URL=http://127.0.0.1:8080 FEEDSCALE_POPULATION=/abs/population.json FEEDSCALE_SEED=1 \
 *      k6 run scenarios/k6/feed-read.k6.ts   (inputs: lib/plan-script.ts; or scenarios/drivers/k6-runner.ts)
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN || '../plans/feed-read.json';
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
