import type { TestProject } from 'vitest/node';
import { createLogger } from '../lib/logger.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import { startStack } from '../containers/stack.ts';
import { loadStackConfig } from '../containers/stack-config.ts';
import { migrateForStack } from '../runner/migrate-stack.ts';
import type { StackInfo } from './stack-info.ts';

/**
 * Starts one reference stack for all integration tests and tears it down after them.
 * No engine means a failed run, not skipped tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createLogger(process.env.FEEDSCALE_LOG_LEVEL ?? 'warn');
  const engine = await ensureDockerEngine(log);
  const config = loadStackConfig({ catalog: process.env.FEEDSCALE_CATALOG ?? 'auto' }, 'test stack');
  const catalog = await resolveCatalog(engine.docker, config.catalog, log);
  const stack = await startStack(config, { engine, catalog, log, prepareShards: (s, m) => migrateForStack(s, m, log) });
  const info: StackInfo = {
    runId: stack.runId,
    config: structuredClone(config) as StackInfo['config'],
    catalog,
    baseUrl: stack.baseUrl,
    appUrls: [...stack.appUrls],
    shards: [...stack.shards],
    redisUrl: stack.redisUrl,
    memcachedServer: stack.memcachedServer,
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
  };
}
