import { join } from 'node:path';
import { buildReport } from '../reports/build-report.ts';
import { describeHost } from './host-info.ts';
import type { Report } from '../reports/report-schema.ts';
import { renderTextTables } from '../reports/render/text-table.ts';
import type { RunResult } from '../lib/result-schema.ts';
import { writeReport } from '../reports/write-report.ts';
import { newRunId } from '../containers/stack.ts';
import { generateDataset } from '../scenarios/workload/dataset.ts';
import type { Dataset } from '../lib/dataset-types.ts';
import { createWorkloadModel } from '../scenarios/workload/model.ts';
import { FeedscaleError } from '../lib/errors.ts';
import { type JobManifest, createJobFolder, linkLatest, readFinishedRuns, slotKey, writeRunResult } from './job-folder.ts';
import { type RunOneContext, runTogether } from './run-one.ts';
import { streamSeed } from './stream-seed.ts';
import { modelForReport, writeJobCalibration } from './calibration/job-calibration.ts';
import { startHostSampler, type HostCpuSeries } from './calibration/host-sampler.ts';

export interface MainJobContext extends RunOneContext {
  feedscaleVersion: string;
  gitCommit?: string;
}

export interface PlanReport {
  plan: string;
  report: Report;
  files: { jsonPath: string; markdownPath: string; htmlPath?: string };
  table: string;
}

export interface MainJobResult {
  outDir: string;
  reports: PlanReport[];
  /** Runs taken from the folder of an earlier attempt (resume) rather than run now. */
  resumedRuns: number;
  /** Repeats run again because their load generator was unhealthy. */
  rerunAttempts: number;
  /** The machine's CPU over the job (/proc/stat), to tell the stack's load from other work on it; null where not sampled. */
  hostCpu: HostCpuSeries | null;
  elapsedMs: number;
}

/** The order runs happen in: configurations interleaved per repeat (A B A B), to cancel machine drift. */
export function interleave<T>(configurations: readonly T[], repeats: number): Array<{ configuration: T; repeat: number }> {
  const order: Array<{ configuration: T; repeat: number }> = [];
  for (let repeat = 0; repeat < repeats; repeat++) for (const configuration of configurations) order.push({ configuration, repeat });
  return order;
}

/**
 * The order a group's configurations are loaded in (indexes): given order, except that an
 * alternating duet loads A then B, and B then A on the next repeat, so a steady drift of the
 * machine's speed adds to one pair what it takes from the next instead of biasing every pair.
 */
export function loadOrder(count: number, repeat: number, duet: boolean | 'alternating'): number[] {
  const order = Array.from({ length: count }, (_, k) => k);
  return duet === 'alternating' && repeat % 2 === 1 ? order.reverse() : order;
}

/** A repeat is done once one attempt had a healthy generator, or when no attempt is left. */
export function isSettled(attempts: readonly RunResult[], maxAttempts: number): boolean {
  return attempts.some((a) => a.generator.valid) || attempts.length >= maxAttempts;
}

export { streamSeed } from './stream-seed.ts';

/**
 * The main job: for every plan, every configuration (interleaved over repeats): start the
 * stack, seed the same dataset, drive the plan, collect, tear down; then build, write and print
 * one report per plan. Each finished run is written to the job folder at once; given
 * `resumeDir`, runs already there are not run again.
 */
export async function runMainJob(manifest: JobManifest, ctx: MainJobContext, resumeDir?: string): Promise<MainJobResult> {
  const started = Date.now();
  const { run, configurations, plans } = manifest;
  const createdAt = new Date(started).toISOString();
  const outDir = resumeDir ?? (await createJobFolder(run.outDir, createdAt, newRunId(), manifest));
  const finished = resumeDir ? await readFinishedRuns(resumeDir) : new Map<string, RunResult[]>();
  ctx.log.info(resumeDir ? `resuming ${outDir}: ${[...finished.values()].flat().length} run(s) already done` : `results go to ${outDir}`);

  const model = createWorkloadModel(run.workload);
  const datasets = new Map<number, Dataset>();
  const datasetFor = (logicalShards: number): Dataset => {
    let dataset = datasets.get(logicalShards);
    if (!dataset) {
      const t0 = Date.now();
      dataset = generateDataset(model, { seed: run.seed, logicalShards });
      datasets.set(logicalShards, dataset);
      ctx.log.info(
        { users: dataset.users.length, follows: dataset.follows.length, media: dataset.media.length, elapsedMs: Date.now() - t0 },
        `dataset generated from seed ${run.seed}`,
      );
    }
    return dataset;
  };

  // A group runs at the same time: one configuration (A B A B, back to back), or all of a
  // repeat's configurations side by side in duet mode (loaded together, or in turn when alternating).
  const groups = plans.flatMap((plan) =>
    run.duet
      ? Array.from({ length: run.repeats }, (_, repeat) => ({ plan, repeat, configurations }))
      : interleave(configurations, run.repeats).map(({ configuration, repeat }) => ({ plan, repeat, configurations: [configuration] })),
  );
  const runsByPlan = new Map<string, RunResult[]>(plans.map((p) => [p.name, []]));
  // The machine's CPU beside the collectors: the model tells the stack's load from other work by it.
  using hostSampler = startHostSampler();
  let resumedRuns = 0;
  let rerunAttempts = 0;
  for (const [i, { plan, repeat, configurations: together }] of groups.entries()) {
    const label = `[${i + 1}/${groups.length}] ${plans.length > 1 ? `${plan.name} ` : ''}${together.map((c) => c.name).join(' + ')} (repeat ${repeat + 1}/${run.repeats})`;
    // Every attempt is kept: the report shows what was re-run and why; verdicts use healthy ones.
    // A group is re-run whole, so the sides of a duet always ran together.
    const attempts = together.map((c) => [...(finished.get(slotKey(plan.name, c.name, repeat)) ?? [])]);
    const done = attempts.reduce((n, a) => n + a.length, 0);
    if (done > 0) {
      ctx.log.info(`${label}: ${done} run(s) done in an earlier run of this job`);
      resumedRuns += done;
    }
    const attemptOf = () => Math.max(...attempts.map((a) => a.length));
    while (!attempts.every((a) => isSettled(a, run.maxAttempts))) {
      if (ctx.signal.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted');
      const attempt = attemptOf();
      if (attempt > 0) {
        rerunAttempts += 1;
        const why = attempts.flatMap((a) => a[a.length - 1]?.generator.reasons ?? []).join('; ');
        ctx.log.warn(`${label}: running the repeat again (attempt ${attempt + 1}/${run.maxAttempts}): the load generator was unhealthy: ${why}`);
      }
      const order = loadOrder(together.length, repeat, run.duet);
      const inTurn = await runTogether(
        order.map((k) => together[k]!).map((configuration) => ({
          label: `${attempt > 0 ? `${label} attempt ${attempt + 1}` : label}${together.length > 1 ? ` ${configuration.name}` : ''}`,
          configuration,
          plan,
          repeat,
          attempt,
          dataset: datasetFor(configuration.stack.logicalShards),
          workload: run.workload,
          seed: run.seed,
          streamSeed: streamSeed(run.seed, repeat),
        })),
        { ...ctx, stackEngine: run.engine, jobDir: outDir },
        { inTurn: run.duet === 'alternating' },
      );
      const results = together.map((_, k) => inTurn[order.indexOf(k)]!);
      for (const [k, result] of results.entries()) {
        await writeRunResult(outDir, plan.name, result);
        attempts[k]!.push(result);
      }
    }
    for (const [k, configuration] of together.entries()) {
      if (!attempts[k]!.some((a) => a.generator.valid)) ctx.log.warn(`${label}: ${configuration.name} had no healthy attempt in ${attempts[k]!.length}; this repeat gives no latency verdict`);
      runsByPlan.get(plan.name)!.push(...attempts[k]!);
    }
  }

  const hostCpu = hostSampler.stop();
  // A by-product of every job: the model calibrated on its runs (docs/modelling.md).
  ctx.log.info('calibrating the model on the runs of this job (calibration.json)...');
  const calibrated = await writeJobCalibration(outDir, manifest, runsByPlan, { createdAt, hostCpu });
  if (calibrated.path === null) ctx.log.warn(`no calibration.json: ${calibrated.reason}`);
  else ctx.log.info(`model calibration: ${calibrated.path}`);
  const reports: PlanReport[] = [];
  for (const plan of plans) {
    const report = buildReport({
      runs: runsByPlan.get(plan.name)!,
      configurations: configurations.map((c) => ({ name: c.name, description: c.description, stack: c.stack })),
      metadata: {
        feedscaleVersion: ctx.feedscaleVersion,
        ...(ctx.gitCommit ? { gitCommit: ctx.gitCommit } : {}),
        createdAt,
        host: describeHost(),
        imageCatalog: { requested: ctx.catalog.requested, used: ctx.catalog.kind, reason: ctx.catalog.reason },
        seed: run.seed,
        plan: plan.name,
      },
    });
    // One calibration per configuration left out, each replaying its runs: tens of seconds for a large job.
    ctx.log.info(`plan ${plan.name}: model vs measured (leave one out over ${configurations.length} configurations)...`);
    const modelStarted = Date.now();
    const modelSection = modelForReport(report, plan, run, { log: ctx.log, hostCpu });
    if (modelSection) report.model = modelSection;
    ctx.log.info(`plan ${plan.name}: model vs measured done in ${((Date.now() - modelStarted) / 1000).toFixed(1)} s`);
    // One plan keeps the report at the top of the folder; several get a folder each.
    const dir = plans.length === 1 ? outDir : join(outDir, plan.name);
    const files = await writeReport(dir, report, { slo: plan.slo, model, jobFolderHref: plans.length === 1 ? '' : '../' });
    reports.push({ plan: plan.name, report, files, table: renderTextTables(report) });
  }
  await linkLatest(run.outDir, outDir);
  return { outDir, reports, resumedRuns, rerunAttempts, hostCpu, elapsedMs: Date.now() - started };
}
