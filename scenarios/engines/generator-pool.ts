import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FeedscaleError, ErrorCodes, type ErrorCode } from '../../lib/errors.ts';
import { assertLoopbackUrl } from '../../lib/loopback.ts';
import type { RequestGeneratorOptions } from '../requests/request-generator.ts';
import { checkArrivalSpec } from './arrival-schedule.ts';
import { mergeGeneratorRuns, type GeneratorPart } from './merge-runs.ts';
import type { OpenLoopOptions, OpenLoopProgress } from './open-loop-engine.ts';
import { MAX_GENERATORS, type Partition } from './partition.ts';
import type { RequestSpec } from './request-source.ts';
import type { EngineRun } from './run-result.ts';

/**
 * Open-loop load from W generators at once, each a child process with its own core: generator w
 * sends arrivals i ≡ w (mod W) of the one seeded schedule, with request i of the one request
 * stream (partition.ts), from a common start, and the pool merges their runs exactly
 * (merge-runs.ts: counts add, HDR histograms merge; never an average of percentiles).
 *
 * Why processes, not worker threads: a generator is judged by its own CPU and event-loop delay
 * (generator-health.ts); process.cpuUsage() in a worker thread is the whole process's, so W
 * threads would each see the others' CPU. A process per generator keeps that probe true, and is
 * what a generator replica on a cluster is too.
 *
 * The common start: every child reports ready (modules loaded, stream built), then the pool
 * sends one start time on CLOCK_MONOTONIC (process.hrtime), which every process of the machine
 * shares; each child puts its t = 0 there, so request i has the same intended start in every
 * generator. A child that wakes late catches up at once, and its lateness is in its send lag.
 *
 * The in-flight cap is split: each generator holds at most ceil(maxInFlight / W).
 *
 * @example
 * const run = await runGeneratorPool({ generators: 2, baseUrl, source: { kind: 'cyclic', specs }, arrival: { kind: 'constant', rateRps: 8000 }, durationS: 5, warmupS: 1, maxInFlight: 256, timeoutMs: 5000 });
 */
export interface GeneratorPoolOptions extends Omit<OpenLoopOptions, 'source' | 'partition' | 'startAtMs' | 'onStart'> {
  /** Called once with the common t = 0 (this process's performance.now() ms), about START_LEAD_MS before it. */
  onStart?: (originMs: number) => void;
  /** How many generators (child processes); 1 runs the same path with one child. */
  generators: number;
  /** The request stream, rebuilt in each child from this recipe (a stream cannot cross processes). */
  source: SourceRecipe;
  /** The whole run's cap; each generator gets ceil(maxInFlight / generators). */
  maxInFlight: number;
  /** Longest wait for every child to load and report ready. Default 60 s (a busy machine loads slowly). */
  readyTimeoutMs?: number;
}

/** What a generator rebuilds its request stream from: the seeded generator's options, or a fixed list cycled. */
export type SourceRecipe = { kind: 'requests'; options: RequestGeneratorOptions } | { kind: 'cyclic'; specs: readonly RequestSpec[] };

/** The part of OpenLoopOptions a child receives (no functions, no signal). */
export type GeneratorJobOptions = Pick<OpenLoopOptions, 'baseUrl' | 'arrival' | 'durationS' | 'warmupS' | 'maxInFlight' | 'timeoutMs' | 'connections'>;

export interface GeneratorJob {
  options: GeneratorJobOptions;
  source: SourceRecipe;
  partition: Partition;
  /** Send progress snapshots (about once a second). */
  progress: boolean;
}

/** Parent -> child. */
export type ParentMessage = { type: 'job'; job: GeneratorJob } | { type: 'start'; startAtNs: bigint } | { type: 'abort' };
/** Child -> parent. */
export type WorkerMessage =
  | { type: 'ready'; pid: number; host: string }
  | { type: 'progress'; snapshot: OpenLoopProgress }
  | { type: 'done'; run: EngineRun; startLagMs: number }
  | { type: 'error'; message: string; code?: string };

const ENTRY = fileURLToPath(new URL('./generator-worker-entry.mjs', import.meta.url));
/** Time from "all ready" to the common start: enough for the start message to reach every child. */
export const START_LEAD_MS = 100;
const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** After an abort or a failure, how long a child may take to stop before it is killed. */
const STOP_GRACE_MS = 5_000;

export async function runGeneratorPool(options: GeneratorPoolOptions): Promise<EngineRun> {
  checkPoolOptions(options);
  const { generators: count, signal } = options;
  if (signal?.aborted) throw interrupted();
  const jobOptions: GeneratorJobOptions = {
    baseUrl: options.baseUrl,
    arrival: options.arrival,
    durationS: options.durationS,
    warmupS: options.warmupS,
    maxInFlight: Math.ceil(options.maxInFlight / count),
    timeoutMs: options.timeoutMs,
    ...(options.connections !== undefined ? { connections: options.connections } : {}),
  };
  const children = Array.from({ length: count }, (_, index) => new GeneratorChild(index, count));
  const progress: (OpenLoopProgress | undefined)[] = new Array(count).fill(undefined);
  const onAbort = () => children.forEach((c) => c.abort());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const job = (index: number): GeneratorJob => ({ options: jobOptions, source: options.source, partition: { index, count }, progress: options.onProgress !== undefined });
    const ready = await Promise.all(
      children.map((c) =>
        c.load(job(c.index), options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, (snapshot) => {
          progress[c.index] = snapshot;
          options.onProgress?.(sumProgress(progress));
        }),
      ),
    );
    if (signal?.aborted) throw interrupted();
    // The common t = 0 on CLOCK_MONOTONIC for the children, and on this process's performance.now() for onStart.
    const startAtNs = process.hrtime.bigint() + BigInt(START_LEAD_MS * 1e6);
    const startAtMs = performance.now() + START_LEAD_MS;
    const done = Promise.all(children.map((c) => c.run(startAtNs)));
    options.onStart?.(startAtMs);
    const finished = await done;
    const parts: GeneratorPart[] = finished.map((d, i) => ({ run: d.run, where: { host: ready[i]!.host, pid: ready[i]!.pid, startLagMs: d.startLagMs } }));
    return mergeGeneratorRuns(parts);
  } catch (err) {
    children.forEach((c) => c.abort());
    if (signal?.aborted) throw interrupted();
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(children.map((c) => c.stopped()));
  }
}

/** One child process and its conversation with the pool. */
class GeneratorChild {
  readonly index: number;
  readonly #count: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  /** Why the child can no longer answer (it exited or failed to start); set once. */
  #gone: Error | undefined;
  #listener: ((message: WorkerMessage) => void) | undefined;
  #failure: ((err: Error) => void) | undefined;
  #onProgress: ((snapshot: OpenLoopProgress) => void) | undefined;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(index: number, count: number) {
    this.index = index;
    this.#count = count;
    // execArgv []: the entry registers tsx itself; a parent's flags (vitest's, a debugger's) stay with it.
    this.#child = fork(ENTRY, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') this.#onProgress?.(message.snapshot);
      else this.#listener?.(message);
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('exit', (code, sig) => {
        if (this.#killTimer) clearTimeout(this.#killTimer);
        this.#fail(new Error(`${this.#label()} exited (code ${code}${sig ? `, signal ${sig}` : ''}) before it sent its run`));
        resolve();
      });
    });
    this.#child.on('error', (err) => this.#fail(new Error(`${this.#label()}: ${err.message}`)));
  }

  #label(): string {
    return `load generator ${this.index} of ${this.#count}${this.#child.pid ? ` (pid ${this.#child.pid})` : ''}`;
  }

  #fail(err: Error): void {
    this.#gone ??= err;
    this.#failure?.(err);
  }

  /** Posts `message`, then resolves with the reply `pick` accepts; rejects on the child's error, its exit or the timeout. */
  #ask<T>(message: ParentMessage, pick: (m: WorkerMessage) => T | undefined, timeoutMs?: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#gone) {
        reject(this.#gone);
        return;
      }
      const timer = timeoutMs ? setTimeout(() => finish(() => reject(new Error(`${this.#label()} did not get ready within ${timeoutMs} ms`))), timeoutMs) : undefined;
      const finish = (settle: () => void) => {
        if (timer) clearTimeout(timer);
        this.#listener = undefined;
        this.#failure = undefined;
        settle();
      };
      this.#failure = (err) => finish(() => reject(err));
      this.#listener = (m) => {
        if (m.type === 'error') {
          finish(() => reject(childError(m, this.#label())));
          return;
        }
        const value = pick(m);
        if (value !== undefined) finish(() => resolve(value));
      };
      this.#post(message);
    });
  }

  load(job: GeneratorJob, timeoutMs: number, onProgress: (snapshot: OpenLoopProgress) => void): Promise<{ pid: number; host: string }> {
    this.#onProgress = onProgress;
    return this.#ask({ type: 'job', job }, (m) => (m.type === 'ready' ? m : undefined), timeoutMs);
  }

  run(startAtNs: bigint): Promise<{ run: EngineRun; startLagMs: number }> {
    return this.#ask({ type: 'start', startAtNs }, (m) => (m.type === 'done' ? m : undefined));
  }

  /** Asks the child to stop sending; it is killed if it has not exited within STOP_GRACE_MS. */
  abort(): void {
    this.#post({ type: 'abort' });
    this.#killLater();
  }

  /** Resolves once the child has exited (it exits by itself after its last message, or is killed). */
  stopped(): Promise<void> {
    this.#killLater();
    return this.#exited;
  }

  #killLater(): void {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#killTimer ??= setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
  }

  #post(message: ParentMessage): void {
    if (this.#child.connected) this.#child.send(message);
  }
}

function childError(m: { message: string; code?: string }, label: string): Error {
  if (m.code !== undefined && m.code in ErrorCodes) return new FeedscaleError(m.code as ErrorCode, `${label}: ${m.message}`);
  return new Error(`${label} failed: ${m.message}`);
}

/** The pool's progress: the sum of every generator's last snapshot. */
export function sumProgress(snapshots: readonly (OpenLoopProgress | undefined)[]): OpenLoopProgress {
  const present = snapshots.filter((s): s is OpenLoopProgress => s !== undefined);
  const total = (of: (s: OpenLoopProgress) => number) => present.reduce((sum, s) => sum + of(s), 0);
  const phases: OpenLoopProgress['phase'][] = ['warmup', 'measure', 'drain'];
  return {
    elapsedS: Math.max(0, ...present.map((s) => s.elapsedS)),
    // The pool is in the earliest phase any generator is still in.
    phase: phases.find((p) => present.some((s) => s.phase === p)) ?? 'warmup',
    sent: total((s) => s.sent),
    completed: total((s) => s.completed),
    failed: total((s) => s.failed),
    unserved: total((s) => s.unserved),
    inFlight: total((s) => s.inFlight),
    followUps: total((s) => s.followUps),
  };
}

function checkPoolOptions(o: GeneratorPoolOptions): void {
  if (!Number.isInteger(o.generators) || o.generators < 1 || o.generators > MAX_GENERATORS) {
    throw new FeedscaleError('CFG_ERR_INVALID', `generators must be an integer from 1 to ${MAX_GENERATORS} (got ${o.generators})`);
  }
  assertLoopbackUrl(o.baseUrl);
  checkArrivalSpec(o.arrival);
  if (!Number.isInteger(o.maxInFlight) || o.maxInFlight < o.generators) {
    throw new FeedscaleError('CFG_ERR_INVALID', `maxInFlight must be an integer >= generators (${o.generators}), so that each generator may hold a request (got ${o.maxInFlight})`);
  }
  if (o.source.kind === 'cyclic' && o.source.specs.length === 0) throw new FeedscaleError('CFG_ERR_INVALID', 'source.specs must hold at least one request');
}

function interrupted(): FeedscaleError {
  return new FeedscaleError('RUN_ERR_INTERRUPTED', 'load generator pool aborted');
}
