import { createWorkloadModel, usersSupported, type WorkloadModel } from '../scenarios/workload/model.ts';
import type { Report } from './report-schema.ts';
import type { RunResult, StepResult } from '../lib/result-schema.ts';

/**
 * Capacity from stepped (ramp) runs: the highest rate a configuration sustains under the SLO,
 * and what that rate means in 2011 users (docs/facts.md, "the scale rule": users supported =
 * sustained rate / (2011 peak rate / 14M), computed by scenarios/workload/model.ts).
 */
export interface CapacitySlo {
  /** Largest acceptable p99 (from intended start) of every endpoint in a step. */
  p99Ms: number;
  /** Largest acceptable failed / sent over all endpoints of a step. */
  errorRateMax: number;
}

/** The plan schema's defaults (scenarios/plans/plan-schema.ts slo). */
export const DEFAULT_CAPACITY_SLO: Readonly<CapacitySlo> = Object.freeze({ p99Ms: 250, errorRateMax: 0.01 });

/**
 * Below this fraction of the step's rate actually sent, the step fails: the system (via the
 * in-flight cap) or the generator could not take the rate. Poisson arrivals over a 10 s step at
 * 100 rps vary by ~3%, so 0.9 leaves room for chance. An assumption; a parameter.
 */
export const DEFAULT_MIN_ACHIEVED_FRACTION = 0.9;

export interface CapacityOptions {
  slo?: CapacitySlo;
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
}

export interface StepsCapacity {
  /** Steps in time order with their verdicts. */
  steps: StepVerdict[];
  /** Highest rate at which this and every lower rate met the SLO; null when the lowest failed. */
  sustainedRateRps: number | null;
  /** The lowest rate that failed the SLO (the knee); null when every step met it. */
  kneeRateRps: number | null;
}

export interface RunCapacity extends StepsCapacity {
  configuration: string;
  repeat: number;
  usersSupported: number | null;
}

export interface ConfigurationCapacity {
  configuration: string;
  runs: RunCapacity[];
  /** The lowest sustained rate over the repeats: what every repeat sustained. */
  sustainedRateRps: number | null;
  usersSupported: number | null;
}

export function judgeStep(step: StepResult, options: CapacityOptions = {}): StepVerdict {
  const slo = options.slo ?? DEFAULT_CAPACITY_SLO;
  const minAchieved = options.minAchievedFraction ?? DEFAULT_MIN_ACHIEVED_FRACTION;
  const judged = options.endpoints ? step.endpoints.filter((e) => options.endpoints!.includes(e.endpoint)) : step.endpoints;
  const sent = judged.reduce((acc, e) => acc + e.sent, 0);
  const failed = judged.reduce((acc, e) => acc + e.errorRate * e.sent, 0);
  const errorRate = sent === 0 ? 0 : failed / sent;
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
  if (sent === 0) reasons.push('nothing sent');
  for (const e of judged) if (e.sent > 0 && e.p99Ms > slo.p99Ms) reasons.push(`${e.endpoint} p99 ${round(e.p99Ms)} ms > ${slo.p99Ms} ms`);
  if (errorRate > slo.errorRateMax) reasons.push(`error rate ${round(errorRate * 100)}% > ${round(slo.errorRateMax * 100)}%`);
  if (step.rateRps > 0 && achievedRps < minAchieved * step.rateRps) {
    reasons.push(`sent ${round(achievedRps)} of ${round(step.rateRps)} rps`);
  }
  return { rateRps: step.rateRps, achievedRps, startS: step.startS, durationS: step.durationS, worstP99Ms, worstEndpoint, errorRate, meetsSlo: reasons.length === 0, reasons };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The knee of a ramp: rates in ascending order, the highest one such that it and every lower
 * rate met the SLO. A rate run in several steps (ramp up then hold) must meet it in each. Pure.
 *
 * @example
 * findCapacity(run.steps, { slo: { p99Ms: 250, errorRateMax: 0.01 } }).sustainedRateRps; // 400
 */
export function findCapacity(steps: readonly StepResult[], options: CapacityOptions = {}): StepsCapacity {
  const verdicts = steps.map((s) => judgeStep(s, options));
  const rates = [...new Set(verdicts.map((v) => v.rateRps))].sort((a, b) => a - b);
  let sustainedRateRps: number | null = null;
  let kneeRateRps: number | null = null;
  for (const rate of rates) {
    if (verdicts.filter((v) => v.rateRps === rate).every((v) => v.meetsSlo)) {
      sustainedRateRps = rate;
    } else {
      kneeRateRps = rate;
      break;
    }
  }
  return { steps: verdicts, sustainedRateRps, kneeRateRps };
}

/** Capacity of one run, or null when the run has no per-step breakdown. */
export function capacityOfRun(run: RunResult, options: CapacityOptions & { model?: WorkloadModel } = {}): RunCapacity | null {
  if (!run.steps || run.steps.length === 0) return null;
  const found = findCapacity(run.steps, options);
  const model = options.model ?? createWorkloadModel();
  return {
    configuration: run.configuration,
    repeat: run.repeat,
    ...found,
    usersSupported: found.sustainedRateRps === null ? null : usersSupported(model, found.sustainedRateRps),
  };
}

/**
 * Capacity per configuration of a report, for configurations whose runs carry steps. The
 * configuration's capacity is the lowest over its repeats: a rate one repeat could not hold is
 * not a rate the configuration sustains.
 */
export function capacityOfReport(report: Report, options: CapacityOptions & { model?: WorkloadModel } = {}): ConfigurationCapacity[] {
  const model = options.model ?? createWorkloadModel();
  const out: ConfigurationCapacity[] = [];
  for (const { name } of report.configurations) {
    const runs = report.runs
      .filter((r) => r.configuration === name)
      .map((r) => capacityOfRun(r, { ...options, model }))
      .filter((c): c is RunCapacity => c !== null);
    if (runs.length === 0) continue;
    const rates = runs.map((r) => r.sustainedRateRps);
    const sustainedRateRps = rates.some((r) => r === null) ? null : Math.min(...(rates as number[]));
    out.push({
      configuration: name,
      runs,
      sustainedRateRps,
      usersSupported: sustainedRateRps === null ? null : usersSupported(model, sustainedRateRps),
    });
  }
  return out;
}
