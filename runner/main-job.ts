import { mkdir, symlink, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.ts';
import { FeedscaleError } from '../lib/errors.ts';
import type { DockerEngine } from '../containers/docker/engine.ts';
import { removeByLabel } from '../containers/docker/cleanup.ts';
import type { ResolvedCatalog } from '../containers/images/image-catalog.ts';
import { type StartedStack, newRunId, startStack } from '../containers/stack.ts';
import { buildReport } from '../reports/build-report.ts';
import { describeHost } from '../reports/host-info.ts';
import type { Report } from '../reports/report-schema.ts';
import { renderTextTables } from '../reports/render/text-table.ts';
import type { RunResult } from '../reports/result-schema.ts';
import { writeReport } from '../reports/write-report.ts';
import { startCollectors } from '../reports/collectors/start-collectors.ts';
import { toRunResult } from '../scenarios/engines/run-result.ts';
import type { Plan } from '../scenarios/plans/plan-schema.ts';
import { generateDataset } from '../scenarios/workload/dataset.ts';
import type { Dataset } from '../scenarios/workload/dataset-types.ts';
import { createWorkloadModel } from '../scenarios/workload/model.ts';
import { summarizePopulation } from '../scenarios/workload/population.ts';
import { loadDataset } from '../system/data/seed-loader.ts';
import { driveLoad } from './drive-load.ts';
import { migrateForStack, withShardPools } from './migrate-stack.ts';
import type { Progress } from './progress.ts';
import type { ResolvedConfiguration, RunConfig } from './run-config.ts';

/** Entries kept per Redis feed list; the same value the stack gives the apps. */
const FEED_MAX_LENGTH = 500;

export interface MainJobContext {
  engine: DockerEngine;
  catalog: ResolvedCatalog;
  log: Logger;
  progress: Progress;
  signal: AbortSignal;
  /** Every run ID this process starts, so an interrupt can tear them down. */
  runIds: Set<string>;
  feedscaleVersion: string;
  gitCommit?: string;
}

export interface MainJobResult {
  report: Report;
  outDir: string;
  files: { jsonPath: string; markdownPath: string };
  table: string;
  elapsedMs: number;
}

/** The order runs happen in: configurations interleaved per repeat (A B A B), to cancel machine drift. */
export function interleave<T>(configurations: readonly T[], repeats: number): Array<{ configuration: T; repeat: number }> {
  const order: Array<{ configuration: T; repeat: number }> = [];
  for (let repeat = 0; repeat < repeats; repeat++) for (const configuration of configurations) order.push({ configuration, repeat });
  return order;
}

/** One request-stream seed per repeat, the same for every configuration: A and B see the same traffic. */
export function streamSeed(seed: number, repeat: number): number {
  return (seed * 1_000_003 + repeat * 7919) % 2_147_483_647;
}

async function seedStack(stack: StartedStack, dataset: Dataset, ctx: MainJobContext): Promise<void> {
  const redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: 3 });
  const rows = dataset.users.length + 2 * dataset.follows.length + dataset.media.length;
  const pgTask = ctx.progress.task('seed postgres', rows, 'rows');
  let feedTask: ReturnType<Progress['task']> | undefined;
  try {
    const result = await withShardPools(stack.shards, (pools) =>
      loadDataset({ shards: pools, redis, shardMap: stack.shardMap }, dataset, {
        feedMaxLength: FEED_MAX_LENGTH,
        onProgress: (phase, done, total) => {
          if (phase === 'postgres') pgTask.update(done);
          else {
            if (!feedTask) {
              pgTask.finish();
              feedTask = ctx.progress.task('seed redis feeds', total, 'users');
            }
            feedTask.update(done);
          }
        },
      }),
    );
    ctx.log.info(
      { rows: result.rows, feeds: result.feeds, elapsedMs: Math.round(result.elapsedMs) },
      `seeded ${rows} rows and ${result.feeds} feeds in ${(result.elapsedMs / 1000).toFixed(1)} s`,
    );
  } finally {
    feedTask?.finish();
    redis.disconnect();
  }
}

function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted');
}

/**
 * The main job: for every configuration (interleaved over repeats) start the stack, seed the
 * same dataset, run the plan open loop, tear down; then build, write and print the report.
 * Each finished run is written to <out>/runs/ at once, so an interrupted job loses nothing
 * measured.
 */
export async function runMainJob(
  run: Readonly<RunConfig>,
  configurations: readonly ResolvedConfiguration[],
  plan: Readonly<Plan>,
  ctx: MainJobContext,
): Promise<MainJobResult> {
  const started = Date.now();
  const createdAt = new Date(started).toISOString();
  const outDir = resolve(run.outDir, `${createdAt.replace(/[:.]/g, '-')}-${newRunId()}`);
  await mkdir(join(outDir, 'runs'), { recursive: true });
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify({ run, configurations, plan }, null, 2)}\n`);
  ctx.log.info(`results go to ${outDir}`);

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

  const runs: RunResult[] = [];
  const order = interleave(configurations, run.repeats);
  for (const [i, { configuration, repeat }] of order.entries()) {
    checkAborted(ctx.signal);
    const label = `[${i + 1}/${order.length}] ${configuration.name} (repeat ${repeat + 1}/${run.repeats})`;
    const dataset = datasetFor(configuration.stack.logicalShards);
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
      await seedStack(stack, dataset, ctx);
      checkAborted(ctx.signal);

      const population = summarizePopulation(dataset);
      const expected = Math.round(plan.arrival.kind === 'steps' ? plan.arrival.steps.reduce((a, s) => a + s.rateRps * s.durationS, 0) : plan.arrival.rateRps * (plan.warmupS + plan.durationS));
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
          streamSeed: streamSeed(run.seed, repeat),
          docker: ctx.engine.docker,
          signal: ctx.signal,
          onProgress: (p) => loadTask.update(p.sent, { phase: p.phase, failed: p.failed, unserved: p.unserved, inFlight: p.inFlight }),
        });
      } finally {
        server = await collectors.stop().catch((err: Error) => {
          ctx.log.warn({ err: err.message }, 'server-side metrics lost');
          return undefined;
        });
      }
      loadTask.finish();
      const result = {
        ...toRunResult(measured, { configuration: configuration.name, plan: plan.name, repeat, seed: run.seed, startedAt }),
        ...(server ? { server } : {}),
      };
      runs.push(result);
      await writeFile(join(outDir, 'runs', `${configuration.name}.r${repeat}.json`), `${JSON.stringify(result)}\n`);
      if (!result.generator.valid) ctx.log.warn({ reasons: result.generator.reasons }, `${label}: load generator saturated; this run gives no latency verdict`);
    } finally {
      if (stack) await stack.stop();
      else await removeByLabel(ctx.engine.docker, runId).catch(() => undefined);
      ctx.runIds.delete(runId);
    }
  }

  const report = buildReport({
    runs,
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
  const files = await writeReport(outDir, report);
  const latest = resolve(run.outDir, 'latest');
  await rm(latest, { force: true });
  await symlink(outDir, latest).catch(() => undefined);
  return { report, outDir, files, table: renderTextTables(report), elapsedMs: Date.now() - started };
}
