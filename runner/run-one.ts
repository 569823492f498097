import { Worker } from 'node:worker_threads';
import { FeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { DockerEngine } from '../containers/docker/engine.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import type { ResolvedCatalog } from '../containers/images/image-catalog.ts';
import { type StartedStack, newRunId, startStack } from '../containers/stack.ts';
import { startSwarmStack } from '../containers/swarm/swarm-stack.ts';
import { startCollectors } from './collectors/start-collectors.ts';
import type { RunResult } from '../lib/result-schema.ts';
import { toRunResult } from '../scenarios/engines/run-result.ts';
import { UPLOAD_FLOW } from '../scenarios/engines/upload-flow.ts';
import { costsOf } from './run-costs.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import type { Dataset } from '../lib/dataset-types.ts';
import { summarizePopulation } from '../scenarios/workload/population.ts';
import { APP_DEFAULTS } from '../system/app/app-config.ts';
import { loadPostgresRows } from '../system/data/seed-loader.ts';
import type { WorkloadModel } from '../scenarios/workload/model.ts';
import type { SeedRedisJob, SeedRedisMessage } from './seed-redis-worker.ts';
import { driveLoad } from './drive-load.ts';
import { type FaultOutcome, type StartedFaults, scheduleFaults } from './faults/fault-executor.ts';
import { faultRecords } from './faults/fault-effects.ts';
import { stackServices } from './faults/fault-targets.ts';
import { auditWrites } from './audit/audit-writes.ts';
import { auditedTypes, planWrites } from './audit/plan-writes.ts';
import { DEFAULT_SEED_OBJECTS_MAX, seedObjects } from './seed-objects.ts';
import { withShardPools } from '../containers/shard-schemas.ts';
import type { Progress } from './progress.ts';
import type { ResolvedConfiguration, StackEngine } from './run-config.ts';
import { checkProfilerAvailable, collectProfile, profileDirOf } from './profile/collect-profile.ts';

export interface RunOneContext {
  engine: DockerEngine;
  catalog: ResolvedCatalog;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Every run ID this process starts, so an interrupt can tear them down. */
  runIds: Set<string>;
  /** What runs the stacks (run configuration `engine`); Testcontainers when absent. */
  stackEngine?: StackEngine;
  /** The job folder: a profiled run (`--profile`) puts clinic's output there, beside its result. */
  jobDir?: string;
}

export interface RunOneInput {
  label: string;
  configuration: ResolvedConfiguration;
  plan: Readonly<Plan>;
  repeat: number;
  /** Attempt of the repeat (0 first; more when the load generator was unhealthy). */
  attempt: number;
  dataset: Dataset;
  /** The workload overrides the dataset was generated with (the Redis seeding thread regenerates it). */
  workload: Partial<WorkloadModel>;
  /** Seed recorded in the result (the job's seed); also the dataset's seed. */
  seed: number;
  /** Seed of this repeat's request stream. */
  streamSeed: number;
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted');
}

async function seedStack(stack: StartedStack, input: RunOneInput, ctx: RunOneContext): Promise<void> {
  const { dataset } = input;
  const rows = dataset.users.length + 2 * dataset.follows.length + dataset.media.length;
  // Postgres here, Redis in a worker thread (its own core): one bar each.
  const pgTask = ctx.progress.task('seed postgres', rows, 'rows');
  const feedTask = ctx.progress.task('seed redis feeds', dataset.users.length, 'users');
  const started = performance.now();
  const job: SeedRedisJob = {
    workload: input.workload,
    seed: input.seed,
    logicalShards: dataset.logicalShards,
    redisUrl: stack.redisUrl,
    options: { feedMaxLength: APP_DEFAULTS.feedMaxLength, readTimeMergeAboveFollowers: stack.config.readTimeMergeAboveFollowers },
  };
  const worker = new Worker(new URL('./seed-redis-worker-entry.mjs', import.meta.url), { workerData: job });
  const stopWorker = () => void worker.terminate();
  ctx.signal.addEventListener('abort', stopWorker, { once: true });
  try {
    const redisDone = new Promise<Extract<SeedRedisMessage, { type: 'done' }>['result']>((resolve, reject) => {
      worker.on('message', (message: SeedRedisMessage) => {
        if (message.type === 'progress') feedTask.update(message.done);
        else if (message.type === 'generated') ctx.log.debug({ elapsedMs: Math.round(message.elapsedMs) }, 'dataset regenerated in the Redis seeding thread');
        else if (message.type === 'done') resolve(message.result);
        else reject(new FeedscaleError('RUN_ERR_SEED_FAILED', `loading Redis failed: ${message.message}`));
      });
      worker.on('error', (err) => reject(new FeedscaleError('RUN_ERR_SEED_FAILED', `the Redis seeding thread failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => reject(new FeedscaleError('RUN_ERR_SEED_FAILED', `the Redis seeding thread exited (${code}) before it finished`)));
    });
    const [postgres, redis] = await Promise.all([
      withShardPools(stack.shards, (pools) =>
        loadPostgresRows({ shards: pools, shardMap: stack.shardMap }, dataset, { onProgress: (_phase, done) => pgTask.update(done) }),
      ),
      redisDone,
    ]);
    pgTask.finish();
    feedTask.finish();
    const seconds = (performance.now() - started) / 1000;
    const rowsPerS = Math.round(rows / (postgres.elapsedMs / 1000));
    ctx.log.info(
      {
        rows: postgres.rows,
        feeds: redis.feeds,
        feedEntries: redis.feedEntries,
        sessions: redis.sessions,
        phasesMs: { postgres: Math.round(postgres.elapsedMs), redis: Math.round(redis.elapsedMs) },
        redisStepsMs: Object.fromEntries(Object.entries(redis.stepsMs).map(([k, v]) => [k, Math.round(v)])),
        elapsedMs: Math.round(seconds * 1000),
        rowsPerS,
        feedEntriesPerS: Math.round(redis.feedEntries / (redis.elapsedMs / 1000)),
      },
      `seeded ${rows} rows and ${redis.feedEntries} feed entries in ${seconds.toFixed(1)} s (Postgres ${(postgres.elapsedMs / 1000).toFixed(1)} s, ${rowsPerS} rows/s; Redis ${(redis.elapsedMs / 1000).toFixed(1)} s)`,
    );
  } finally {
    ctx.signal.removeEventListener('abort', stopWorker);
    await worker.terminate();
  }
  const objectsTask = ctx.progress.task('seed objects', Math.min(DEFAULT_SEED_OBJECTS_MAX, dataset.media.length), 'objects');
  const t0 = Date.now();
  const objects = await seedObjects(stack.objectStore, dataset, DEFAULT_SEED_OBJECTS_MAX, (done) => objectsTask.update(done));
  objectsTask.finish();
  ctx.log.info({ objects, elapsedMs: Date.now() - t0 }, `put ${objects} placeholder images for the newest media`);
}

/** A configuration's stack, started and seeded, ready to be measured. */
interface PreparedRun {
  input: RunOneInput;
  runId: string;
  stack: StartedStack;
}

/** Starts the configuration's stack and seeds it; the stack is registered for teardown first. */
async function prepareRun(input: RunOneInput, ctx: RunOneContext, runId: string): Promise<PreparedRun> {
  ctx.log.info({ runId }, `${input.label}: starting stack ${runId}`);
  checkProfilerAvailable(input.configuration.stack);
  const start = ctx.stackEngine === 'swarm' ? startSwarmStack : startStack;
  const stack = await start(input.configuration.stack, { engine: ctx.engine, catalog: ctx.catalog, log: ctx.log, runId, signal: ctx.signal });
  checkAborted(ctx.signal);
  await seedStack(stack, input, ctx);
  checkAborted(ctx.signal);
  return { input, runId, stack };
}

/** Drives the plan against a prepared stack while the collectors sample it; the run's result. */
async function measureRun({ input, runId, stack }: PreparedRun, ctx: RunOneContext): Promise<RunResult> {
  const { configuration, plan, repeat, label } = input;
  const population = summarizePopulation(input.dataset);
  // A capacity search has no fixed length: its bar counts up to the steps to maxRps, as an estimate.
  const searchSteps = plan.search && plan.arrival.kind !== 'steps' ? Math.ceil(Math.log(plan.search.maxRps / plan.arrival.rateRps) / Math.log(plan.search.growth)) + 1 + plan.search.refineSteps : 0;
  const expected = Math.round(
    plan.arrival.kind === 'steps'
      ? plan.arrival.steps.reduce((a, s) => a + s.rateRps * s.durationS, 0)
      : plan.search
        ? plan.arrival.rateRps * (plan.warmupS + plan.durationS) * searchSteps
        : plan.arrival.rateRps * (plan.warmupS + plan.durationS),
  );
  const loadTask = ctx.progress.task(`${label} load`, expected, 'req');
  // Server-side metrics every second over warm-up and measurement; the collectors' own
  // queries are a few per second, small against the load.
  const collectorsT0Ms = performance.now();
  const collectors = await startCollectors({
    docker: ctx.engine.docker,
    runId,
    shards: stack.shards,
    redisUrl: stack.redisUrl,
    memcachedServers: stack.memcachedServers,
    appUrls: stack.appUrls,
    workerUrls: stack.workerUrls,
  });
  const startedAt = new Date().toISOString();
  // The measured window on the collectors' clock: after the warm-up, for the plan's duration.
  let windowStartS = (performance.now() - collectorsT0Ms) / 1000 + plan.warmupS;
  let measured: Awaited<ReturnType<typeof driveLoad>>;
  let server: Awaited<ReturnType<typeof collectors.stop>> | undefined;
  // The plan's faults run on timers aligned with the load's own clock (runner/faults).
  let faults: StartedFaults | undefined;
  let outcomes: FaultOutcome[] | undefined;
  const onStart = plan.faults?.length
    ? (originMs: number) => {
        windowStartS = (originMs - collectorsT0Ms) / 1000 + plan.warmupS;
        const targets = { docker: ctx.engine.docker, runId, redisUrl: stack.redisUrl, shards: stack.shards, services: stackServices(stack.config) };
        faults = scheduleFaults(plan.faults!, targets, { originMs, warmupS: plan.warmupS, log: ctx.log.child({ runId }), signal: ctx.signal });
      }
    : undefined;
  try {
    measured = await driveLoad({
      plan,
      baseUrl: stack.baseUrl,
      population,
      streamSeed: input.streamSeed,
      docker: ctx.engine.docker,
      signal: ctx.signal,
      onProgress: (p) => loadTask.update(p.sent, { phase: p.phase, failed: p.failed, unserved: p.unserved, inFlight: p.inFlight }),
      onStep: (v, i) =>
        ctx.log.info(
          `${label}: search step ${i + 1} at ${v.rateRps} rps: ${v.generatorValid ? (v.meetsSlo ? 'meets the SLO' : `breaks it (${v.reasons.join('; ')})`) : 'load generator fell behind: search ends'}`,
        ),
      ...(onStart ? { onStart } : {}),
    });
    // Whatever the plan still has down (a restart not yet due, a pause, netem) is ended before the audit.
    outcomes = await faults?.finish();
  } finally {
    if (faults && !outcomes) await faults.finish({ abort: true }).catch(() => undefined);
    loadTask.finish();
    server = await collectors.stop().catch((err: Error) => {
      ctx.log.warn({ err: err.message }, 'server-side metrics lost');
      return undefined;
    });
  }
  const base = toRunResult(measured, { configuration: configuration.name, plan: plan.name, repeat, attempt: input.attempt, seed: input.seed, startedAt });
  const requests = base.endpoints.filter((e) => e.endpoint !== UPLOAD_FLOW).reduce((sum, e) => sum + e.ok + Object.values(e.errors).reduce((a, b) => a + b, 0), 0);
  const result: RunResult = {
    ...base,
    ...(server ? { server, costs: costsOf(server, { startS: windowStartS, endS: windowStartS + plan.durationS }, requests) } : {}),
  };
  const writeLog = 'writeLog' in measured ? measured.writeLog : undefined;
  if (plan.faults?.length) {
    result.faults = faultRecords(outcomes ?? [], {
      endpoints: base.endpoints,
      failures: writeLog?.failures ?? [],
      writes: writeLog?.writes ?? [],
      server,
      collectorsWindowStartS: windowStartS,
      shardMap: stack.shardMap,
    });
  }
  if (planWrites(plan)) {
    if (!writeLog) ctx.log.warn(`${label}: the ${plan.driver} driver keeps no write log; no acknowledged-writes audit`);
    else {
      const audit = await auditWrites(writeLog.writes, { shards: stack.shards, shardMap: stack.shardMap, redisUrl: stack.redisUrl, feedMaxLength: APP_DEFAULTS.feedMaxLength }, { log: ctx.log, types: auditedTypes(plan) }).catch(
        (err: Error) => {
          ctx.log.warn({ err: err.message }, `${label}: the acknowledged-writes audit failed`);
          return undefined;
        },
      );
      if (audit) {
        result.audit = audit;
        const bad = audit.writes.filter((w) => w.lost > 0 || w.duplicated > 0);
        ctx.log[bad.length > 0 ? 'warn' : 'info'](
          { audit: audit.writes.map(({ type, acknowledged, present, lost, duplicated }) => ({ type, acknowledged, present, lost, duplicated })) },
          `${label}: acknowledged writes ${bad.length > 0 ? `LOST or DUPLICATED: ${bad.map((w) => `${w.type} lost ${w.lost}, duplicated ${w.duplicated}`).join('; ')}` : 'all present exactly once'}`,
        );
      }
    }
  }
  // After the measured window and before the teardown: clinic writes its output when app-0 ends.
  if (stack.config.profile !== 'off') {
    const dir = profileDirOf(plan.name, configuration.name, repeat, input.attempt);
    result.profile = await collectProfile({ docker: ctx.engine.docker, runId, tool: stack.config.profile, jobDir: ctx.jobDir, dir, server, signal: ctx.signal, log: ctx.log });
  }
  if (!result.generator.valid) ctx.log.warn({ reasons: result.generator.reasons }, `${label}: load generator unhealthy; this attempt gives no latency verdict`);
  return result;
}

/**
 * Measured runs of several configurations at once: each gets its stack (started and seeded
 * side by side), then all are loaded at the same moment, each by its own generator and
 * schedule. With one input this is an ordinary run; with two it is a duet: machine noise (a
 * neighbour, a CPU frequency change, the other stack) hits both sides alike, so their
 * difference is measured with less noise than in back-to-back runs. With `inTurn`, the stacks
 * are started side by side but loaded one after the other in the order given (an alternating
 * duet): the sides are one run apart, not one stack start, and never compete for the cores.
 * Every stack is torn down whatever happened, and only after every start in flight has settled.
 */
export async function runTogether(inputs: readonly RunOneInput[], ctx: RunOneContext, options: { inTurn?: boolean } = {}): Promise<RunResult[]> {
  const runIds = inputs.map(() => newRunId());
  for (const id of runIds) ctx.runIds.add(id);
  const prepared: PreparedRun[] = [];
  try {
    const started = await Promise.allSettled(inputs.map((input, i) => prepareRun(input, ctx, runIds[i]!)));
    for (const s of started) if (s.status === 'fulfilled') prepared.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (!options.inTurn) return await Promise.all(prepared.map((p) => measureRun(p, ctx)));
    const results: RunResult[] = [];
    for (const p of prepared) results.push(await measureRun(p, ctx));
    return results;
  } finally {
    await Promise.all(runIds.map((id) => (prepared.find((p) => p.runId === id)?.stack.stop() ?? sweepRun(ctx.engine.docker, id).catch(() => undefined))));
    for (const id of runIds) ctx.runIds.delete(id);
  }
}

/**
 * One measured run: start the configuration's stack, seed the dataset, drive the plan while the
 * server-side collectors sample every second, tear the stack down whatever happened.
 */
export async function runOne(input: RunOneInput, ctx: RunOneContext): Promise<RunResult> {
  const [result] = await runTogether([input], ctx);
  return result!;
}
