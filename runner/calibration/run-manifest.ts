import type { Logger } from '../../lib/logger.ts';
import { sweepRun } from '../../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../../containers/docker/engine.ts';
import { resolveCatalog } from '../../containers/images/resolve-catalog.ts';
import { installInterruptGuard } from '../interrupts.ts';
import type { JobManifest } from '../job-folder.ts';
import { type MainJobResult, runMainJob } from '../main-job.ts';
import { checkDrivers, checkOutputFolder } from '../preflight.ts';
import { createProgress } from '../progress.ts';
import type { HostCpuSeries } from './host-sampler.ts';

export interface ManifestJobResult {
  job: MainJobResult;
  /** The machine's CPU over the job (/proc/stat), to tell the stack's load from other work on it. */
  hostCpu: HostCpuSeries | null;
}

/**
 * Runs a main job from a manifest built in code (the calibration job, the model benchmark):
 * engine, image catalog, interrupt guard (Ctrl-C tears every stack down) and the main job (which
 * samples the host's CPU every second beside the collectors). The same wiring as `feedscale run`
 * (cli/main.ts), minus the command-line parsing.
 */
export async function runManifestJob(manifest: JobManifest, options: { log: Logger; feedscaleVersion: string; gitCommit?: string }): Promise<ManifestJobResult> {
  const { log } = options;
  await checkOutputFolder(manifest.run.outDir);
  const engine = await ensureDockerEngine(log);
  await checkDrivers(manifest.plans, engine.docker, log);
  const runIds = new Set<string>();
  let job: Promise<unknown> = Promise.resolve();
  using guard = installInterruptGuard({ log, teardown: () => Promise.all([...runIds].map((id) => sweepRun(engine.docker, id))), settled: () => job });
  const catalog = await resolveCatalog(engine.docker, manifest.run.stack.catalog, log);
  const promise = runMainJob(manifest, {
    engine,
    catalog,
    log,
    progress: createProgress(log),
    signal: guard.signal,
    runIds,
    feedscaleVersion: options.feedscaleVersion,
    ...(options.gitCommit ? { gitCommit: options.gitCommit } : {}),
  });
  job = promise.catch(() => undefined);
  const result = await promise;
  return { job: result, hostCpu: result.hostCpu };
}
