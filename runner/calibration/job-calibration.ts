import { join } from 'node:path';
import type { Logger } from '../../lib/logger.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import { buildModelValidation } from '../../reports/model/build-model-validation.ts';
import type { ModelValidation } from '../../reports/model/model-validation-schema.ts';
import type { Report } from '../../reports/report-schema.ts';
import { writeAtomically } from '../../reports/write-report.ts';
import { calibrate } from '../../simulator/calibration/calibrate.ts';
import type { Calibration } from '../../simulator/calibration/calibration-schema.ts';
import type { MeasuredRun } from '../../simulator/calibration/calibration-input.ts';
import type { HostCpuSeries } from '../../simulator/calibration/host-load.ts';
import type { Plan } from '../../scenarios/plans/plan-schema.ts';
import { describeHost } from '../host-info.ts';
import type { JobManifest } from '../job-folder.ts';
import { streamSeed } from '../stream-seed.ts';

export const CALIBRATION_FILE = 'calibration.json';

/** The measured runs of a job with their stacks and plans, as calibration reads them. */
export function measuredRunsOfJob(manifest: JobManifest, runsByPlan: ReadonlyMap<string, readonly RunResult[]>): MeasuredRun[] {
  const stacks = new Map(manifest.configurations.map((c) => [c.name, c.stack]));
  const plans = new Map<string, Plan>(manifest.plans.map((p) => [p.name, p]));
  return [...runsByPlan].flatMap(([planName, runs]) =>
    runs
      .filter((run) => run.server !== undefined && stacks.has(run.configuration) && plans.has(planName))
      .map((run) => ({ run, stack: stacks.get(run.configuration), plan: plans.get(planName)!, streamSeed: streamSeed(manifest.run.seed, run.repeat) })),
  );
}

/**
 * calibration.json of a finished job, as a by-product: every run of every plan with server
 * metrics calibrates the model (simulator/calibration/calibrate.ts). Returns null (and writes
 * nothing) when no run carried server metrics. Never throws for a calibration that cannot be
 * fitted: the job's results matter more; the reason is returned instead.
 * runner/main-job.ts calls it after the runs of every job.
 */
export async function writeJobCalibration(
  outDir: string,
  manifest: JobManifest,
  runsByPlan: ReadonlyMap<string, readonly RunResult[]>,
  options: { createdAt: string; hostCpu?: HostCpuSeries | null },
): Promise<{ path: string; calibration: Calibration } | { path: null; reason: string }> {
  const runs = measuredRunsOfJob(manifest, runsByPlan);
  if (runs.length === 0) return { path: null, reason: 'no run carried server-side metrics' };
  try {
    const calibration = calibrate({
      runs,
      workload: { seed: manifest.run.seed, overrides: { ...manifest.run.workload } },
      host: describeHost(),
      createdAt: options.createdAt,
      ...(options.hostCpu ? { hostCpu: options.hostCpu } : {}),
    });
    const path = join(outDir, CALIBRATION_FILE);
    await writeAtomically(path, `${JSON.stringify(calibration, null, 2)}\n`);
    return { path, calibration };
  } catch (err) {
    return { path: null, reason: (err as Error).message };
  }
}

/**
 * The report's "model vs measured" section for one plan of a job (reports/model/), with the
 * runner's request-stream seeds. null when no run carried server metrics or the model could not
 * be built (logged as a warning); the report is then written without it.
 * runner/main-job.ts sets it on every report before writing it.
 */
export function modelForReport(report: Report, plan: Plan, run: JobManifest['run'], options: { log?: Logger; hostCpu?: HostCpuSeries | null } = {}): ModelValidation | null {
  const { hostCpu } = options;
  try {
    return buildModelValidation({
      report,
      plan,
      workload: { seed: run.seed, overrides: { ...run.workload } },
      streamSeedOf: (repeat) => streamSeed(run.seed, repeat),
      ...(hostCpu ? { hostCpu } : {}),
    });
  } catch (err) {
    options.log?.warn({ err: (err as Error).message }, `no model-vs-measured section for plan ${plan.name}`);
    return null;
  }
}
