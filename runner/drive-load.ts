import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { RunResult } from '../lib/result-schema.ts';
import { runK6 } from '../scenarios/drivers/k6-runner.ts';
import { runClosedLoop } from '../scenarios/engines/autocannon-driver.ts';
import { FeedscaleError } from '../lib/errors.ts';
import { type OpenLoopProgress, runOpenLoop } from '../scenarios/engines/open-loop-engine.ts';
import { runGeneratorPool } from '../scenarios/engines/generator-pool.ts';
import { runSearch } from '../scenarios/engines/search-ramp.ts';
import type { StepVerdict } from '../scenarios/plans/step-verdict.ts';
import type { EngineRun } from '../scenarios/engines/run-result.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import { inFlightCapOf } from '../scenarios/plans/in-flight-cap.ts';
import { createRequestGenerator } from '../scenarios/requests/request-generator.ts';
import type { Population } from '../scenarios/workload/population-schema.ts';

export interface DriveLoadOptions {
  plan: Readonly<Plan>;
  /** nginx of the stack: http://127.0.0.1:<port> */
  baseUrl: string;
  population: Population;
  /** Seed of this repeat's request stream (the same for every configuration). */
  streamSeed: number;
  docker: Dockerode;
  signal: AbortSignal;
  onProgress?: (progress: OpenLoopProgress) => void;
  /** Capacity-search plans: called after each step with its verdict. */
  onStep?: (verdict: StepVerdict, index: number) => void;
  /** Open loop: told the load's t = 0 (performance.now() ms) just before the first send (several generators: their common start); faults align on it. */
  onStart?: (originMs: number) => void;
}

/**
 * Runs a plan with the driver it names. Every driver draws from the same seeded request
 * generator. Only the open-loop engine's latency gives verdicts: autocannon's is labelled
 * closed loop, and k6's run is invalid for latency with any dropped iteration.
 */
export async function driveLoad(options: DriveLoadOptions): Promise<EngineRun | RunResult> {
  const { plan, baseUrl, population, streamSeed, signal } = options;
  const streamOptions = { ...plan.targeting, seed: streamSeed, mix: plan.mix, population };
  const source = createRequestGenerator(streamOptions);
  if (plan.search && plan.arrival.kind !== 'steps') {
    if (plan.driver !== 'open-loop') throw new FeedscaleError('CFG_ERR_INVALID', `/driver: plan "${plan.name}" is a capacity search, which only the open-loop driver can run`);
    return runSearch({
      baseUrl,
      source,
      arrivalKind: plan.arrival.kind,
      seed: streamSeed,
      startRps: plan.arrival.rateRps,
      growth: plan.search.growth,
      maxRps: plan.search.maxRps,
      refineSteps: plan.search.refineSteps,
      stepWarmupS: plan.warmupS,
      stepS: plan.durationS,
      timeoutMs: plan.timeoutMs,
      capFor: (rateRps) => inFlightCapOf({ ...plan, arrival: { kind: 'constant', rateRps } }),
      slo: plan.slo,
      signal,
      ...(options.onStep ? { onStep: options.onStep } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  switch (plan.driver) {
    case 'open-loop': {
      const run = {
        baseUrl,
        arrival: plan.arrival.kind === 'poisson' ? { ...plan.arrival, seed: streamSeed } : plan.arrival,
        durationS: plan.durationS,
        warmupS: plan.warmupS,
        maxInFlight: inFlightCapOf(plan),
        timeoutMs: plan.timeoutMs,
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      // Several generators: child processes, each a share of the same schedule and stream, merged exactly.
      if ((plan.generators ?? 1) > 1) {
        return runGeneratorPool({ ...run, generators: plan.generators!, source: { kind: 'requests', options: streamOptions }, ...(options.onStart ? { onStart: options.onStart } : {}) });
      }
      return runOpenLoop({ ...run, source, ...(options.onStart ? { onStart: options.onStart } : {}) });
    }
    case 'autocannon':
      // Closed loop: maxInFlight connections, each with one request outstanding.
      return runClosedLoop({ baseUrl, source, connections: inFlightCapOf(plan), durationS: plan.durationS, warmupS: plan.warmupS, timeoutMs: plan.timeoutMs, signal });
    case 'k6': {
      // k6 reads the plan from a file; the effective plan (with --rate/--duration overrides) goes in one.
      const dir = await mkdtemp(join(tmpdir(), 'feedscale-k6-'));
      try {
        const planPath = join(dir, `${plan.name}.json`);
        await writeFile(planPath, JSON.stringify(plan));
        const run = await runK6({ baseUrl, plan: planPath, population, seed: streamSeed, outPath: join(dir, 'result.json'), docker: options.docker, signal });
        return run.result;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
}
