import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, FeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { terminal } from '../lib/terminal.ts';
import { buildReport } from '../reports/build-report.ts';
import { renderFleetMarkdown } from '../reports/model/render-fleet.ts';
import { renderTextTables } from '../reports/render/text-table.ts';
import { writeReport } from '../reports/write-report.ts';
import { runCalibrateJob } from '../runner/calibration/calibrate-job.ts';
import { runManifestJob, type ManifestJobResult } from '../runner/run-manifest-job.ts';
import { describeHost } from '../runner/host-info.ts';
import type { JobManifest } from '../runner/job-folder.ts';
import { loadPlanForRun } from '../runner/plan-for-run.ts';
import { loadRunConfig, type RunConfig } from '../runner/run-config.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import { usersSupported, createWorkloadModel } from '../scenarios/workload/model.ts';
import { loadCalibration, type Calibration } from '../simulator/calibration/calibration-schema.ts';
import { sizeFleet } from '../simulator/fleet-sizing/size-fleet.ts';
import { describePlacement, type Placement } from '../simulator/reference-stack/placement.ts';
import { predictKnee, predictPlan, predictedRunResult } from '../simulator/reference-stack/predict-plan.ts';
import { stackShapeOf } from '../simulator/reference-stack/stack-shape.ts';
import { readJsonFile } from './options.ts';

type Wrap = <A extends unknown[]>(fn: (...args: A) => Promise<number>) => (...args: A) => Promise<void>;

export interface ModelCommandDeps {
  feedscaleVersion: string;
  gitCommit?: string;
  /** Runs a job from a manifest; default runner/run-manifest-job.ts (engine, catalog, interrupts, host sampling). */
  runManifest?: (manifest: JobManifest) => Promise<ManifestJobResult>;
}

/** Where `feedscale simulate` looks for a calibration when --calibration is not given. */
export const DEFAULT_CALIBRATION_PATHS = Object.freeze(['out/calibration.json', 'out/latest/calibration.json']);

async function loadRunAndPlans(configPath: string | undefined): Promise<{ run: Readonly<RunConfig>; manifest: JobManifest }> {
  const input = configPath ? await readJsonFile(configPath, 'config file') : {};
  const { run, configurations, plans } = loadRunConfig(input);
  const loaded = await Promise.all(plans.map((p) => loadPlanForRun({ plan: p, load: run.load }) as Promise<Plan>));
  return { run, manifest: { run: run as RunConfig, configurations: [...configurations], plans: loaded } };
}

async function readCalibration(path: string | undefined): Promise<Readonly<Calibration>> {
  const candidates = path ? [path] : DEFAULT_CALIBRATION_PATHS.filter((p) => existsSync(p));
  if (candidates.length === 0) {
    throw new FeedscaleError('CFG_ERR_FILE', `no calibration: pass --calibration FILE, or run \`feedscale calibrate\` (writes ${DEFAULT_CALIBRATION_PATHS[0]}); every \`feedscale run\` job folder has one too`);
  }
  return loadCalibration(await readJsonFile(candidates[0]!, 'calibration file'), `calibration ${candidates[0]}`);
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FeedscaleError('CFG_ERR_INVALID', `${flag} must be a positive integer (got ${JSON.stringify(value)})`, { details: [`${flag}: positive integer`] });
  return n;
}

/**
 * `feedscale calibrate` runs at most three calibration configurations for real and writes the
 * calibration file; `feedscale simulate` predicts, from a calibration, either the fleet for N
 * users (--users) or the same reports `feedscale run` writes for a run configuration, labelled
 * predicted, with the knee per configuration.
 */
export function registerModelCommands(program: Command, log: Logger, wrap: Wrap, deps: ModelCommandDeps): void {
  const runManifest =
    deps.runManifest ?? ((manifest: JobManifest) => runManifestJob(manifest, { log, feedscaleVersion: deps.feedscaleVersion, ...(deps.gitCommit ? { gitCommit: deps.gitCommit } : {}) }));

  program
    .command('calibrate')
    .description('calibrate the reference-stack model: run 3 calibration configurations (1 shard with and without memcached, 4 shards without) at stepped rates, write calibration.json')
    .option('--config <file>', 'run configuration: its base stack, workload, seed and plan (mix) are calibrated')
    .option('--out <file>', 'also write the calibration here', DEFAULT_CALIBRATION_PATHS[0])
    .option('--rates <list>', 'comma-separated step rates, req/s (default 40,120,200)')
    .option('--step <s>', 'seconds per step (default 10)')
    .action(
      wrap(async (opts: { config?: string; out?: string; rates?: string; step?: string }) => {
        const { run, manifest } = await loadRunAndPlans(opts.config);
        const ratesRps = opts.rates?.split(',').map((r) => Number(r.trim()));
        if (ratesRps && ratesRps.some((r) => !(r > 0))) throw new FeedscaleError('CFG_ERR_INVALID', `--rates must be positive numbers (got ${opts.rates})`, { details: ['--rates: positive numbers'] });
        const stepS = positiveInt(opts.step, '--step');
        if (opts.out) await mkdir(resolve(opts.out, '..'), { recursive: true });
        const result = await runCalibrateJob(
          { run, plan: manifest.plans[0]!, ...(ratesRps ? { ratesRps } : {}), ...(stepS ? { stepS } : {}), ...(opts.out ? { outFile: opts.out } : {}) },
          { runManifest, log },
        );
        terminal.writeOut(`${calibrationSummary(result.calibration)}\n`);
        for (const path of result.paths) terminal.writeOut(`wrote ${path}\n`);
        return ExitCode.OK;
      }),
    );

  program
    .command('simulate')
    .description('predict with the calibrated model: the fleet for N users (--users), or the reports of a run configuration and matrix, labelled predicted, with the knee per configuration')
    .option('--users <n>', 'predict the fleet that serves this many users at 2011 peak per-user rates')
    .option('--config <file>', 'run configuration or matrix to predict (as for `feedscale run`)')
    .option('--calibration <file>', `calibration file (default: ${DEFAULT_CALIBRATION_PATHS.join(' or ')})`)
    .option('--host-cores <n>', 'cores of the machine (shared placement) or of each tier instance’s host (dedicated); for --users, of each app host')
    .option('--placement <kind>', 'shared: every container on one host, as measured; dedicated: one host per tier instance', 'shared')
    .option('--method <kind>', 'analytic (open queueing network, milliseconds) or des (discrete-event simulation, seconds)', 'analytic')
    .option('--out <dir>', 'output folder', 'out')
    .action(
      wrap(async (opts: { users?: string; config?: string; calibration?: string; hostCores?: string; placement?: string; method?: string; out?: string }) => {
        // Options first: a bad flag is reported before any file is read.
        const hostCores = positiveInt(opts.hostCores, '--host-cores');
        const users = positiveInt(opts.users, '--users');
        if (opts.placement !== 'shared' && opts.placement !== 'dedicated') throw new FeedscaleError('CFG_ERR_INVALID', `--placement must be shared or dedicated (got ${opts.placement})`, { details: ['--placement: shared | dedicated'] });
        if (opts.method !== 'analytic' && opts.method !== 'des') throw new FeedscaleError('CFG_ERR_INVALID', `--method must be analytic or des (got ${opts.method})`, { details: ['--method: analytic | des'] });
        const calibration = await readCalibration(opts.calibration);
        const outDir = resolve(opts.out ?? 'out', `simulate-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        await mkdir(outDir, { recursive: true });
        if (users !== undefined) {
          const fleet = sizeFleet({ options: { users, ...(hostCores ? { appHostCores: hostCores } : {}) }, calibration });
          const markdown = renderFleetMarkdown(fleet);
          await writeFile(join(outDir, 'fleet.md'), markdown);
          await writeFile(join(outDir, 'fleet.json'), `${JSON.stringify(fleet, null, 2)}\n`);
          terminal.writeOut(`${markdown}\nwrote ${join(outDir, 'fleet.md')} and fleet.json\n`);
          if (!opts.config) return ExitCode.OK;
        }
        const cores = hostCores ?? calibration.host.cores;
        const placement: Placement = opts.placement === 'shared' ? { kind: 'shared', cores, foreignCores: 0 } : { kind: 'dedicated', coresPerHost: cores };
        await simulateRunConfig(opts.config, calibration, placement, opts.method, outDir, deps);
        return ExitCode.OK;
      }),
    );
}

function calibrationSummary(calibration: Calibration): string {
  const cost = (tier: string) => {
    const c = calibration.costs[tier];
    if (!c) return `${tier}: none`;
    const units = Object.entries(c.perUnitUs).map(([u, us]) => `${us.toFixed(1)} µs/${u}`).join(', ');
    return `${tier}: ${units}; background ${(c.backgroundCoresPerInstance * 1000).toFixed(1)} mcores per container${c.source === 'default' ? ' (default)' : ''}`;
  };
  const l = calibration.latency;
  return [
    `calibration from ${calibration.runs.filter((r) => r.used).length} run(s) on ${calibration.host.cores} cores (${calibration.host.platform})`,
    ...Object.keys(calibration.costs).map((t) => `  ${cost(t)}`),
    `  latency: front ${l.frontDelayMs.toFixed(2)} ms, per hop ${l.hopDelayMs.toFixed(3)} ms, app CPU CV ${l.appServiceCv.toFixed(2)} (from ${l.fittedIntervals} low-load intervals)`,
    ...calibration.cache.checks.map((c) => `  cache ${c.configuration} (${c.memoryMb} MB): measured hit ratio ${(c.measuredHitRatio * 100).toFixed(1)}%, model ${(c.predictedHitRatio * 100).toFixed(1)}%`),
    ...calibration.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

async function simulateRunConfig(configPath: string | undefined, calibration: Calibration, placement: Placement, method: 'analytic' | 'des', outDir: string, deps: ModelCommandDeps): Promise<void> {
  const { run, manifest } = await loadRunAndPlans(configPath);
  const createdAt = new Date().toISOString();
  const model = createWorkloadModel(run.workload);
  const source = (logicalShards: number) => ({ workload: { ...run.workload }, seed: run.seed, logicalShards });
  for (const plan of manifest.plans) {
    const runs = [];
    const knees = [];
    for (const configuration of manifest.configurations) {
      const shape = stackShapeOf(configuration.stack, `stack of ${configuration.name}`);
      const input = { shape, plan, calibration, placement, source: source(shape.logicalShards) };
      const prediction = predictPlan(input, { method });
      runs.push(predictedRunResult({ configuration: configuration.name, plan, prediction, seed: run.seed, startedAt: createdAt }));
      const knee = predictKnee(input);
      knees.push({ configuration: configuration.name, kneeRateRps: knee.kneeRateRps, usersSupported: knee.kneeRateRps === null ? null : usersSupported(model, knee.kneeRateRps), limitedBy: knee.limitedBy });
    }
    const report = buildReport({
      runs,
      configurations: manifest.configurations.map((c) => ({ name: c.name, description: c.description, stack: c.stack })),
      metadata: {
        feedscaleVersion: deps.feedscaleVersion,
        ...(deps.gitCommit ? { gitCommit: deps.gitCommit } : {}),
        createdAt,
        host: describeHost(),
        imageCatalog: { requested: run.stack.catalog, used: 'local', reason: 'predicted: no images were run' },
        seed: run.seed,
        plan: plan.name,
      },
    });
    report.prediction = { source: 'model', method, placement: describePlacement(placement), calibration: `${calibration.host.cores}-core ${calibration.host.platform}, ${calibration.createdAt}`, knees };
    const dir = manifest.plans.length === 1 ? outDir : join(outDir, plan.name);
    const files = await writeReport(dir, report, { slo: plan.slo, model });
    terminal.writeOut(`\n${renderTextTables(report)}\n`);
    for (const k of knees) {
      const users = k.usersSupported === null ? '' : ` (${(k.usersSupported / 1e6).toFixed(2)}M users at 2011 per-user rates)`;
      terminal.writeOut(`knee ${k.configuration}: ${k.kneeRateRps === null ? 'below the lowest rate' : `${k.kneeRateRps.toFixed(0)} req/s${users}`}; above it: ${k.limitedBy}\n`);
    }
    terminal.writeOut(`report: ${files.jsonPath}\n        ${files.markdownPath}\n        ${files.htmlPath}\n`);
  }
}
