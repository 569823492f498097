import { createWorkloadModel, usersSupported, type WorkloadModel } from '../scenarios/workload/model.ts';
import type { Report } from './report-schema.ts';
import { selectRepeats } from './stats/repeat-selection.ts';
import type { RunResult, StepResult } from '../lib/result-schema.ts';
import { type StepSlo, type StepVerdict, judgeStep as judgeStepAgainstSlo } from '../scenarios/plans/step-verdict.ts';

/**
 * Capacity from stepped (ramp) runs: the highest rate a configuration sustains under the SLO,
 * and what that rate means in 2011 users (docs/facts.md, "the scale rule": users supported =
 * sustained rate / (2011 peak rate / 14M), computed by scenarios/workload/model.ts).
 */
export type CapacitySlo = StepSlo;

/** The plan schema's defaults (scenarios/plans/plan-schema.ts slo). */
export const DEFAULT_CAPACITY_SLO: Readonly<CapacitySlo> = Object.freeze({ p99Ms: 250, errorRateMax: 0.01 });

export interface CapacityOptions {
  slo?: CapacitySlo;
  /** Endpoints the SLO applies to (default: every endpoint of the step). */
  endpoints?: readonly string[];
  minAchievedFraction?: number;
}

/**
 * What limited the search: `slo`, the system broke the SLO at the knee (a measured capacity);
 * `generator`, the load generator fell behind before the system broke; `ramp`, every step met
 * the SLO. Only `slo` gives a figure; the others give a lower bound (>=), never a capacity.
 */
export type CapacityLimit = 'slo' | 'generator' | 'ramp';

export interface StepsCapacity {
  /** Steps in time order with their verdicts. */
  steps: StepVerdict[];
  /** Highest rate at which this and every lower rate met the SLO; null when the lowest failed. */
  sustainedRateRps: number | null;
  /** The lowest rate that failed the SLO (the knee); null when every step met it. */
  kneeRateRps: number | null;
  limitedBy: CapacityLimit;
  /** true unless the knee was found: the sustained rate is then only a lower bound. */
  lowerBound: boolean;
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
  /** true when the lowest figure came from a repeat that did not find its knee (">="). */
  lowerBound: boolean;
  limitedBy: CapacityLimit;
}

export function judgeStep(step: StepResult, options: CapacityOptions = {}): StepVerdict {
  return judgeStepAgainstSlo(step, { ...options, slo: options.slo ?? DEFAULT_CAPACITY_SLO });
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
  for (const rate of rates) {
    const atRate = verdicts.filter((v) => v.rateRps === rate);
    // A step the generator could not drive says nothing: the search ends there, below a knee it never reached.
    if (atRate.some((v) => !v.generatorValid)) return { steps: verdicts, sustainedRateRps, kneeRateRps: null, limitedBy: 'generator', lowerBound: true };
    if (!atRate.every((v) => v.meetsSlo)) return { steps: verdicts, sustainedRateRps, kneeRateRps: rate, limitedBy: 'slo', lowerBound: false };
    sustainedRateRps = rate;
  }
  return { steps: verdicts, sustainedRateRps, kneeRateRps: null, limitedBy: 'ramp', lowerBound: true };
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
    // One run per repeat (its last healthy attempt, else its last): a re-run attempt is not an extra repeat.
    const runs = selectRepeats(report.runs, name)
      .shown.map((r) => capacityOfRun(r, { ...options, model }))
      .filter((c): c is RunCapacity => c !== null);
    if (runs.length === 0) continue;
    // The lowest over the repeats; its bound is that repeat's (a measured knee wins a tie).
    const lowest = [...runs].sort((a, b) => (a.sustainedRateRps ?? -1) - (b.sustainedRateRps ?? -1) || Number(a.lowerBound) - Number(b.lowerBound))[0]!;
    const sustainedRateRps = lowest.sustainedRateRps;
    out.push({
      configuration: name,
      runs,
      sustainedRateRps,
      usersSupported: sustainedRateRps === null ? null : usersSupported(model, sustainedRateRps),
      lowerBound: lowest.lowerBound,
      limitedBy: lowest.limitedBy,
    });
  }
  return out;
}
