import type { StartedTestContainer } from 'testcontainers';
import { FeedscaleError } from '../../lib/errors.ts';
import { containerLogTail } from '../docker/cleanup.ts';
import { containerName } from '../docker/labels.ts';
import type { ResolvedCatalog } from '../images/image-catalog.ts';
import { retryUntil } from '../readiness.ts';
import type { ServiceSpec } from '../service-spec.ts';
import { type ContainerRun, startService } from '../testcontainers/start-service.ts';

/** Address of every port the harness reaches: Docker maps container ports to the loopback only. */
export const LOOPBACK = '127.0.0.1';

/** One stack being started: its engine, run, images and limits, shared by the tier functions. */
export interface StackRun extends ContainerRun {
  catalog: ResolvedCatalog;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}

export function throwIfAborted(run: StackRun): void {
  if (run.signal?.aborted) throw new FeedscaleError('RUN_ERR_INTERRUPTED', 'interrupted while starting the stack');
}

/** Starts a service of the run unless the run was interrupted. */
export async function start(run: StackRun, spec: ServiceSpec): Promise<StartedTestContainer> {
  throwIfAborted(run);
  return startService(spec, run);
}

/**
 * "Ready" is a real request answered (a query, a PING, a cache round trip), retried until the
 * stack's startup timeout; a service that never answers is named with its log tail.
 */
export async function ready(run: StackRun, service: string, check: () => Promise<void>): Promise<void> {
  try {
    await retryUntil(service, run.readyTimeoutMs, check);
  } catch (err) {
    const tail = await containerLogTail(run.docker, containerName(run.runId, service));
    throw new FeedscaleError('CTR_ERR_SERVICE_START', `${service} did not become ready: ${(err as Error).message}\n--- last log lines of ${service} ---\n${tail.trimEnd()}`, {
      cause: err,
    });
  }
}

/**
 * Promise.all that waits for every promise to settle before it rejects with the first error.
 * A container whose creation is in flight when a sibling fails would otherwise be created after
 * the teardown listed the run's containers, and escape it.
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** 0, 1, ..., n - 1. */
export function indexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
