import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../lib/logger.ts';
import { sweepLabelled } from '../containers/docker/cleanup.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { SUITE_LABEL } from '../containers/docker/labels.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import { startStack } from '../containers/stack.ts';
import { loadStackConfig } from '../containers/stack-config.ts';
import type { StackInfo } from './stack-info.ts';

/**
 * Starts one reference stack for all integration tests and tears it down after them. Every
 * container and network started during the suite (by this setup, by tests' own stacks, by CLI
 * processes the tests spawn) carries feedscale.suite=<id>; the teardown sweeps them all, so a
 * test that failed before its own cleanup leaves nothing running. No engine means a failed run,
 * not skipped tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'warn');
  const suite = randomBytes(4).toString('hex');
  process.env.FEEDSCALE_SUITE = suite;
  const engine = await ensureDockerEngine(log);
  const sweepSuite = async () => {
    const removed = await sweepLabelled(engine.docker, `${SUITE_LABEL}=${suite}`);
    if (removed.containers.length > 0) log.warn({ containers: removed.containers }, `swept ${removed.containers.length} container(s) the suite's tests left behind`);
  };
  try {
    const config = loadStackConfig({ catalog: process.env.FEEDSCALE_CATALOG ?? 'auto' }, 'test stack');
    const catalog = await resolveCatalog(engine.docker, config.catalog, log);
    const stack = await startStack(config, { engine, catalog, log });
    const info: StackInfo = {
      runId: stack.runId,
      config: structuredClone(config) as StackInfo['config'],
      catalog,
      baseUrl: stack.baseUrl,
      appUrls: [...stack.appUrls],
      shards: [...stack.shards],
      redisUrl: stack.redisUrl,
      memcachedServers: [...stack.memcachedServers],
      cdnUrl: stack.cdnUrl,
      notificationSinkUrl: stack.notificationSinkUrl,
      workerUrls: [...stack.workerUrls],
      objectStore: stack.objectStore,
      timingsMs: { ...stack.timingsMs },
    };
    project.provide('stack', info);
    return async () => {
      await stack.stop();
      await sweepSuite();
    };
  } catch (err) {
    await sweepSuite();
    throw err;
  }
}
