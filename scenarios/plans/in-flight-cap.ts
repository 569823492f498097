import type { Plan } from './plan-schema.ts';

/**
 * How many requests (or upload flows) may be outstanding at once, for every driver: the
 * open-loop engine's in-flight cap and k6's maxVUs. Sized like k6 sizes maxVUs for an arrival
 * rate (Little's law with the worst case): at the peak rate, with every request running to the
 * plan's timeout, ceil(rate x time) are busy at once. So the cap binds only under real overload
 * (requests lasting about the timeout), and a start it refuses is demand the system did not
 * serve: counted against it (unserved), never a silently late send.
 */

/** Requests one iteration makes at most: the upload flow is start + PUT + complete. */
export const UPLOAD_FLOW_REQUESTS = 3;

export interface VuSizing {
  preAllocatedVUs: number;
  maxVUs: number;
}

/** Share of maxVUs that k6 initialises before the start; the rest are added on demand. */
export const PREALLOCATED_VU_FRACTION = 0.25;

/**
 * Enough VUs that k6 never has to drop an iteration while the server answers within the
 * timeout: an iteration holds its VU for at most `worstIterationMs`, so at `peakRateRps`
 * at most ceil(rate x worst) are busy at once (Little's law with the worst case).
 */
export function sizeVus(peakRateRps: number, worstIterationMs: number): VuSizing {
  // The epsilon keeps 150 x 2.0 from becoming 301 through floating-point noise.
  const maxVUs = Math.max(1, Math.ceil((peakRateRps * worstIterationMs) / 1000 - 1e-9));
  const preAllocatedVUs = Math.min(maxVUs, Math.max(1, Math.ceil(maxVUs * PREALLOCATED_VU_FRACTION)));
  return { preAllocatedVUs, maxVUs };
}

/** Longest one iteration can take: each of its requests may run to the plan's timeout. */
export function worstIterationMs(plan: Pick<Plan, 'mix' | 'timeoutMs'>): number {
  const requests = (plan.mix['upload.start'] ?? 0) > 0 ? UPLOAD_FLOW_REQUESTS : 1;
  return requests * plan.timeoutMs;
}

/**
 * Mean iteration time when every request runs to the timeout: the VU demand at the peak rate
 * when the server answers nothing (Little's law). An upload iteration makes three requests, the
 * others one, so uploads weigh in by their share of the mix: an upload-only plan needs three
 * timeouts' worth of VUs, while ramp's 0.2% uploads add 0.4%, not 200%.
 */
export function meanWorstIterationMs(plan: Pick<Plan, 'mix' | 'timeoutMs'>): number {
  const weights = Object.values(plan.mix).reduce<number>((sum, w) => sum + (w ?? 0), 0);
  const uploadShare = weights > 0 ? (plan.mix['upload.start'] ?? 0) / weights : 0;
  return plan.timeoutMs * (1 + (UPLOAD_FLOW_REQUESTS - 1) * uploadShare);
}

/** The highest rate the plan's arrival asks for. */
export function peakRateRps(arrival: Plan['arrival']): number {
  return arrival.kind === 'steps' ? Math.max(...arrival.steps.map((s) => s.rateRps)) : arrival.rateRps;
}

/** The plan's cap: `maxInFlight` when the plan sets one, else sized from its peak rate and timeout. */
export function inFlightCapOf(plan: Pick<Plan, 'arrival' | 'mix' | 'timeoutMs' | 'maxInFlight'>): number {
  return plan.maxInFlight ?? sizeVus(peakRateRps(plan.arrival), meanWorstIterationMs(plan)).maxVUs;
}
