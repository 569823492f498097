import { join } from 'node:path';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import { writeAtomically } from '../../reports/write-report.ts';
import { calibrate } from '../../simulator/calibration/calibrate.ts';
import type { Calibration } from '../../simulator/calibration/calibration-schema.ts';
import { validatePlan, type Plan } from '../../scenarios/plans/plan-schema.ts';
import type { StackConfig } from '../../containers/stack-config.ts';
import { describeHost } from '../host-info.ts';
import { readFinishedRuns, type JobManifest } from '../job-folder.ts';
import type { ResolvedConfiguration, RunConfig } from '../run-config.ts';
import { CALIBRATION_FILE, measuredRunsOfJob } from './job-calibration.ts';
import type { ManifestJobResult } from '../run-manifest-job.ts';

/**
 * `feedscale calibrate`: at most three calibration configurations run for real, each with the
 * plan's mix stepped through a few rates, and the model calibrated from them
 * (simulator/calibration/calibrate.ts). The configurations differ where the cost model needs
 * them to: cache on and off (memcached operations against rows read from Postgres) and 1 against
 * 4 shards (statements against rows); the steps separate each container's background CPU from
 * its CPU per request. Defaults keep it to about 6 minutes on a 2-core machine (3 x ~80 s of
 * stack start and seeding, 35 s of load each).
 */
export const MAX_CALIBRATION_CONFIGURATIONS = 3;
export const DEFAULT_CALIBRATION_RATES_RPS: readonly number[] = Object.freeze([40, 120, 200]);
export const DEFAULT_CALIBRATION_STEP_S = 10;
export const DEFAULT_CALIBRATION_WARMUP_S = 5;

/** The default calibration configurations on a base stack. */
export function calibrationConfigurations(base: Readonly<StackConfig>): ResolvedConfiguration[] {
  const make = (name: string, description: string, change: Partial<StackConfig>): ResolvedConfiguration => ({ name, description, stack: { ...base, ...change } as StackConfig });
  return [
    make('cal-shards-1-memcached-on', 'calibration: 1 shard, memcached on', { physicalShards: 1, cache: 'memcached' }),
    make('cal-shards-1-memcached-off', 'calibration: 1 shard, no cache', { physicalShards: 1, cache: 'off' }),
    make('cal-shards-4-memcached-off', 'calibration: 4 shards, no cache', { physicalShards: 4, cache: 'off' }),
  ];
}

/** The plan's mix at stepped rates: a warm-up at the first rate, then one step per rate. */
export function calibrationPlan(base: Readonly<Plan>, options: { ratesRps?: readonly number[]; stepS?: number; warmupS?: number } = {}): Readonly<Plan> {
  const rates = options.ratesRps ?? DEFAULT_CALIBRATION_RATES_RPS;
  const stepS = options.stepS ?? DEFAULT_CALIBRATION_STEP_S;
  const warmupS = options.warmupS ?? DEFAULT_CALIBRATION_WARMUP_S;
  if (rates.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'calibration needs at least one rate', { details: ['rates: at least one rate'] });
  return validatePlan(
    {
      name: 'calibration',
      description: `Calibration of the model: the ${base.name} mix at ${rates.join(', ')} req/s, ${stepS} s each.`,
      driver: 'open-loop',
      arrival: { kind: 'steps', steps: rates.map((rateRps, i) => ({ rateRps, durationS: i === 0 ? warmupS + stepS : stepS })) },
      warmupS,
      durationS: rates.length * stepS,
      mix: base.mix,
      ...(base.targeting ? { targeting: base.targeting } : {}),
      timeoutMs: base.timeoutMs,
      slo: base.slo,
    },
    'calibration plan',
  );
}

export interface CalibrateJobOptions {
  run: Readonly<RunConfig>;
  /** The plan whose mix is calibrated (e.g. feed-read). */
  plan: Readonly<Plan>;
  configurations?: readonly ResolvedConfiguration[];
  ratesRps?: readonly number[];
  stepS?: number;
  /** Also write the calibration here (besides calibration.json in the job folder). */
  outFile?: string;
}

export interface CalibrateJobResult {
  calibration: Calibration;
  outDir: string;
  paths: string[];
}

export function calibrationManifest(options: CalibrateJobOptions): JobManifest {
  const configurations = [...(options.configurations ?? calibrationConfigurations(options.run.stack as StackConfig))];
  if (configurations.length > MAX_CALIBRATION_CONFIGURATIONS) {
    throw new FeedscaleError('CFG_ERR_INVALID', `calibration runs at most ${MAX_CALIBRATION_CONFIGURATIONS} configurations (got ${configurations.length})`, {
      details: [`/configurations: at most ${MAX_CALIBRATION_CONFIGURATIONS}`],
    });
  }
  const plan = calibrationPlan(options.plan, { ...(options.ratesRps ? { ratesRps: options.ratesRps } : {}), ...(options.stepS ? { stepS: options.stepS } : {}) });
  return { run: { ...options.run, repeats: 1, maxAttempts: 1 } as RunConfig, configurations, plans: [plan as Plan] };
}

/**
 * Runs the calibration configurations for real (through `runManifest`: cli wires the engine and
 * catalog, see runner/calibration/run-manifest.ts) and writes calibration.json into the job
 * folder, and to `outFile` when given.
 */
export async function runCalibrateJob(
  options: CalibrateJobOptions,
  deps: { runManifest: (manifest: JobManifest) => Promise<ManifestJobResult>; log: Logger },
): Promise<CalibrateJobResult> {
  const manifest = calibrationManifest(options);
  deps.log.info(`calibration: ${manifest.configurations.map((c) => c.name).join(', ')} with ${manifest.plans[0]!.description}`);
  const { job, hostCpu } = await deps.runManifest(manifest);
  const finished = await readFinishedRuns(job.outDir);
  const runsByPlan = new Map<string, RunResult[]>();
  for (const [key, attempts] of finished) {
    const plan = key.slice(0, key.indexOf('/'));
    runsByPlan.set(plan, [...(runsByPlan.get(plan) ?? []), ...attempts]);
  }
  const runs = measuredRunsOfJob(manifest, runsByPlan);
  const calibration = calibrate({
    runs,
    workload: { seed: manifest.run.seed, overrides: { ...manifest.run.workload } },
    host: describeHost(),
    createdAt: new Date().toISOString(),
    ...(hostCpu ? { hostCpu } : {}),
  });
  const text = `${JSON.stringify(calibration, null, 2)}\n`;
  const paths = [join(job.outDir, CALIBRATION_FILE), ...(options.outFile ? [options.outFile] : [])];
  for (const path of paths) await writeAtomically(path, text);
  await writeAtomically(join(job.outDir, 'host-cpu.json'), `${JSON.stringify(hostCpu)}\n`);
  return { calibration, outDir: job.outDir, paths };
}
