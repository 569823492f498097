import type { GenericContainer } from 'testcontainers';
import type { Logger } from '../../lib/logger.ts';
import type { ResolvedCatalog } from '../images/image-catalog.ts';

/** Labels every container and network of a run carries; `feedscale down` finds leftovers by them. */
export const MANAGED_LABEL = 'feedscale.managed';
export const RUN_LABEL = 'feedscale.run';
export const SERVICE_LABEL = 'feedscale.service';

export interface ServiceContext {
  runId: string;
  /** Name of the run's Docker network. */
  network: string;
  catalog: ResolvedCatalog;
  startupTimeoutMs: number;
  log: Logger;
}

export function containerName(ctx: ServiceContext, service: string): string {
  return `feedscale-${ctx.runId}-${service}`;
}

/** Applies what every service container shares: name, labels, network alias, timeout, CPU quota. */
export function commonSettings<T extends GenericContainer>(container: T, ctx: ServiceContext, service: string, cpus?: number): T {
  container
    .withName(containerName(ctx, service))
    .withLabels({ [MANAGED_LABEL]: 'true', [RUN_LABEL]: ctx.runId, [SERVICE_LABEL]: service })
    .withNetworkMode(ctx.network)
    .withNetworkAliases(service)
    .withStartupTimeout(ctx.startupTimeoutMs);
  if (cpus !== undefined) container.withResourcesQuota({ cpu: cpus });
  return container;
}
