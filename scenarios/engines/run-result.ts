import type { WriteLogData } from './write-log.ts';
import { RESULT_SCHEMA_VERSION, type Driver, type EndpointResult, type GeneratorHealth, type GeneratorInstance, type RunResult, type StepResult } from '../../lib/result-schema.ts';

/** What an engine measured; the run's identity (configuration, plan, ...) is added by toRunResult. */
export interface EngineRun {
  driver: Driver;
  loadModel: 'open' | 'closed';
  /** Length of the measured window (warm-up excluded), seconds. */
  durationS: number;
  warmupS: number;
  /** The per-request timeout; unserved starts are recorded at it. */
  timeoutMs: number;
  generator: GeneratorHealth;
  /** Each generator of a run split over several (generator-pool.ts); absent for one. */
  generators?: GeneratorInstance[];
  endpoints: EndpointResult[];
  /** Per-step breakdown of a stepped arrival plan (open loop); absent otherwise. */
  steps?: StepResult[];
  /**
   * Open loop: acknowledged writes and failed requests, for the write audit and the fault effects
   * (runner/). Plain data (it crosses from generator processes); never part of the RunResult.
   */
  writeLog?: WriteLogData;
}

/** The run's identity, known to the caller, not to the engine. */
export interface RunMetadata {
  configuration: string;
  plan: string;
  repeat: number;
  /** Attempt of the repeat (a repeat with an unhealthy generator is run again). Default 0. */
  attempt?: number;
  seed: number;
  /** ISO 8601 date-time of the start of the run. */
  startedAt: string;
}

export function toRunResult(run: EngineRun, meta: RunMetadata): RunResult {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    configuration: meta.configuration,
    plan: meta.plan,
    repeat: meta.repeat,
    attempt: meta.attempt ?? 0,
    driver: run.driver,
    loadModel: run.loadModel,
    seed: meta.seed,
    startedAt: meta.startedAt,
    durationS: run.durationS,
    warmupS: run.warmupS,
    timeoutMs: run.timeoutMs,
    generator: run.generator,
    ...(run.generators ? { generators: run.generators } : {}),
    endpoints: run.endpoints,
    ...(run.steps ? { steps: run.steps } : {}),
  };
}
