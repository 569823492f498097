import { Redis } from 'ioredis';
import { FeedscaleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { DockerEngine } from '../containers/docker/engine.ts';
import { removeByLabel } from '../containers/docker/cleanup.ts';
import type { ResolvedCatalog } from '../containers/images/image-catalog.ts';
import { type StartedStack, newRunId, startStack } from '../containers/stack.ts';
import { startCollectors } from '../reports/collectors/start-collectors.ts';
import type { RunResult } from '../reports/result-schema.ts';
import { toRunResult } from '../scenarios/engines/run-result.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import type { Dataset } from '../scenarios/workload/dataset-types.ts';
import { summarizePopulation } from '../scenarios/workload/population.ts';
import { loadDataset } from '../system/data/seed-loader.ts';
import { driveLoad } from './drive-load.ts';
import { DEFAULT_SEED_OBJECTS_MAX, seedObjects } from './seed-objects.ts';
import { migrateForStack, withShardPools } from './migrate-stack.ts';
import type { Progress } from './progress.ts';
import type { ResolvedConfiguration } from './run-config.ts';

/** Entries kept per Redis feed list; the same value the stack gives the apps. */
const FEED_MAX_LENGTH = 500;

export interface RunOneContext {
  engine: DockerEngine;
  catalog: ResolvedCatalog;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Every run ID this process starts, so an interrupt can tear them down. */
  runIds: Set<string>;
}

export interface RunOneInput {
  label: string;
  configuration: ResolvedConfiguration;
  plan: Readonly<Plan>;
  repeat: number;
  dataset: Dataset;
  /** Seed recorded in the result (the job's seed). */
  seed: number;
  /** Seed of this repeat's request stream. */
  streamSeed: number;
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted');
}

async function seedStack(stack: StartedStack, dataset: Dataset, ctx: RunOneContext): Promise<void> {
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 3 });
  const rows = dataset.users.length + 2 * dataset.follows.length + dataset.media.length;
  // Postgres and Redis load at the same time (system/data/seed-loader.ts): one bar each.
  const pgTask = ctx.progress.task('seed postgres', rows, 'rows');
  const feedTask = ctx.progress.task('seed redis feeds', dataset.users.length, 'users');
  try {
    const result = await withShardPools(stack.shards, (pools) =>
      loadDataset({ shards: pools, redis, shardMap: stack.shardMap }, dataset, {
        feedMaxLength: FEED_MAX_LENGTH,
        readTimeMergeAboveFollowers: stack.config.readTimeMergeAboveFollowers,
        onProgress: (phase, done) => (phase === 'postgres' ? pgTask : feedTask).update(done),
      }),
    );
    pgTask.finish();
    feedTask.finish();
    const seconds = result.elapsedMs / 1000;
    ctx.log.info(
      {
        rows: result.rows,
        feeds: result.feeds,
        feedEntries: result.feedEntries,
        sessions: result.sessions,
        phasesMs: { postgres: Math.round(result.phasesMs.postgres), redis: Math.round(result.phasesMs.redis) },
        elapsedMs: Math.round(result.elapsedMs),
        rowsPerS: Math.round(rows / (result.phasesMs.postgres / 1000)),
        feedEntriesPerS: Math.round(result.feedEntries / (result.phasesMs.redis / 1000)),
      },
      `seeded ${rows} rows and ${result.feedEntries} feed entries in ${seconds.toFixed(1)} s (Postgres ${(result.phasesMs.postgres / 1000).toFixed(1)} s, ${Math.round(rows / (result.phasesMs.postgres / 1000))} rows/s; Redis ${(result.phasesMs.redis / 1000).toFixed(1)} s)`,
    );
  } finally {
    redis.disconnect();
  }
  const objectsTask = ctx.progress.task('seed objects', Math.min(DEFAULT_SEED_OBJECTS_MAX, dataset.media.length), 'objects');
  const t0 = Date.now();
  const objects = await seedObjects(stack.objectStore, dataset, DEFAULT_SEED_OBJECTS_MAX, (done) => objectsTask.update(done));
  objectsTask.finish();
  ctx.log.info({ objects, elapsedMs: Date.now() - t0 }, `put ${objects} placeholder images for the newest media`);
}

/**
 * One measured run: start the configuration's stack, seed the dataset, drive the plan while the
 * server-side collectors sample every second, tear the stack down whatever happened.
 */
export async function runOne(input: RunOneInput, ctx: RunOneContext): Promise<RunResult> {
  const { configuration, plan, repeat, label } = input;
  const runId = newRunId();
  ctx.log.info({ runId }, `${label}: starting stack ${runId}`);
  ctx.runIds.add(runId);
  let stack: StartedStack | undefined;
  try {
    stack = await startStack(configuration.stack, {
      engine: ctx.engine,
      catalog: ctx.catalog,
      log: ctx.log,
      runId,
      signal: ctx.signal,
      prepareShards: (shards, shardMap) => migrateForStack(shards, shardMap, ctx.log),
    });
    checkAborted(ctx.signal);
    await seedStack(stack, input.dataset, ctx);
    checkAborted(ctx.signal);

    const population = summarizePopulation(input.dataset);
    const expected = Math.round(
      plan.arrival.kind === 'steps'
        ? plan.arrival.steps.reduce((a, s) => a + s.rateRps * s.durationS, 0)
        : plan.arrival.rateRps * (plan.warmupS + plan.durationS),
    );
    const loadTask = ctx.progress.task(`${label} load`, expected, 'req');
    // Server-side metrics every second over warm-up and measurement; the collectors' own
    // queries are a few per second, small against the load.
    const collectors = await startCollectors({
      docker: ctx.engine.docker,
      runId,
      shards: stack.shards,
      redisUrl: stack.redisUrl,
      memcachedServer: stack.memcachedServer,
      appUrls: stack.appUrls,
    });
    const startedAt = new Date().toISOString();
    let measured: Awaited<ReturnType<typeof driveLoad>>;
    let server: Awaited<ReturnType<typeof collectors.stop>> | undefined;
    try {
      measured = await driveLoad({
        plan,
        baseUrl: stack.baseUrl,
        population,
        streamSeed: input.streamSeed,
        docker: ctx.engine.docker,
        signal: ctx.signal,
        onProgress: (p) => loadTask.update(p.sent, { phase: p.phase, failed: p.failed, unserved: p.unserved, inFlight: p.inFlight }),
      });
    } finally {
      loadTask.finish();
      server = await collectors.stop().catch((err: Error) => {
        ctx.log.warn({ err: err.message }, 'server-side metrics lost');
        return undefined;
      });
    }
    const result: RunResult = {
      ...toRunResult(measured, { configuration: configuration.name, plan: plan.name, repeat, seed: input.seed, startedAt }),
      ...(server ? { server } : {}),
    };
    if (!result.generator.valid) ctx.log.warn({ reasons: result.generator.reasons }, `${label}: load generator saturated; this run gives no latency verdict`);
    return result;
  } finally {
    if (stack) await stack.stop();
    else await removeByLabel(ctx.engine.docker, runId).catch(() => undefined);
    ctx.runIds.delete(runId);
  }
}
