import type { EndpointResult, StepResult } from '../../lib/result-schema.ts';
import { encodeHistogram, mergeEncoded, percentilesOf, toLatency } from '../../lib/histogram.ts';
import { FeedscaleError } from '../../lib/errors.ts';
import { type StepSlo, type StepVerdict, judgeStep } from '../plans/step-verdict.ts';
import { assessGeneratorHealth } from './generator-health.ts';
import { type OpenLoopProgress, runOpenLoop } from './open-loop-engine.ts';
import type { RequestSource } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

/**
 * Capacity search: hold a rate, judge the step against the SLO, go up by `growth` while it
 * passes; once a step breaks the SLO, bisect between the last passing and the first failing
 * rate for `refineSteps` more steps; stop at `maxRps`, or where the load generator itself fell
 * behind. Each step is a short open-loop run of its own (warm-up, then measured), so every
 * step's latency is from intended start with its own histogram, and the decision for the next
 * step sees everything the last one measured (in-flight requests included).
 *
 * Why a search and not a fixed staircase: a staircase that stops below the knee reports its
 * ceiling as a capacity (the 2011 ramp stopped at 300 rps while the stack served ~1,800
 * closed loop). Here a knee the search did not reach is a lower bound, and says so.
 */
export interface SearchOptions {
  baseUrl: string;
  /** One stream for the whole search: step k continues where step k-1 stopped. */
  source: RequestSource;
  arrivalKind: 'constant' | 'poisson';
  /** Seeds the Poisson arrivals of each step (step k uses seed + k). */
  seed: number;
  startRps: number;
  growth: number;
  maxRps: number;
  refineSteps: number;
  /** Per step: sent but not judged, then measured. */
  stepWarmupS: number;
  stepS: number;
  timeoutMs: number;
  /** The in-flight cap for a rate (scenarios/plans/in-flight-cap.ts). */
  capFor: (rateRps: number) => number;
  slo: StepSlo;
  signal?: AbortSignal;
  /** Called after each step with its verdict. */
  onStep?: (verdict: StepVerdict, index: number) => void;
  /** Cumulative progress over the steps, about once a second. */
  onProgress?: (progress: OpenLoopProgress) => void;
}

/** The next rate to try, or undefined when the search is over. Pure; exported for tests. */
export function nextSearchRate(
  history: ReadonlyArray<{ rateRps: number; meetsSlo: boolean; generatorValid: boolean }>,
  options: Pick<SearchOptions, 'startRps' | 'growth' | 'maxRps' | 'refineSteps'>,
): number | undefined {
  if (history.length === 0) return options.startRps;
  const last = history[history.length - 1]!;
  if (!last.generatorValid) return undefined;
  const passing = history.filter((h) => h.generatorValid && h.meetsSlo).map((h) => h.rateRps);
  const failing = history.filter((h) => h.generatorValid && !h.meetsSlo).map((h) => h.rateRps);
  const bestPass = passing.length > 0 ? Math.max(...passing) : undefined;
  if (failing.length === 0) {
    if (bestPass === undefined || bestPass >= options.maxRps) return undefined;
    return Math.min(options.maxRps, bestPass * options.growth);
  }
  const firstFail = Math.min(...failing);
  const refinesDone = history.length - 1 - history.findIndex((h) => h.generatorValid && !h.meetsSlo);
  if (refinesDone >= options.refineSteps || bestPass === undefined) return undefined;
  const low = Math.max(...passing.filter((r) => r < firstFail), 0);
  const mid = (low + firstFail) / 2;
  // Narrower than 2% of the rate: the knee is known as well as two runs can tell apart.
  return firstFail - low <= 0.02 * firstFail ? undefined : Math.round(mid * 100) / 100;
}

/** One step's run as the per-step breakdown that capacity reads. */
function toStep(run: EngineRun, rateRps: number, startS: number): StepResult {
  return {
    rateRps,
    startS,
    durationS: run.durationS,
    endpoints: run.endpoints
      .filter((e) => e.sent + e.unserved > 0)
      .map((e) => {
        const failed = Object.values(e.errors).reduce((a, b) => a + b, 0);
        return {
          endpoint: e.endpoint,
          p99Ms: e.fromIntended.percentiles.p99Ms,
          errorRate: (failed + e.unserved) / (e.sent + e.unserved),
          sent: e.sent,
          unserved: e.unserved,
          ok: e.ok,
          histogram: e.fromIntended.histogram,
        };
      }),
    generator: { sendLagP99Ms: run.generator.sendLagP99Ms, sendLagP999Ms: run.generator.sendLagP999Ms, valid: run.generator.valid, reasons: run.generator.reasons },
  };
}

/** Every step's endpoint rows merged: counts added, histograms merged (never percentiles averaged). */
function mergeEndpoints(runs: readonly EngineRun[], durationS: number): EndpointResult[] {
  const byName = new Map<string, EndpointResult[]>();
  for (const run of runs) for (const e of run.endpoints) byName.set(e.endpoint, [...(byName.get(e.endpoint) ?? []), e]);
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([endpoint, rows]) => {
      const sum = (pick: (e: EndpointResult) => number) => rows.reduce((acc, e) => acc + pick(e), 0);
      const errors: Record<string, number> = {};
      for (const e of rows) for (const [kind, n] of Object.entries(e.errors)) errors[kind] = (errors[kind] ?? 0) + n;
      const fromIntended = mergeEncoded(rows.map((e) => e.fromIntended.histogram));
      const fromSend = mergeEncoded(rows.map((e) => e.fromSend.histogram));
      return {
        endpoint,
        intended: sum((e) => e.intended),
        sent: sum((e) => e.sent),
        ok: sum((e) => e.ok),
        errors,
        unserved: sum((e) => e.unserved),
        responseBytes: sum((e) => e.responseBytes ?? 0),
        throughputRps: durationS > 0 ? sum((e) => e.ok) / durationS : 0,
        fromIntended: { percentiles: percentilesOf(fromIntended), histogram: encodeHistogram(fromIntended) },
        latencyFrom: 'intended' as const,
        fromSend: toLatency(fromSend),
      };
    });
}

/**
 * Runs the search. The result's `steps` hold every step with its verdict inputs; `endpoints`
 * merge all steps; `generator` judges the steps that got a verdict (a final step where the
 * generator fell behind ends the search and makes the capacity a lower bound, not the run
 * unhealthy).
 */
export async function runSearch(options: SearchOptions): Promise<EngineRun> {
  const runs: EngineRun[] = [];
  const steps: StepResult[] = [];
  const history: Array<{ rateRps: number; meetsSlo: boolean; generatorValid: boolean }> = [];
  let startS = 0;
  const before = { sent: 0, completed: 0, failed: 0, unserved: 0, followUps: 0, elapsedS: 0 };
  for (let rate = nextSearchRate(history, options); rate !== undefined; rate = nextSearchRate(history, options)) {
    if (options.signal?.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'capacity search aborted');
    const run = await runOpenLoop({
      baseUrl: options.baseUrl,
      source: options.source,
      arrival: options.arrivalKind === 'poisson' ? { kind: 'poisson', rateRps: rate, seed: options.seed + steps.length } : { kind: 'constant', rateRps: rate },
      durationS: options.stepS,
      warmupS: options.stepWarmupS,
      maxInFlight: options.capFor(rate),
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress
        ? {
            onProgress: (p: OpenLoopProgress) => {
              options.onProgress!({ ...p, elapsedS: before.elapsedS + p.elapsedS, sent: before.sent + p.sent, completed: before.completed + p.completed, failed: before.failed + p.failed, unserved: before.unserved + p.unserved, followUps: before.followUps + p.followUps });
            },
          }
        : {}),
    });
    for (const e of run.endpoints) {
      before.sent += e.sent;
      before.unserved += e.unserved;
    }
    before.elapsedS += options.stepWarmupS + options.stepS;
    const step = toStep(run, rate, startS);
    const verdict = judgeStep(step, { slo: options.slo });
    options.onStep?.(verdict, steps.length);
    runs.push(run);
    steps.push(step);
    history.push({ rateRps: rate, meetsSlo: verdict.meetsSlo, generatorValid: verdict.generatorValid });
    startS += options.stepS;
  }
  const durationS = startS;
  const judged = runs.filter((r) => r.generator.valid);
  const pick = (f: (r: EngineRun) => number) => (judged.length > 0 ? Math.max(...judged.map(f)) : 0);
  const generator = assessGeneratorHealth({
    cpuCoreFraction: pick((r) => r.generator.cpuCoreFraction),
    eventLoopDelayP99Ms: pick((r) => r.generator.eventLoopDelayP99Ms),
    eventLoopDelayMaxMs: pick((r) => r.generator.eventLoopDelayMaxMs),
    sendLagP99Ms: pick((r) => r.generator.sendLagP99Ms),
    sendLagP999Ms: pick((r) => r.generator.sendLagP999Ms),
    // Rates over the judged steps, each step's rate weighted by its length.
    intendedRateRps: judged.reduce((a, r) => a + r.generator.intendedRateRps, 0) / Math.max(1, judged.length),
    achievedRateRps: judged.reduce((a, r) => a + r.generator.achievedRateRps, 0) / Math.max(1, judged.length),
    unservedRateRps: 0,
    completedRateRps: judged.reduce((a, r) => a + r.generator.completedRateRps, 0) / Math.max(1, judged.length),
  });
  return {
    driver: 'open-loop',
    loadModel: 'open',
    durationS,
    warmupS: options.stepWarmupS,
    timeoutMs: options.timeoutMs,
    generator,
    endpoints: mergeEndpoints(runs, durationS),
    steps,
  };
}
