import type { RunResult } from '../../lib/result-schema.ts';
import { RESULT_SCHEMA_VERSION } from '../../lib/result-schema-version.ts';
import type { Plan } from '../../scenarios/plans/plan-schema.ts';
import type { Calibration } from '../calibration/calibration-schema.ts';
import type { Placement } from './placement.ts';
import { predictStack, type PredictOptions, type StackPrediction } from './predict-stack.ts';
import type { ReferenceStackShape } from './stack-shape.ts';
import { profileWork, type WorkloadSource } from './work-profile.ts';

/**
 * A plan run against one configuration, predicted instead of measured (`feedscale simulate`):
 * the workload replayed for the work profile, the stack model solved at the plan's rate, and
 * the knee: the highest rate (the plan's mix kept) at which every endpoint's p99 meets the SLO
 * and no resource saturates.
 */
export interface PlanPredictionInput {
  shape: ReferenceStackShape;
  plan: Readonly<Plan>;
  calibration: Calibration;
  placement: Placement;
  source: WorkloadSource;
}

/** The plan at a constant rate (its mix, warm-up and duration kept). */
function atRate(plan: Readonly<Plan>, rateRps: number): Readonly<Plan> {
  return { ...plan, arrival: { kind: 'constant', rateRps } };
}

/** Mean rate of the plan's measured window. */
export function planRateRps(plan: Readonly<Plan>): number {
  if (plan.arrival.kind !== 'steps') return plan.arrival.rateRps;
  const steps = plan.arrival.steps;
  return steps.reduce((a, s) => a + s.rateRps * s.durationS, 0) / Math.max(1e-9, steps.reduce((a, s) => a + s.durationS, 0));
}

export function predictPlan(input: PlanPredictionInput, options: PredictOptions = {}): StackPrediction {
  const profile = profileWork(input.source, input.plan.arrival.kind === 'steps' ? atRate(input.plan, planRateRps(input.plan)) : input.plan, input.shape);
  return predictStack({ shape: input.shape, classes: profile.total.classes, calibration: input.calibration, placement: input.placement, timeoutS: input.plan.timeoutMs / 1000 }, options);
}

export interface KneePrediction {
  /** Highest rate meeting the SLO; null when even the lowest rate tried fails. */
  kneeRateRps: number | null;
  /** What fails just above the knee. */
  limitedBy: string;
  /** The prediction at the knee. */
  atKnee: StackPrediction | null;
}

/** Failure of the SLO at a prediction, or null when it holds. */
function sloFailure(prediction: StackPrediction, p99Ms: number): string | null {
  if (prediction.bottleneck.utilisation >= 1) return `${prediction.bottleneck.id} saturated`;
  for (const e of prediction.endpoints) {
    if (!e.stable || e.p99Ms === null) return `${e.endpoint} has no steady state`;
    if (e.p99Ms > p99Ms) return `${e.endpoint} p99 ${e.p99Ms.toFixed(0)} ms > ${p99Ms} ms`;
  }
  return null;
}

/**
 * Bisection on the rate between 0 and the first rate that fails (doubling from the plan's rate),
 * to `relativeTolerance` (default 2%). Each step replays the workload at that rate, so the cache's
 * warm-up over the plan's duration is the one a run at that rate would see.
 */
export function predictKnee(input: PlanPredictionInput, options: { relativeTolerance?: number; maxRateRps?: number } = {}): KneePrediction {
  const slo = input.plan.slo.p99Ms;
  const evaluate = (rateRps: number) => {
    const prediction = predictPlan({ ...input, plan: atRate(input.plan, rateRps) });
    return { prediction, failure: sloFailure(prediction, slo) };
  };
  const maxRate = options.maxRateRps ?? 100_000;
  let lo = 0;
  let best: StackPrediction | null = null;
  let hi = Math.max(1, planRateRps(input.plan));
  let limitedBy = 'nothing within the rates tried';
  for (;;) {
    const attempt = evaluate(hi);
    if (attempt.failure !== null) {
      limitedBy = attempt.failure;
      break;
    }
    lo = hi;
    best = attempt.prediction;
    if (hi >= maxRate) return { kneeRateRps: hi, limitedBy, atKnee: best };
    hi = Math.min(maxRate, hi * 2);
  }
  const tolerance = options.relativeTolerance ?? 0.02;
  while (hi - lo > tolerance * hi) {
    const mid = (lo + hi) / 2;
    const attempt = evaluate(mid);
    if (attempt.failure === null) {
      lo = mid;
      best = attempt.prediction;
    } else {
      hi = mid;
      limitedBy = attempt.failure;
    }
  }
  return { kneeRateRps: lo > 0 ? lo : null, limitedBy, atKnee: best };
}

/**
 * A RunResult that carries a prediction, so that the report builder and renderers treat it as
 * they treat a measured run. Percentiles only (no histogram, as from k6: the report then uses
 * them as they are); the generator block says the figures are predicted.
 */
export function predictedRunResult(input: { configuration: string; plan: Readonly<Plan>; prediction: StackPrediction; seed: number; startedAt: string }): RunResult {
  const { plan, prediction } = input;
  const rate = planRateRps(plan);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    configuration: input.configuration,
    plan: plan.name,
    repeat: 0,
    attempt: 0,
    driver: 'open-loop',
    loadModel: 'open',
    seed: input.seed,
    startedAt: input.startedAt,
    durationS: plan.durationS,
    warmupS: plan.warmupS,
    timeoutMs: plan.timeoutMs,
    generator: {
      cpuCoreFraction: 0,
      eventLoopDelayP99Ms: 0,
      eventLoopDelayMaxMs: 0,
      intendedRateRps: rate,
      achievedRateRps: rate,
      sendLagP99Ms: 0,
      sendLagP999Ms: 0,
      completedRateRps: prediction.endpoints.reduce((a, e) => a + e.throughputRps, 0),
      valid: true,
      reasons: [],
    },
    endpoints: prediction.endpoints.map((e) => {
      const count = Math.round(e.throughputRps * plan.durationS);
      const percentiles = {
        count,
        minMs: 0,
        meanMs: e.meanMs ?? 0,
        p50Ms: e.p50Ms ?? plan.timeoutMs,
        p90Ms: e.p90Ms ?? plan.timeoutMs,
        p99Ms: e.p99Ms ?? plan.timeoutMs,
        p999Ms: e.p999Ms ?? e.p99Ms ?? plan.timeoutMs,
        // The model gives no maximum; the p99.9 stands in for it.
        maxMs: e.p999Ms ?? e.p99Ms ?? plan.timeoutMs,
      };
      const intended = Math.round(e.rateRps * plan.durationS);
      return {
        endpoint: e.endpoint,
        intended,
        sent: intended,
        ok: count,
        errors: (intended > count ? { predicted_overload: intended - count } : {}) as Record<string, number>,
        unserved: 0,
        throughputRps: e.throughputRps,
        fromIntended: { percentiles, histogram: '' },
        latencyFrom: 'intended' as const,
        fromSend: { percentiles, histogram: '' },
      };
    }),
  };
}
