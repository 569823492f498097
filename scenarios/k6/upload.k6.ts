/**
 * Load shape: the complete upload flow only, at a modest constant arrival rate (plan upload:
 * 10 rps, 5 s warm-up, 20 s measured), as k6 constant-arrival-rate. Each iteration is three
 * requests: POST /users/:id/uploads, PUT the bytes to the presigned uploadUrl (object store),
 * POST /users/:id/uploads/:uploadId/complete (media row + fan-out to followers' feeds).
 * Why: uploads are rare (~25 photos/s in autumn 2011 across all of Instagram, /work/shared/
 * FACTS.md) but the most expensive write: a shard insert plus fan-out on write. A modest rate
 * keeps the fan-out queue and the object store within a laptop while showing each step's
 * latency on its own row (upload.start, upload.put, upload.complete). VUs are sized for three
 * timeouts per iteration.
 *
 * Run: BASE_URL=... FEEDSCALE_POPULATION=/abs/population.json FEEDSCALE_SEED=1 k6 run scenarios/k6/upload.k6.ts
 */
import { createPlanScript } from './lib/plan-script.ts';

const planPath = __ENV.FEEDSCALE_PLAN || '../plans/upload.json';
const script = createPlanScript({ planText: open(planPath), planSource: planPath });

export const options = script.options;
export default script.iteration;
export const handleSummary = script.handleSummary;
