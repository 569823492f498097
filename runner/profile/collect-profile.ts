import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ProfileTool, RunProfile } from '../../lib/profile-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import { containerLogTail } from '../../containers/docker/cleanup.ts';
import { RUN_LABEL, SERVICE_LABEL, containerName } from '../../containers/docker/labels.ts';
import { clinicInstalled } from '../../containers/images/clinic-tools.ts';
import { CLINIC_DEST, PROFILED_APP_DIR, PROFILED_APP_INDEX } from '../../containers/services/app-service.ts';
import type { StackConfig } from '../../containers/stack-config.ts';
import { runFileName } from '../job-folder.ts';
import { type FlameSampleFrame, type SourceLookup, hottestFrames } from './flame-frames.ts';
import { profileOverhead } from './profile-overhead.ts';

/**
 * How long clinic may take, after the profiled process exits, to analyse its data and write its
 * page: flame takes about a minute on 2 busy cores (most of it bundling the page), doctor and
 * bubbleprof can take several.
 */
export const ANALYSIS_TIMEOUT_MS = 10 * 60_000;
/** Hottest frames kept in the result. */
const TOP_FRAMES = 10;

/** The profiled app instance's service name. */
export const PROFILED_INSTANCE = `app-${PROFILED_APP_INDEX}`;

/** Where a run's clinic output goes, relative to the job folder: beside its result, `.clinic` for `.json`. */
export function profileDirOf(plan: string, configuration: string, repeat: number, attempt: number): string {
  return join('runs', plan, runFileName(configuration, repeat, attempt).replace(/\.json$/, '.clinic'));
}

/** `--profile` needs clinic in the app image, which takes it from the host's node_modules. */
export function checkProfilerAvailable(config: Readonly<StackConfig>): void {
  if (config.profile !== 'off' && !clinicInstalled()) {
    throw new FeedscaleError('CFG_ERR_INVALID', `/stack/profile (--profile): clinic is not installed (node_modules/clinic, a devDependency); run npm ci without --omit=dev`);
  }
}

export interface CollectProfileOptions {
  docker: Dockerode;
  runId: string;
  tool: ProfileTool;
  /** The job folder; undefined when the run has none (its output then stays in the container). */
  jobDir: string | undefined;
  /** profileDirOf(...) of the run. */
  dir: string;
  /** The run's server-side metrics: the overhead comes from nginx's log and the container stats. */
  server: ServerMetrics | undefined;
  signal: AbortSignal;
  log: Logger;
  timeoutMs?: number;
}

function abortable<T>(work: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(() => resolve('timeout')), timeoutMs);
    const onAbort = () => done(() => reject(new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted while clinic was analysing')));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => done(() => resolve(value)),
      (err: unknown) => done(() => reject(err)),
    );
  });
}

/** Extracts a path of a container (running or exited) into `dir`, without its top folder. */
async function copyOut(container: Dockerode.Container, path: string, dir: string, stripComponents: number): Promise<void> {
  const archive = (await container.getArchive({ path })) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) => {
    const tar = spawn('tar', ['-x', '-C', dir, `--strip-components=${stripComponents}`, '--no-same-owner', '--no-same-permissions'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    tar.stderr.on('data', (d) => (stderr += d));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${stderr.trim()}`))));
    archive.on('error', reject);
    archive.pipe(tar.stdin);
  });
}

/**
 * The profiled instance's container, by the run's labels (the Testcontainers engine names it
 * feedscale-<run>-app-0; a swarm task container is named by swarm but carries the same labels).
 */
async function profiledContainer(docker: Dockerode, runId: string, instance: string): Promise<Dockerode.Container> {
  const found = await docker.listContainers({ all: true, filters: { label: [`${RUN_LABEL}=${runId}`, `${SERVICE_LABEL}=${instance}`] } }).catch(() => []);
  const newest = found.sort((a, b) => b.Created - a.Created)[0];
  return docker.getContainer(newest?.Id ?? containerName(runId, instance));
}

/** Maps positions of the profiled bundle back to their sources, through its source map. */
function lookupFrom(map: SourceMap): SourceLookup {
  return (_url, line, column) => {
    const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number };
    return entry.originalSource ? { source: entry.originalSource, line: (entry.originalLine ?? 0) + 1 } : undefined;
  };
}

/**
 * Ends the profiled instance's process as Ctrl-C would (SIGINT to it, not to clinic, which waits
 * for it), waits while clinic analyses and writes its page, then copies clinic's output into the
 * job folder and reads what the report shows: the page, the overhead against the other
 * instances, and for flame the hottest frames. Runs after the measured window, before the
 * teardown; a failure to collect is recorded in the result (`problem`), never fails the run,
 * except an interrupt, which is rethrown at once so the teardown is not kept waiting.
 */
export async function collectProfile(options: CollectProfileOptions): Promise<RunProfile> {
  const { docker, tool, signal, log } = options;
  const instance = PROFILED_INSTANCE;
  const overhead = profileOverhead(options.server, instance);
  const base: RunProfile = { tool, instance, dir: options.dir, ...(overhead ? { overhead } : {}) };
  if (options.jobDir === undefined) return { ...base, problem: `no job folder to collect into; clinic's output stayed in ${instance}:${CLINIC_DEST}` };
  const container = await profiledContainer(docker, options.runId, instance);
  const started = performance.now();
  try {
    // As user nobody, like the app: `kill -1` signals every process it may except PID 1 (clinic) and itself.
    const exec = await container.exec({ Cmd: ['sh', '-c', 'kill -INT -1'], AttachStdout: true, AttachStderr: true });
    // Attached and read to the end: a detached start leaves its connection open, and with it this process.
    const stream = await exec.start({ hijack: true, stdin: false });
    stream.resume();
    await new Promise<void>((resolve, reject) => stream.on('end', resolve).on('error', reject));
  } catch (err) {
    log.warn({ err: (err as Error).message }, `${instance}: could not signal the profiled process (it may have exited already)`);
  }
  log.info(`${instance}: waiting for clinic ${tool} to analyse and write its page`);
  const exit = await abortable(container.wait() as Promise<{ StatusCode: number }>, signal, options.timeoutMs ?? ANALYSIS_TIMEOUT_MS).catch((err: unknown) => {
    if (signal.aborted) throw err;
    return { StatusCode: -1, error: (err as Error).message };
  });
  const analysisS = Math.round((performance.now() - started) / 100) / 10;
  const problems: string[] = [];
  if (exit === 'timeout') problems.push(`clinic was still analysing after ${analysisS} s; its data folder is kept (clinic ${tool} --visualize-only <folder> makes the page)`);

  const finalDir = join(options.jobDir, options.dir);
  const staging = `${finalDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await copyOut(container, CLINIC_DEST, staging, 1);
  } catch (err) {
    if (signal.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted while copying clinic output');
    await rm(staging, { recursive: true, force: true });
    const tail = await containerLogTail(docker, container.id, 15);
    return { ...base, analysisS, problem: [...problems, `clinic wrote nothing to copy (${(err as Error).message}); last lines of ${instance}:\n${tail.trimEnd()}`].join('; ') };
  }
  await rm(finalDir, { recursive: true, force: true });
  await rename(staging, finalDir);

  const files = await readdir(finalDir);
  const html = files.find((f) => f.endsWith(`.clinic-${tool}.html`));
  if (html && exit !== 'timeout' && exit.StatusCode !== 0) {
    // clinic writes its page as it builds it: one cut short by an error is there, but broken.
    const tail = await containerLogTail(docker, container.id, 15);
    problems.push(`clinic exited ${exit.StatusCode}; its page may be incomplete; last lines of ${instance}:\n${tail.trimEnd()}`);
  } else if (!html) {
    const code = exit === 'timeout' ? 'still running' : 'error' in exit ? `not waited for: ${exit.error}` : `exited ${exit.StatusCode}`;
    const tail = await containerLogTail(docker, container.id, 15);
    problems.push(`clinic (${code}) wrote no page; last lines of ${instance}:\n${tail.trimEnd()}`);
  }
  const frames = tool === 'flame' ? await readFlameFrames(container, finalDir, files, log) : undefined;
  log.info({ analysisS, html }, `${instance}: clinic ${tool} output in ${finalDir}`);
  return {
    ...base,
    ...(html ? { htmlPath: join(options.dir, html) } : {}),
    analysisS,
    ...(frames ? { frames } : {}),
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}

/** The hottest frames of a flame profile, mapped to sources through the bundle's map copied from the container. */
async function readFlameFrames(container: Dockerode.Container, dir: string, files: readonly string[], log: Logger): Promise<RunProfile['frames']> {
  const data = files.find((f) => f.endsWith('.clinic-flame'));
  if (!data) return undefined;
  const samplesFile = (await readdir(join(dir, data))).find((f) => f.endsWith('.clinic-flame-samples'));
  if (!samplesFile) return undefined;
  const stacks = JSON.parse(await readFile(join(dir, data, samplesFile), 'utf8')) as FlameSampleFrame[][];
  let lookup: SourceLookup | undefined;
  const mapDir = await mkdtemp(join(tmpdir(), 'feedscale-sourcemap-'));
  try {
    await copyOut(container, `${PROFILED_APP_DIR}/server.mjs.map`, mapDir, 0);
    lookup = lookupFrom(new SourceMap(JSON.parse(await readFile(join(mapDir, 'server.mjs.map'), 'utf8')) as ConstructorParameters<typeof SourceMap>[0]));
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'no source map for the profiled bundle: frames name bundle lines');
  } finally {
    await rm(mapDir, { recursive: true, force: true });
  }
  return hottestFrames(stacks, lookup, TOP_FRAMES);
}
