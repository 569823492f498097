import type { StepResult } from '../../lib/result-schema.ts';

/**
 * Whether one step of a ramp (a held rate) met the SLO: the judge of the capacity search
 * (scenarios/engines/search-ramp.ts, deciding where to go next) and of the report
 * (reports/capacity.ts, saying what a configuration sustains). One function, so the search
 * and the report can never disagree about a step.
 */
export interface StepSlo {
  /** Largest acceptable p99 (from intended start) of every judged endpoint in a step. */
  p99Ms: number;
  /** Largest acceptable (failed + unserved) / (sent + unserved) over the judged endpoints. */
  errorRateMax: number;
}

/**
 * Below this fraction of the step's rate actually sent, the step fails: the system (via the
 * in-flight cap) or the generator could not take the rate. Poisson arrivals over a 10 s step at
 * 100 rps vary by ~3%, so 0.9 leaves room for chance. An assumption; a parameter.
 */
export const DEFAULT_MIN_ACHIEVED_FRACTION = 0.9;

export interface StepVerdictOptions {
  slo: StepSlo;
  /** Endpoints the SLO applies to (default: every endpoint of the step). */
  endpoints?: readonly string[];
  minAchievedFraction?: number;
}

export interface StepVerdict {
  rateRps: number;
  /** Sent requests per second over the step, all endpoints. */
  achievedRps: number;
  startS: number;
  durationS: number;
  /** Highest p99 over the judged endpoints, and which one it was ('' when none). */
  worstP99Ms: number;
  worstEndpoint: string;
  errorRate: number;
  meetsSlo: boolean;
  /** Why the step fails the SLO; empty when it meets it. */
  reasons: string[];
  /** false when the load generator fell behind in the step: the step says nothing about the system. */
  generatorValid: boolean;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function judgeStep(step: StepResult, options: StepVerdictOptions): StepVerdict {
  const { slo } = options;
  const minAchieved = options.minAchievedFraction ?? DEFAULT_MIN_ACHIEVED_FRACTION;
  const judged = options.endpoints ? step.endpoints.filter((e) => options.endpoints!.includes(e.endpoint)) : step.endpoints;
  // errorRate already counts unserved starts as failures (lib/result-schema.ts StepEndpointResult).
  const demanded = judged.reduce((acc, e) => acc + e.sent + (e.unserved ?? 0), 0);
  const failed = judged.reduce((acc, e) => acc + e.errorRate * (e.sent + (e.unserved ?? 0)), 0);
  const errorRate = demanded === 0 ? 0 : failed / demanded;
  const achievedRps = step.durationS > 0 ? step.endpoints.reduce((acc, e) => acc + e.sent, 0) / step.durationS : 0;
  let worstP99Ms = 0;
  let worstEndpoint = '';
  for (const e of judged) {
    if (e.sent > 0 && e.p99Ms >= worstP99Ms) {
      worstP99Ms = e.p99Ms;
      worstEndpoint = e.endpoint;
    }
  }
  const reasons: string[] = [];
  if (demanded === 0) reasons.push('nothing sent');
  for (const e of judged) if (e.sent > 0 && e.p99Ms > slo.p99Ms) reasons.push(`${e.endpoint} p99 ${round(e.p99Ms)} ms > ${slo.p99Ms} ms`);
  if (errorRate > slo.errorRateMax) reasons.push(`error rate ${round(errorRate * 100)}% > ${round(slo.errorRateMax * 100)}%`);
  if (step.rateRps > 0 && achievedRps < minAchieved * step.rateRps) {
    reasons.push(`sent ${round(achievedRps)} of ${round(step.rateRps)} rps`);
  }
  const generatorValid = step.generator?.valid ?? true;
  return {
    rateRps: step.rateRps,
    achievedRps,
    startS: step.startS,
    durationS: step.durationS,
    worstP99Ms,
    worstEndpoint,
    errorRate,
    meetsSlo: reasons.length === 0,
    reasons: generatorValid ? reasons : [...reasons, `load generator fell behind (${step.generator!.reasons.join('; ')}): no verdict`],
    generatorValid,
  };
}
