import type { Logger } from '../lib/logger.ts';
import { validateConfig } from '../lib/validate.ts';
import { type DockerEngine, ensureDockerEngine } from '../containers/docker/engine.ts';
import { resolveCatalog } from '../containers/images/resolve-catalog.ts';
import { StackConfigSchema } from '../containers/stack-config.ts';
import { type StartedStack, newRunId, startStack } from '../containers/stack.ts';

/**
 * The smallest reference stack the project's own code starts: 1 physical shard holding 1
 * logical shard, 1 app instance, no memcached. Experiments and benchmarks that need a real
 * Postgres (through pgbouncer) or a real Redis use it when none is given, and tear it down
 * after. Dispose it (`await using`) or call `stop()`.
 */
export async function startMinimalStack(
  log: Logger,
  options: { engine?: DockerEngine; runId?: string; signal?: AbortSignal; catalog?: string } = {},
): Promise<StartedStack> {
  const config = validateConfig(
    StackConfigSchema,
    { catalog: options.catalog ?? process.env.FEEDSCALE_CATALOG ?? 'auto', physicalShards: 1, logicalShards: 1, appInstances: 1, cache: 'off' },
    'minimal stack',
  );
  const engine = options.engine ?? (await ensureDockerEngine(log));
  const catalog = await resolveCatalog(engine.docker, config.catalog, log);
  return startStack(config, {
    engine,
    catalog,
    log,
    runId: options.runId ?? newRunId(),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
