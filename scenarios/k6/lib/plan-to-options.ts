/**
 * Plan (scenarios/plans, data) -> k6 options (code): executor, rates, VU sizing, thresholds.
 * Pure and free of k6 imports so Node tests can check the mapping; the scripts pass the result
 * to k6 as `export const options`.
 *
 * Arrival mapping:
 * - constant -> constant-arrival-rate over warmupS + durationS.
 * - poisson  -> constant-arrival-rate at the same mean rate. k6 has no Poisson executor; the
 *   run keeps the mean but loses the bursts, so it is gentler than the open-loop engine's.
 *   planToOptions returns a note saying so and the summary prints it.
 * - steps    -> ramping-arrival-rate: each step is a 0 s stage (an instant jump; k6 accepts
 *   zero-length stages) followed by a stage holding the step's rate. As in the open-loop
 *   engine (arrival-schedule.ts), the last step's rate holds to the end of the run and steps
 *   past the end are cut.
 *
 * Rates: k6 wants an integer number of iterations per `timeUnit`. Integer rates use 1 s;
 * any fractional rate switches the whole plan to a 1000 s unit (milli-rps resolution).
 */
import type { Plan } from '../../plans/plan-schema.ts';
import { PREALLOCATED_VU_FRACTION, inFlightCapOf, worstIterationMs } from '../../plans/in-flight-cap.ts';
import { latencyMetricName, recordedEndpoints } from './metric-names.ts';

/** Stats kept for every Trend; summary-to-result.ts reads exactly these keys. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(99)', 'p(99.9)', 'count'] as const;

/** The one scenario of every script: one scenario keeps exec.scenario.iterationInTest equal to the request index. */
export const SCENARIO_NAME = 'plan';

/** Structural subsets of k6's option types (k6/options), so this file needs no k6 types. */
export interface K6Stage {
  duration: string;
  target: number;
}
export interface K6ConstantArrivalRate {
  executor: 'constant-arrival-rate';
  rate: number;
  timeUnit: string;
  duration: string;
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStop: string;
}
export interface K6RampingArrivalRate {
  executor: 'ramping-arrival-rate';
  startRate: number;
  timeUnit: string;
  stages: K6Stage[];
  preAllocatedVUs: number;
  maxVUs: number;
  gracefulStop: string;
}
export type K6Scenario = K6ConstantArrivalRate | K6RampingArrivalRate;

export interface K6Options {
  scenarios: Record<string, K6Scenario>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
  discardResponseBodies: boolean;
  noUsageReport: boolean;
  userAgent: string;
}

/** A piece of the run at one rate, as k6 will schedule it (durations rounded to whole ms, like the k6 options). */
export interface RateSegment {
  /** Effective rate k6 applies: k6Rate / timeUnitS. */
  rateRps: number;
  /** Integer iterations per timeUnit, as written in the options. */
  k6Rate: number;
  durationMs: number;
}

export interface ArrivalPlanForK6 {
  executor: K6Scenario['executor'];
  timeUnitS: number;
  segments: RateSegment[];
  notes: string[];
}

function runLengthMs(plan: Pick<Plan, 'warmupS' | 'durationS'>): number {
  return Math.round((plan.warmupS + plan.durationS) * 1000);
}

/** The arrival shape in k6 terms: executor, time unit and rate segments covering the whole run. */
export function arrivalForK6(plan: Pick<Plan, 'arrival' | 'warmupS' | 'durationS'>): ArrivalPlanForK6 {
  const totalMs = runLengthMs(plan);
  const { arrival } = plan;
  const pieces: Array<{ rateRps: number; durationMs: number }> = [];
  if (arrival.kind === 'steps') {
    let coveredMs = 0;
    for (const step of arrival.steps) {
      const durationMs = Math.min(Math.round(step.durationS * 1000), totalMs - coveredMs);
      if (durationMs <= 0) break;
      pieces.push({ rateRps: step.rateRps, durationMs });
      coveredMs += durationMs;
    }
    const last = pieces[pieces.length - 1]!;
    last.durationMs += totalMs - coveredMs;
  } else {
    pieces.push({ rateRps: arrival.rateRps, durationMs: totalMs });
  }
  const timeUnitS = pieces.every((p) => Number.isInteger(p.rateRps)) ? 1 : 1000;
  const segments = pieces.map((p) => {
    const k6Rate = Math.round(p.rateRps * timeUnitS);
    if (k6Rate < 1) throw new Error(`arrival rate ${p.rateRps} rps is below k6's resolution of ${1 / timeUnitS} rps`);
    return { rateRps: k6Rate / timeUnitS, k6Rate, durationMs: p.durationMs };
  });
  const notes: string[] = [];
  if (arrival.kind === 'poisson') {
    notes.push(
      `arrival "poisson" at ${arrival.rateRps} rps runs as k6 constant-arrival-rate (k6 has no Poisson executor): same mean rate, evenly spaced starts, no bursts`,
    );
  }
  if (segments.some((s, i) => s.rateRps !== pieces[i]!.rateRps)) {
    notes.push(`fractional rates rounded to k6's ${1 / timeUnitS} rps resolution`);
  }
  return { executor: arrival.kind === 'steps' ? 'ramping-arrival-rate' : 'constant-arrival-rate', timeUnitS, segments, notes };
}

function ms(durationMs: number): string {
  return `${durationMs}ms`;
}

/** The k6 scenario for a plan, VUs sized for the peak rate with every request at the timeout. */
export function planToScenario(plan: Pick<Plan, 'arrival' | 'warmupS' | 'durationS' | 'mix' | 'timeoutMs' | 'maxInFlight'>): K6Scenario {
  const shape = arrivalForK6(plan);
  const worstMs = worstIterationMs(plan);
  // The same cap as the open-loop engine's (scenarios/plans/in-flight-cap.ts).
  const maxVUs = inFlightCapOf(plan);
  const vus = { preAllocatedVUs: Math.min(maxVUs, Math.max(1, Math.ceil(maxVUs * PREALLOCATED_VU_FRACTION))), maxVUs };
  // Iterations still running at the end get up to their worst time before k6 interrupts them.
  const gracefulStop = `${Math.ceil(worstMs / 1000) + 1}s`;
  const timeUnit = `${shape.timeUnitS}s`;
  const first = shape.segments[0]!;
  if (shape.executor === 'constant-arrival-rate') {
    return { executor: 'constant-arrival-rate', rate: first.k6Rate, timeUnit, duration: ms(first.durationMs), ...vus, gracefulStop };
  }
  const stages: K6Stage[] = [];
  shape.segments.forEach((segment, i) => {
    if (i > 0) stages.push({ duration: '0s', target: segment.k6Rate });
    stages.push({ duration: ms(segment.durationMs), target: segment.k6Rate });
  });
  return { executor: 'ramping-arrival-rate', startRate: first.k6Rate, timeUnit, stages, ...vus, gracefulStop };
}

/**
 * The plan's SLO as k6 thresholds: p99 per endpoint (each endpoint's own Trend), the failure
 * rate of measured requests, and no dropped iteration. A dropped iteration is demand k6 never
 * sent (no free VU): the run did not apply the planned load, so its latencies give no verdict.
 * `rate<=`: errorRateMax is the largest acceptable fraction (plan-schema.ts), and 0 must be reachable.
 */
export function planThresholds(plan: Pick<Plan, 'mix' | 'slo'>): Record<string, string[]> {
  const thresholds: Record<string, string[]> = {};
  for (const endpoint of recordedEndpoints(plan.mix)) thresholds[latencyMetricName(endpoint)] = [`p(99)<${plan.slo.p99Ms}`];
  thresholds['http_req_failed{phase:measure}'] = [`rate<=${plan.slo.errorRateMax}`];
  thresholds.dropped_iterations = ['count==0'];
  return thresholds;
}

/** Everything `export const options` needs, plus the notes the summary prints. */
export function planToOptions(plan: Plan): { options: K6Options; notes: string[] } {
  return {
    options: {
      scenarios: { [SCENARIO_NAME]: planToScenario(plan) },
      thresholds: planThresholds(plan),
      summaryTrendStats: [...SUMMARY_TREND_STATS],
      // Bodies are read only where needed (upload.start asks for its own with responseType).
      discardResponseBodies: true,
      // k6 otherwise reports usage to a Grafana server: traffic that is not to this machine.
      noUsageReport: true,
      userAgent: 'feedscale-k6',
    },
    notes: arrivalForK6(plan).notes,
  };
}

/**
 * When k6 starts each iteration, as a function of its index, mirroring k6's schedulers:
 * constant-arrival-rate starts iteration j at j / rate (the first at 0); ramping-arrival-rate
 * starts event n = j + 1 where the area under the rate curve reaches n (lib/executor
 * ramping_arrival_rate.go, `cal`), so its first iteration comes one interval after the start.
 * Used to tell warm-up iterations from measured ones by index, never by the clock.
 */
export interface IterationClock {
  /** Intended start of iteration `index` in seconds from the scenario start; Infinity past the end. */
  startS(index: number): number;
  /** Iterations the schedule holds over the whole run. */
  readonly plannedIterations: number;
  /** Index of the first iteration at or after the warm-up. */
  readonly firstMeasuredIndex: number;
  /** Iterations in the measured window: plannedIterations - firstMeasuredIndex. */
  readonly measuredIterations: number;
  isMeasured(index: number): boolean;
}

export function createIterationClock(plan: Pick<Plan, 'arrival' | 'warmupS' | 'durationS'>): IterationClock {
  const shape = arrivalForK6(plan);
  const totalS = runLengthMs(plan) / 1000;
  let startS: (index: number) => number;
  let plannedIterations: number;
  if (shape.executor === 'constant-arrival-rate') {
    const rate = shape.segments[0]!.rateRps;
    startS = (index) => {
      const t = index / rate;
      return t < totalS ? t : Infinity;
    };
    plannedIterations = Math.ceil(totalS * rate - 1e-9);
  } else {
    const areas = shape.segments.map((s) => (s.rateRps * s.durationMs) / 1000);
    const totalArea = areas.reduce((a, b) => a + b, 0);
    startS = (index) => {
      const n = index + 1;
      let done = 0;
      let segmentStartS = 0;
      for (let i = 0; i < shape.segments.length; i++) {
        const segment = shape.segments[i]!;
        if (n <= done + areas[i]! + 1e-9) return segmentStartS + (n - done) / segment.rateRps;
        done += areas[i]!;
        segmentStartS += segment.durationMs / 1000;
      }
      return Infinity;
    };
    plannedIterations = Math.floor(totalArea + 1e-9);
  }
  // startS is increasing: binary search for the first index at or after the warm-up.
  let lo = 0;
  let hi = plannedIterations;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (startS(mid) >= plan.warmupS - 1e-9) hi = mid;
    else lo = mid + 1;
  }
  const firstMeasuredIndex = lo;
  return {
    startS,
    plannedIterations,
    firstMeasuredIndex,
    measuredIterations: plannedIterations - firstMeasuredIndex,
    isMeasured: (index) => index >= firstMeasuredIndex,
  };
}
