import { inject } from 'vitest';
import type { StackConfig } from '../containers/stack-config.ts';
import { ensureDockerEngine } from '../containers/docker/engine.ts';
import { type StartedStack, startStack } from '../containers/stack.ts';
import { createLogger } from '../lib/logger.ts';

/**
 * A small stack of a test's own, for tests that break or reshape what they run against (stop
 * an app, add replicas) and so must not touch the shared one. Same images as the shared stack;
 * the caller stops it.
 */
export async function startOwnStack(overrides: Partial<StackConfig>): Promise<StartedStack> {
  const shared = inject('stack');
  const log = createLogger('silent');
  const engine = await ensureDockerEngine(log);
  return startStack(
    { ...shared.config, physicalShards: 1, logicalShards: 4, cache: 'off', ...overrides },
    { engine, catalog: shared.catalog, log },
  );
}
