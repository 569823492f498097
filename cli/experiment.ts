import { terminal } from '../lib/terminal.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { validateConfig } from '../lib/validate.ts';
import { sweepRun } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { newRunId } from '../containers/stack.ts';
import { startMinimalStack } from '../experiments/minimal-stack.ts';
import { RedisMapOptionsSchema, type RedisMapResult, assertLoopbackRedisUrl, formatRedisMapTable, runRedisMapExperiment } from '../experiments/redis-map.ts';
import { installInterruptGuard } from '../runner/interrupts.ts';
import { type ProgressTask, createProgress } from '../runner/progress.ts';
import { exitCodeAction } from './report-error.ts';

interface RedisMapFlags {
  pairs?: string;
  seed?: string;
  layouts?: string;
  bucketSize?: string;
  db?: string;
  pipeline?: string;
  redisUrl?: string;
  out?: string;
}

/** Flags -> the options schema; the schema fills defaults and names the field that broke a rule. */
function redisMapOptions(flags: RedisMapFlags) {
  const input: Record<string, unknown> = {};
  if (flags.pairs !== undefined) input.pairs = flags.pairs.replaceAll('_', '');
  if (flags.seed !== undefined) input.seed = flags.seed;
  if (flags.layouts !== undefined) input.layouts = flags.layouts.split(',').map((s) => s.trim()).filter(Boolean);
  if (flags.bucketSize !== undefined) input.bucketSize = flags.bucketSize;
  if (flags.db !== undefined) input.db = flags.db;
  if (flags.pipeline !== undefined) input.pipelineSize = flags.pipeline;
  return validateConfig(RedisMapOptionsSchema, input, 'redis-map options');
}

async function redisMapCommand(flags: RedisMapFlags, log: Logger): Promise<number> {
  const options = redisMapOptions(flags);
  if (flags.redisUrl !== undefined) assertLoopbackRedisUrl(flags.redisUrl);
  const progress = createProgress(log);
  const tasks = new Map<string, ProgressTask>();
  const hooks = {
    onStart: (label: string, total: number) => tasks.set(label, progress.task(`loading ${label}`, total, 'pairs')),
    onProgress: (label: string, done: number) => tasks.get(label)?.update(done),
    onFinish: (label: string) => tasks.get(label)?.finish(),
  };

  let result: RedisMapResult;
  if (flags.redisUrl !== undefined) {
    result = await runRedisMapExperiment(flags.redisUrl, options, hooks);
  } else {
    // No Redis given: start the smallest stack with the project's own code, tear it down after.
    const engine = await ensureDockerEngine(log);
    const runId = newRunId();
    let job: Promise<unknown> = Promise.resolve();
    using guard = installInterruptGuard({ log, teardown: () => sweepRun(engine.docker, runId), settled: () => job });
    log.info('no --redis-url: starting a minimal stack for the experiment');
    const stack = await startMinimalStack(log, { engine, runId, signal: guard.signal });
    try {
      const promise = runRedisMapExperiment(stack.redisUrl, options, hooks);
      job = promise.catch(() => undefined);
      result = await promise;
    } finally {
      await stack.stop();
    }
  }

  terminal.writeOut(`\n${formatRedisMapTable(result)}\n`);
  if (flags.out) {
    mkdirSync(dirname(flags.out), { recursive: true });
    writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
    terminal.writeOut(`wrote ${flags.out}\n`);
  }
  return ExitCode.OK;
}

/**
 * `feedscale experiment <name>`: one-off measurements that check a 2011 claim against the real
 * services. Every action resolves to an exit code (docs/errors.md).
 */
export function registerExperimentCommands(program: Command, log: Logger, setExitCode: (code: number) => void): void {
  const wrap = exitCodeAction(log, setExitCode);

  const experiment = program.command('experiment').description('one-off measurements that check a 2011 claim against the real services');
  const d = RedisMapOptionsSchema.properties;
  experiment
    .command('redis-map')
    .description(
      'load seeded media->owner pairs into Redis as plain keys (SET) and as hashes bucketed by mediaId/1000 (HSET); print used_memory per pair beside the 2011 figures',
    )
    .option('--pairs <n>', `${d.pairs.description} Default ${d.pairs.default}.`)
    .option('--seed <n>', `${d.seed.description} Default ${d.seed.default}.`)
    .option('--layouts <list>', `comma-separated: ${d.layouts.description} Default ${d.layouts.default.join(',')}.`)
    .option('--bucket-size <n>', `${d.bucketSize.description} Default ${d.bucketSize.default}.`)
    .option('--db <index>', `${d.db.description} Default ${d.db.default}.`)
    .option('--pipeline <n>', `${d.pipelineSize.description} Default ${d.pipelineSize.default}.`)
    .option('--redis-url <url>', 'a running Redis on this machine (redis://127.0.0.1:<port>); default: start a minimal stack and tear it down after')
    .option('--out <file>', 'also write the result as JSON')
    .action(wrap((flags: RedisMapFlags) => redisMapCommand(flags, log)));
}
