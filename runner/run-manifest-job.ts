import { FeedscaleError, isFeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import type { ResolvedCatalog } from '../containers/images/image-catalog.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import type { HostCpuSeries } from './calibration/host-sampler.ts';
import { installInterruptGuard } from './interrupts.ts';
import type { JobManifest } from './job-folder.ts';
import { type MainJobResult, runMainJob } from './main-job.ts';
import { checkDrivers, checkFaults, checkOutputFolder } from './preflight.ts';
import { createProgress } from './progress.ts';

export interface ManifestJobResult {
  job: MainJobResult;
  /** The machine's CPU over the job (/proc/stat), to tell the stack's load from other work on it. */
  hostCpu: HostCpuSeries | null;
  /** The image catalog the job ran, and why. */
  catalog: ResolvedCatalog;
}

/**
 * Runs a main job from a manifest: `feedscale run` (cli/main.ts, after parsing), the calibration
 * job and the model benchmark. Everything that can be checked is checked before the first
 * container starts; then engine, image catalog, interrupt guard (Ctrl-C, SIGTERM or a lost
 * terminal tears every stack down) and the main job. Given `resumeDir`, the job finishes that
 * folder instead of starting a new one.
 */
export async function runManifestJob(
  manifest: JobManifest,
  options: { log: Logger; feedscaleVersion: string; gitCommit?: string; resumeDir?: string },
): Promise<ManifestJobResult> {
  const { log } = options;
  checkFaults(manifest.plans, manifest.configurations);
  if (!options.resumeDir) await checkOutputFolder(manifest.run.outDir);
  const engine = await ensureDockerEngine(log);
  await checkDrivers(manifest.plans, engine.docker, log);
  const runIds = new Set<string>();
  let job: Promise<unknown> = Promise.resolve();
  using guard = installInterruptGuard({ log, teardown: () => Promise.all([...runIds].map((id) => sweepRun(engine.docker, id))), settled: () => job });
  const catalog = await resolveCatalog(engine.docker, manifest.run.stack.catalog, log);
  log.info(`image catalog: ${catalog.kind} (${catalog.reason})`);
  const promise = runMainJob(
    manifest,
    {
      engine,
      catalog,
      log,
      progress: createProgress(log),
      signal: guard.signal,
      runIds,
      feedscaleVersion: options.feedscaleVersion,
      ...(options.gitCommit ? { gitCommit: options.gitCommit } : {}),
    },
    options.resumeDir,
  );
  job = promise.catch(() => undefined);
  try {
    const result = await promise;
    return { job: result, hostCpu: result.hostCpu, catalog };
  } catch (err) {
    // After a signal, whatever failed next (a seed request cut by the teardown, say) is the
    // interruption's doing: report the interruption, not a crash.
    if (guard.signal.aborted && !(isFeedscaleError(err) && err.code === 'RUN_ERR_INTERRUPTED')) {
      log.debug({ err }, 'error after the interrupt');
      throw new FeedscaleError('RUN_ERR_INTERRUPTED', `${(guard.signal.reason as Error)?.message ?? 'interrupted'}; the stack was torn down`);
    }
    throw err;
  }
}
