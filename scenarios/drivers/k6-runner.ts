import { spawn } from 'node:child_process';
import { watchProcessCpu } from './process-cpu.ts';
import { accessSync, constants as fsConstants } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import Dockerode from 'dockerode';
import { FeedscaleError } from '../../lib/errors.ts';
import { assertLoopbackUrl } from '../../lib/loopback.ts';
import { registerFormats } from '../../lib/formats.ts';
import { RunResultSchema, type RunResult } from '../../lib/result-schema.ts';
import { loadPlan } from '../plans/load-plan.ts';
import { PopulationSchema, type Population } from '../workload/population-schema.ts';
import type { ThresholdOutcome } from '../k6/lib/summary-to-result.ts';

/**
 * Runs one of the scenarios/k6 scripts and returns its RunResult.
 *
 * Where k6 comes from, in order: a `k6` binary on PATH; else the grafana/k6 image, if a Docker
 * engine answers and has or can pull it; else RUN_ERR_DRIVER_UNAVAILABLE. k6's exit code 99
 * (a threshold crossed) is a result, not a crash: the run is returned with its outcomes.
 *
 * The image tag lives here, not in containers/images/image-catalog.ts: that catalog is the
 * stack's services; k6 is a load driver outside the stack.
 */
export const K6_IMAGE = 'grafana/k6:1.3.0';

/** k6's documented exit code when thresholds were crossed (errext/exitcodes). */
export const K6_EXIT_THRESHOLDS_FAILED = 99;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const K6_DIR = join(REPO_ROOT, 'scenarios', 'k6');
/** Where the container sees the repo's scenarios/ and lib/ (read-only) and the run's files (read-write). */
const CONTAINER_REPO = '/feedscale';
const CONTAINER_IO = '/feedscale-io';
const DEFAULT_PULL_TIMEOUT_MS = 5 * 60_000;
const PING_TIMEOUT_MS = 3_000;
const OUTPUT_TAIL_CHARS = 4000;

export interface RunK6Options {
  /** A *.k6.ts under scenarios/k6, by name ("plan" -> scenarios/k6/plan.k6.ts) or path. Default: the generic plan.k6.ts, which runs any plan. */
  script?: string;
  /** Loopback only (lib/loopback.ts); the script checks again before it sends. */
  baseUrl: string;
  /** Plan name or path (scenarios/plans/load-plan.ts); validated here, and k6 gets it with defaults filled. */
  plan: string;
  /** Written to a temporary JSON file for k6's open(). */
  population: Population;
  /** Request-stream seed given to createRequestGenerator (derive it as the open-loop engine does, e.g. runner/main-job.ts streamSeed). */
  seed: number;
  /** Seed recorded in the RunResult; default `seed`. */
  runSeed?: number;
  /** Where the RunResult JSON is written. */
  outPath: string;
  /** Identity of the run in the result. Default "k6", 0. */
  configuration?: string;
  repeat?: number;
  /** Docker client for the image fallback; false disables the fallback. Default: DOCKER_HOST or /var/run/docker.sock. */
  docker?: Dockerode | false;
  /** Image of the fallback. Default K6_IMAGE. */
  image?: string;
  /** PATH searched for `k6`. Default process.env.PATH. */
  searchPath?: string;
  /** Longest wait for an image pull. Default 5 minutes. */
  pullTimeoutMs?: number;
  /** Aborting stops k6; runK6 then rejects with RUN_ERR_INTERRUPTED. */
  signal?: AbortSignal;
}

export interface K6Run {
  result: RunResult;
  /** false when k6 exited 99 (thresholds crossed). */
  thresholdsPassed: boolean;
  thresholds: ThresholdOutcome[];
  /** What the script said about the mapping (e.g. poisson run as constant-arrival-rate). */
  notes: string[];
  exitCode: number;
  via: 'binary' | 'docker';
  /** k6's stdout: the text summary. */
  stdout: string;
}

/** The generic entry script: runs whatever plan FEEDSCALE_PLAN names. */
export const GENERIC_K6_SCRIPT = 'plan';

/** A bundled script by name, or the given path; it must lie under scenarios/k6 (the container mounts only that tree's parents). */
export function resolveK6Script(script: string = GENERIC_K6_SCRIPT): string {
  const path = /^[a-z0-9][a-z0-9-]*$/.test(script) ? join(K6_DIR, `${script}.k6.ts`) : resolve(script);
  const rel = relative(K6_DIR, path);
  if (rel.startsWith('..') || isAbsolute(rel) || !path.endsWith('.k6.ts')) {
    throw new FeedscaleError('CFG_ERR_INVALID', `script must be a *.k6.ts file under ${K6_DIR} (got ${script})`);
  }
  try {
    accessSync(path, fsConstants.R_OK);
  } catch (cause) {
    throw new FeedscaleError('CFG_ERR_FILE', `k6 script ${path} cannot be read`, { cause });
  }
  return path;
}

/** First executable `name` on `searchPath`, or undefined. */
export function findOnPath(name: string, searchPath: string | undefined = process.env.PATH): string | undefined {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type LocatedK6 = { via: 'binary'; path: string } | { via: 'docker'; docker: Dockerode; image: string };

/**
 * Where k6 will come from: a `k6` binary on PATH, else the grafana/k6 image (present, or pulled
 * now). RUN_ERR_DRIVER_UNAVAILABLE naming both when neither is there. The main job calls it
 * before the first container starts, so a k6 plan never fails after seeding.
 */
export async function locateK6(options: Pick<RunK6Options, 'searchPath' | 'docker' | 'image' | 'pullTimeoutMs'> = {}): Promise<LocatedK6> {
  const image = options.image ?? K6_IMAGE;
  const path = findOnPath('k6', options.searchPath ?? process.env.PATH);
  if (path) return { via: 'binary', path };
  if (options.docker === false) throw unavailable(image, 'the Docker fallback is disabled');
  const docker = options.docker ?? (process.env.DOCKER_HOST ? new Dockerode() : new Dockerode({ socketPath: '/var/run/docker.sock' }));
  const why = await ensureImage(docker, image, options.pullTimeoutMs ?? DEFAULT_PULL_TIMEOUT_MS);
  if (why !== undefined) throw unavailable(image, why);
  return { via: 'docker', docker, image };
}

function unavailable(image: string, why: string): FeedscaleError {
  return new FeedscaleError(
    'RUN_ERR_DRIVER_UNAVAILABLE',
    `the k6 driver is not available: no \`k6\` binary on PATH, and ${why}. ` +
      `Install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) so that \`k6\` is on PATH, ` +
      `or make the ${image} image pullable or present (docker pull ${image}, or docker load it where no registry is reachable). ` +
      'Without k6, the autocannon driver gives closed-loop throughput (no latency verdicts), and the open-loop driver gives open-loop latency.',
  );
}

async function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
        timer.unref();
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Makes `image` present, or returns why it cannot be. */
async function ensureImage(docker: Dockerode, image: string, pullTimeoutMs: number): Promise<string | undefined> {
  try {
    await withTimeout('Docker ping', PING_TIMEOUT_MS, docker.ping());
  } catch (err) {
    return `no Docker engine answered (${(err as Error).message})`;
  }
  try {
    await docker.getImage(image).inspect();
    return undefined;
  } catch {
    // not present: pull
  }
  try {
    const stream = (await docker.pull(image)) as NodeJS.ReadableStream;
    await withTimeout(
      `pull of ${image}`,
      pullTimeoutMs,
      new Promise<void>((ok, fail) => docker.modem.followProgress(stream, (err: Error | null) => (err ? fail(err) : ok()))),
    );
    return undefined;
  } catch (err) {
    // Docker's pull errors carry the whole HTTP exchange; the first line says why.
    const first = ((err as Error).message ?? String(err)).split('\n')[0]!.trim();
    return `the ${image} image is not present and could not be pulled (${first})`;
  }
}

interface Invocation {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** k6's own CPU over its run, as a fraction of one core (binary only). */
  cpuCoreFraction?: number;
}

/** Above this, k6 itself had no headroom to keep its schedule (as the open-loop engine's MAX_CPU_CORE_FRACTION). */
export const K6_MAX_CPU_CORE_FRACTION = 0.9;

function tail(text: string): string {
  return text.length > OUTPUT_TAIL_CHARS ? `...${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
}

async function runBinary(k6: string, args: string[], env: Record<string, string>, signal: AbortSignal | undefined): Promise<Invocation> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(k6, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const cpu = child.pid === undefined ? undefined : watchProcessCpu(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = tail(stderr + chunk)));
    // SIGINT makes k6 stop the test and still run handleSummary.
    const onAbort = () => child.kill('SIGINT');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      const cpuCoreFraction = cpu?.stop();
      resolvePromise({ exitCode: code ?? (sig ? 128 : 1), stdout, stderr, ...(cpuCoreFraction !== undefined ? { cpuCoreFraction } : {}) });
    });
  });
}

async function runContainer(
  docker: Dockerode,
  image: string,
  args: string[],
  env: Record<string, string>,
  ioDir: string,
  signal: AbortSignal | undefined,
): Promise<Invocation> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: args,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { 'feedscale.managed': 'true', 'feedscale.role': 'k6' },
    HostConfig: {
      // Host networking: 127.0.0.1 inside is the host's loopback, where the stack listens.
      NetworkMode: 'host',
      Binds: [
        `${join(REPO_ROOT, 'scenarios')}:${CONTAINER_REPO}/scenarios:ro`,
        `${join(REPO_ROOT, 'lib')}:${CONTAINER_REPO}/lib:ro`,
        `${ioDir}:${CONTAINER_IO}:rw`,
      ],
    },
  });
  const onAbort = () => void container.kill({ signal: 'SIGINT' }).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as Buffer;
    const { stdout, stderr } = demux(logs);
    return { exitCode: StatusCode, stdout, stderr: tail(stderr) };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Docker's multiplexed log stream (non-TTY): 8-byte frames of [stream, 0, 0, 0, size(4)]. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  let at = 0;
  while (at + 8 <= buffer.length) {
    const stream = buffer[at]!;
    const size = buffer.readUInt32BE(at + 4);
    const text = buffer.subarray(at + 8, at + 8 + size).toString('utf8');
    if (stream === 2) stderr += text;
    else stdout += text;
    at += 8 + size;
  }
  return { stdout, stderr };
}

/**
 * Runs a k6 script against a loopback target and returns its validated RunResult.
 *
 * @example
 * const run = await runK6({ baseUrl: stack.baseUrl, plan: 'feed-read', population, seed: 1, outPath: 'out/k6/feed-read.json' });
 * if (!run.thresholdsPassed) console.log(run.thresholds.filter((t) => !t.ok));
 */
export async function runK6(options: RunK6Options): Promise<K6Run> {
  assertLoopbackUrl(options.baseUrl);
  if (!Number.isSafeInteger(options.seed)) throw new FeedscaleError('CFG_ERR_INVALID', `seed must be a safe integer (got ${options.seed})`);
  if (!Value.Check(PopulationSchema, options.population)) {
    const first = [...Value.Errors(PopulationSchema, options.population)][0];
    throw new FeedscaleError('CFG_ERR_INVALID', `population does not match PopulationSchema (${first?.path}: ${first?.message})`);
  }
  const script = resolveK6Script(options.script);
  const plan = await loadPlan(options.plan);
  // Choose k6 before writing anything, so an unavailable driver leaves nothing behind.
  const located = await locateK6(options);
  const k6 = located.via === 'binary' ? located.path : undefined;
  const docker = located.via === 'docker' ? located.docker : undefined;
  const image = located.via === 'docker' ? located.image : (options.image ?? K6_IMAGE);

  const ioDir = await mkdtemp(join(tmpdir(), 'feedscale-k6-'));
  try {
    // The k6 image runs as an unprivileged user: let it write its summary here.
    await chmod(ioDir, 0o777);
    await writeFile(join(ioDir, 'plan.json'), `${JSON.stringify(plan)}\n`);
    await writeFile(join(ioDir, 'population.json'), JSON.stringify(options.population));
    const inside = (name: string) => (docker ? `${CONTAINER_IO}/${name}` : join(ioDir, name));
    const env: Record<string, string> = {
      BASE_URL: options.baseUrl,
      FEEDSCALE_PLAN: inside('plan.json'),
      FEEDSCALE_POPULATION: inside('population.json'),
      FEEDSCALE_SEED: String(options.seed),
      FEEDSCALE_RESULT_SEED: String(options.runSeed ?? options.seed),
      FEEDSCALE_OUT: inside('result.json'),
      FEEDSCALE_THRESHOLDS_OUT: inside('thresholds.json'),
      FEEDSCALE_CONFIGURATION: options.configuration ?? 'k6',
      FEEDSCALE_REPEAT: String(options.repeat ?? 0),
      // No usage report to Grafana's servers: feedscale sends nothing off this machine.
      K6_NO_USAGE_REPORT: 'true',
    };
    const scriptArg = docker ? `${CONTAINER_REPO}/${relative(REPO_ROOT, script).split(sep).join('/')}` : script;
    const args = ['run', '--quiet', '--no-usage-report', scriptArg];
    const invocation = docker
      ? await runContainer(docker, image, args, env, ioDir, options.signal)
      : await runBinary(k6!, args, env, options.signal);
    if (options.signal?.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'k6 run aborted');
    if (invocation.exitCode !== 0 && invocation.exitCode !== K6_EXIT_THRESHOLDS_FAILED) {
      throw new Error(`k6 exited with code ${invocation.exitCode} (${docker ? image : k6}); stderr:\n${invocation.stderr}`);
    }

    const result = withK6Cpu(await readRunResult(join(ioDir, 'result.json')), invocation.cpuCoreFraction);
    const { outcomes, notes } = await readThresholds(join(ioDir, 'thresholds.json'));
    await mkdir(dirname(resolve(options.outPath)), { recursive: true });
    await copyFile(join(ioDir, 'result.json'), options.outPath);
    return {
      result,
      thresholdsPassed: invocation.exitCode === 0,
      thresholds: outcomes,
      notes,
      exitCode: invocation.exitCode,
      via: docker ? 'docker' : 'binary',
      stdout: invocation.stdout,
    };
  } finally {
    await rm(ioDir, { recursive: true, force: true });
  }
}

/** The run with k6's own CPU in its generator health: a k6 short of CPU gives no latency verdict. */
export function withK6Cpu(result: RunResult, cpuCoreFraction: number | undefined): RunResult {
  if (cpuCoreFraction === undefined) return result;
  const reasons = [...result.generator.reasons];
  if (cpuCoreFraction > K6_MAX_CPU_CORE_FRACTION) reasons.push(`k6 CPU ${cpuCoreFraction.toFixed(2)} of a core > ${K6_MAX_CPU_CORE_FRACTION}`);
  return { ...result, generator: { ...result.generator, cpuCoreFraction, valid: reasons.length === 0, reasons } };
}

/** Reads and validates the RunResult a script's handleSummary wrote. */
export async function readRunResult(path: string): Promise<RunResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FeedscaleError('CFG_ERR_FILE', `k6 wrote no readable RunResult at ${path}`, { cause });
  }
  return checkRunResult(parsed, path);
}

/** Validates a RunResult produced by a k6 script against RunResultSchema; lists every issue. */
export function checkRunResult(value: unknown, source: string): RunResult {
  registerFormats();
  if (Value.Check(RunResultSchema, value)) return value;
  const issues = [...Value.Errors(RunResultSchema, value)].map((e) => `${e.path || '/'}: ${e.message}`);
  throw new FeedscaleError('CFG_ERR_FILE', `k6 RunResult ${source} does not match RunResultSchema:\n  ${issues.join('\n  ')}`, { details: issues });
}

async function readThresholds(path: string): Promise<{ outcomes: ThresholdOutcome[]; notes: string[] }> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { outcomes?: ThresholdOutcome[]; notes?: string[] };
    return { outcomes: parsed.outcomes ?? [], notes: parsed.notes ?? [] };
  } catch {
    return { outcomes: [], notes: [] };
  }
}
